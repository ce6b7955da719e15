"""Forms for transactions: the full form, quick add, transfers, splits, bulk actions."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape

from ledger.forms.fields import (
    AccountChoiceField,
    AmountField,
    CategoryChoiceField,
    DirectionField,
    OwnedMultipleChoiceField,
    UserDateField,
    category_label,
    check_currency_decimals,
    plain_amount,
    signed,
    user_accounts,
    user_categories,
)
from ledger.models import Account, Category, CategoryKind, Status, Tag, Transaction
from ledger.money import format_money

# --- Transactions -----------------------------------------------------------------------------


class TransactionForm(forms.Form):
    """The full edit form; the amount is typed without a sign and the kind sets the sign."""

    direction = DirectionField()
    amount = AmountField(allow_negative=False)
    account = AccountChoiceField(queryset=Account.objects.none())
    date = UserDateField()
    payee = forms.CharField(max_length=200, required=False)
    description = forms.CharField(max_length=500, required=False)
    category = CategoryChoiceField(
        queryset=Category.objects.none(), required=False, empty_label="Uncategorized"
    )
    tags = OwnedMultipleChoiceField(
        queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    status = forms.ChoiceField(choices=Status.choices, initial=Status.CLEARED)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, instance: Transaction | None = None, **kwargs) -> None:
        self.user = user
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "direction": "income" if instance.amount > 0 else "expense",
                "amount": plain_amount(abs(instance.amount), instance.account.currency),
                "account": instance.account_id,
                "date": instance.date,
                "payee": instance.payee,
                "description": instance.description,
                "category": instance.category_id,
                "tags": [t.pk for t in instance.tags.all()],
                "status": instance.status,
                "notes": instance.notes,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = user_accounts(
            user, include=instance.account if instance else None
        )
        self.fields["category"].queryset = user_categories(
            user, include=instance.category if instance else None
        )
        if instance is not None and instance.provider_category:
            # Help text is rendered as HTML; the bank's words are escaped.
            label = escape(instance.provider_category_label)
            self.fields["category"].help_text = f"Bank's category: {label}"
        self.fields["tags"].queryset = Tag.objects.for_user(user)
        if self.is_transfer:
            # One side of a transfer: its direction is fixed by the side, and transfers are
            # neither income nor expense, so they have no category.
            del self.fields["direction"]
            del self.fields["category"]
            side = "out of" if self.instance.amount < 0 else "into"
            self.fields["amount"].help_text = f"What moved {side} this account."

    @property
    def is_transfer(self) -> bool:
        return self.instance is not None and self.instance.transfer_id is not None

    def clean(self) -> dict:
        data = super().clean()
        direction = data.get("direction")
        if self.is_transfer:
            direction = "income" if self.instance.amount > 0 else "expense"
        if data.get("amount") is not None and direction:
            data["amount"] = signed(data["amount"], direction)
        if data.get("account") and data.get("amount") is not None:
            check_currency_decimals(self, "amount", data["amount"], data["account"].currency)
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "account": data["account"],
            "date": data["date"],
            "amount": data["amount"],
            "payee": data["payee"],
            "description": data["description"],
            "notes": data["notes"],
            "tags": list(data["tags"]),
            "status": data["status"],
        }
        if "category" in self.fields:
            fields["category"] = data["category"]
        return fields


class MakeTransferForm(forms.Form):
    """Turn a transaction into one side of a transfer: the account on the other side, and
    what arrived there (or left it) when its currency differs. The service checks the
    amount against the accounts' currencies."""

    other_account = AccountChoiceField(
        queryset=Account.objects.none(), label="Other account", empty_label="Pick an account"
    )
    other_amount = AmountField(
        allow_negative=False,
        required=False,
        label="Amount in the other account",
        help_text="Only when the other account has a different currency.",
    )

    def __init__(self, *args, user, transaction: Transaction, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other_account"].queryset = user_accounts(user).exclude(
            pk=transaction.account_id
        )


class QuickAddForm(forms.Form):
    """Amount, kind, payee, category (typed, with suggestions), account and date."""

    amount = AmountField(
        allow_negative=False,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autofocus": True, "placeholder": "0.00"}
        ),
    )
    direction = DirectionField()
    payee = forms.CharField(max_length=200, required=False)
    category = forms.CharField(
        max_length=120,
        required=False,
        help_text="Start typing to pick one; leave empty to sort it out later.",
        widget=forms.TextInput(attrs={"list": "quick-add-categories", "autocomplete": "off"}),
    )
    account = AccountChoiceField(queryset=Account.objects.none(), empty_label=None)
    date = UserDateField()
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = user_accounts(user)
        self.categories = list(user_categories(user))

    def category_labels(self) -> list[str]:
        return [category_label(c) for c in self.categories]

    def clean_category(self) -> Category | None:
        text = self.cleaned_data["category"].strip()
        if not text:
            return None
        wanted = text.casefold()
        direction = self.data.get(self.add_prefix("direction"), "expense")
        kind = CategoryKind.INCOME if direction == "income" else CategoryKind.EXPENSE
        matches: list[Category] = []
        for category in self.categories:
            names = {
                category_label(category).casefold(),
                category.name.casefold(),
                str(category).casefold(),
            }
            if wanted in names:
                matches.append(category)
        if not matches:
            raise ValidationError(
                f"There is no category called “{text}”. Pick one from the list or leave it empty."
            )
        matches.sort(key=lambda c: c.kind != kind)
        return matches[0]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("amount") is not None:
            if data["amount"] == 0:
                self.add_error("amount", "Enter an amount other than zero.")
            elif data.get("direction"):
                data["amount"] = signed(data["amount"], data["direction"])
                if data.get("account"):
                    check_currency_decimals(
                        self, "amount", data["amount"], data["account"].currency
                    )
        return data


class TransferForm(forms.Form):
    from_account = AccountChoiceField(queryset=Account.objects.none(), label="From")
    to_account = AccountChoiceField(queryset=Account.objects.none(), label="To")
    date = UserDateField()
    amount = AmountField(allow_negative=False, help_text="What left the first account.")
    to_amount = AmountField(
        allow_negative=False,
        required=False,
        label="Amount received",
        help_text="Only when the two accounts have different currencies.",
    )
    payee = forms.CharField(
        max_length=200,
        required=False,
        label="Description",
        help_text="Shown on both sides; empty means “Transfer to …” and “Transfer from …”.",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["from_account"].queryset = user_accounts(user)
        self.fields["to_account"].queryset = user_accounts(user)

    def clean(self) -> dict:
        data = super().clean()
        source, target = data.get("from_account"), data.get("to_account")
        if data.get("amount") == 0:
            self.add_error("amount", "Enter an amount other than zero.")
        if source and target:
            if source.pk == target.pk:
                self.add_error("to_account", "Pick a different account to move the money to.")
            else:
                check_currency_decimals(self, "amount", data.get("amount"), source.currency)
                if source.currency != target.currency:
                    if data.get("to_amount") is None:
                        self.add_error(
                            "to_amount",
                            f"Enter what arrived in {target.currency}; the currencies differ.",
                        )
                    else:
                        check_currency_decimals(
                            self, "to_amount", data["to_amount"], target.currency
                        )
                else:
                    data["to_amount"] = None
        return data


class SplitPartForm(forms.Form):
    category = CategoryChoiceField(
        queryset=Category.objects.none(), required=False, empty_label="Uncategorized"
    )
    amount = AmountField(
        allow_negative=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-split-amount": ""}),
    )
    notes = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = user_categories(user)
        # The editor shows the parts as table rows under column headers; screen readers
        # need each input named with its part number.
        number = (self.prefix or "").rsplit("-", 1)[-1]
        part = f"part {int(number) + 1}" if number.isdigit() else "new part"
        for name, label in (("category", "Category"), ("amount", "Amount"), ("notes", "Note")):
            self.fields[name].widget.attrs["aria-label"] = f"{label} of {part}"
        # On a phone the column headers are hidden: the placeholders say what goes where.
        self.fields["amount"].widget.attrs["placeholder"] = "Amount"
        self.fields["notes"].widget.attrs["placeholder"] = "Note (optional)"


class BaseSplitFormSet(forms.BaseFormSet):
    """Parts are typed without the sign of the whole; they must add up to it exactly."""

    def __init__(self, *args, transaction: Transaction, **kwargs) -> None:
        self.transaction = transaction
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        if any(self.errors):
            return
        parts = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("amount") is not None
        ]
        if len(parts) < 2:
            raise ValidationError("A split needs at least two parts.")
        currency = self.transaction.account.currency
        total = abs(self.transaction.amount)
        for form in self.forms:
            if form.cleaned_data.get("amount") is not None:
                check_currency_decimals(form, "amount", form.cleaned_data["amount"], currency)
        if any(f.errors for f in self.forms):
            raise ValidationError("Fix the parts marked below.")
        parts_sum = sum((p["amount"] for p in parts), Decimal("0"))
        if parts_sum != total:
            diff = total - parts_sum
            raise ValidationError(
                f"The parts add up to {format_money(parts_sum, currency)} but the transaction "
                f"is {format_money(total, currency)}: {format_money(abs(diff), currency)} "
                + ("is left to assign." if diff > 0 else "too much.")
            )

    def parts(self) -> list[dict]:
        sign = -1 if self.transaction.amount < 0 else 1
        return [
            {
                "category": f.cleaned_data.get("category"),
                "amount": sign * f.cleaned_data["amount"],
                "notes": f.cleaned_data.get("notes", ""),
            }
            for f in self.forms
            if f.cleaned_data and f.cleaned_data.get("amount") is not None
        ]


SplitFormSet = forms.formset_factory(
    SplitPartForm, formset=BaseSplitFormSet, extra=0, min_num=2, max_num=50, validate_max=True
)


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("set_category", "Set category"),
        ("add_tag", "Add tag"),
        ("remove_tag", "Remove tag"),
        ("delete", "Delete"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = OwnedMultipleChoiceField(
        queryset=Transaction.objects.none(),
        error_messages={"required": "Select at least one transaction first."},
    )
    category = forms.CharField(required=False)  # "" = uncategorized; a pk otherwise
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["ids"].queryset = Transaction.objects.for_user(user)
        self.fields["tag"].queryset = Tag.objects.for_user(user)

    def clean_category(self) -> Category | None:
        value = self.cleaned_data["category"].strip()
        if not value or value == "none":
            return None
        try:
            return Category.objects.for_user(self.user).get(pk=int(value))
        except (ValueError, Category.DoesNotExist) as exc:
            raise ValidationError("Pick one of your categories.") from exc

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if action == "set_category" and "category" not in self.data:
            self.add_error("category", "Pick a category.")
        if action in {"add_tag", "remove_tag"} and not data.get("tag"):
            self.add_error("tag", "Pick a tag.")
        return data
