from ledger.models.accounts import Account, AccountQuerySet, AccountType
from ledger.models.batches import ImportBatch
from ledger.models.categories import Category, CategoryKind, Tag
from ledger.models.rules import Rule
from ledger.models.transactions import (
    CategorizedBy,
    Source,
    Status,
    Transaction,
    TransactionQuerySet,
    TransactionSplit,
    Transfer,
)

__all__ = [
    "Account",
    "AccountQuerySet",
    "AccountType",
    "CategorizedBy",
    "Category",
    "CategoryKind",
    "ImportBatch",
    "Rule",
    "Source",
    "Status",
    "Tag",
    "Transaction",
    "TransactionQuerySet",
    "TransactionSplit",
    "Transfer",
]
