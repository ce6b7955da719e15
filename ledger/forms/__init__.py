"""Forms of the ledger pages: they parse and check what a person typed; services do the rest.

Split by resource; everything is importable from `ledger.forms` as before.
"""

from ledger.forms.accounts import AccountForm, DeleteAccountForm
from ledger.forms.categories import CategoryForm, CategoryMergeForm, TagForm
from ledger.forms.fields import (
    AccountChoiceField,
    AmountField,
    CategoryChoiceField,
    DateInput,
    DirectionField,
    UserDateField,
    category_label,
    check_currency_decimals,
    plain_amount,
    signed,
    user_accounts,
    user_categories,
)
from ledger.forms.transactions import (
    BaseSplitFormSet,
    BulkActionForm,
    MakeTransferForm,
    QuickAddForm,
    SplitFormSet,
    SplitPartForm,
    TransactionForm,
    TransferForm,
)

__all__ = [
    "AccountChoiceField",
    "AccountForm",
    "AmountField",
    "BaseSplitFormSet",
    "BulkActionForm",
    "CategoryChoiceField",
    "CategoryForm",
    "CategoryMergeForm",
    "DateInput",
    "DeleteAccountForm",
    "DirectionField",
    "MakeTransferForm",
    "QuickAddForm",
    "SplitFormSet",
    "SplitPartForm",
    "TagForm",
    "TransactionForm",
    "TransferForm",
    "UserDateField",
    "category_label",
    "check_currency_decimals",
    "plain_amount",
    "signed",
    "user_accounts",
    "user_categories",
]
