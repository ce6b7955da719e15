"""The review queue: uncategorized and low-confidence transactions, and the user's answers.

Every answer is a hand-set category (categorized_by "manual"): it is never overwritten by
automation, it weighs most in the learned classifier, and it moves the history's signature
so the classifier retrains before it next predicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction as db_transaction
from django.db.models import Q, QuerySet

from insights.classifier import threshold
from insights.models import Suggestion
from ledger.models import Category, Transaction
from ledger.models.transactions import CategorizedBy
from ledger.services.transactions import transactions_bulk_update_category


def review_queue(*, user) -> QuerySet[Transaction]:
    """Uncategorized transactions, and automatic choices below the confidence threshold."""
    return (
        Transaction.objects.for_user(user)
        .filter(transfer__isnull=True, splits__isnull=True)
        .filter(
            Q(category__isnull=True)
            | Q(
                categorized_by__in=[CategorizedBy.LEARNED, CategorizedBy.AI],
                confidence__lt=threshold(),
            )
        )
        .select_related("account", "category__parent", "suggestion__category__parent")
        .order_by("-date", "-id")
    )


def _suggested(txn: Transaction) -> Category | None:
    suggestion = getattr(txn, "suggestion", None)
    if suggestion is not None:
        return suggestion.category
    return txn.category  # a low-confidence automatic choice: accepting confirms it


@db_transaction.atomic
def review_accept(*, user, transaction_ids: Iterable[int]) -> int:
    """Accept the suggestion (or confirm the automatic choice) of these transactions."""
    rows = list(review_queue(user=user).filter(pk__in=list(transaction_ids)))
    by_category: dict[Category, list[int]] = defaultdict(list)
    for txn in rows:
        category = _suggested(txn)
        if category is not None and category.user_id == user.pk:
            by_category[category].append(txn.pk)
    changed = 0
    for category, ids in by_category.items():
        changed += transactions_bulk_update_category(user=user, ids=ids, category=category)
    Suggestion.objects.filter(
        user=user, transaction_id__in=[i for v in by_category.values() for i in v]
    ).delete()
    return changed


@db_transaction.atomic
def review_categorize(*, user, transaction: Transaction, category: Category) -> Transaction:
    """The user picked a category for one transaction (a correction or a first choice)."""
    transactions_bulk_update_category(user=user, ids=[transaction.pk], category=category)
    Suggestion.objects.filter(user=user, transaction=transaction).delete()
    transaction.refresh_from_db()
    return transaction
