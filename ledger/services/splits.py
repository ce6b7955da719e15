"""Splits: one transaction spread over several categories; the parts sum to the whole."""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction as db_transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from ledger.changes import ledger_touched
from ledger.models import CategorizedBy, Category, Transaction, TransactionSplit
from ledger.money import format_money
from ledger.services.transactions import queue_budget_check
from ledger.services.validation import FieldErrors, clean_amount

MAX_PARTS = 50

# A part is (category, amount, notes), (category, amount), or a mapping with those keys.
Part = Sequence[Any] | Mapping[str, Any]


def _unpack(part: Part) -> tuple[Any, Any, str]:
    if isinstance(part, Mapping):
        return part.get("category"), part.get("amount"), part.get("notes") or ""
    items = list(part)
    return items[0], items[1], (items[2] if len(items) > 2 else "") or ""


@db_transaction.atomic
def transaction_split(
    *, user: User, transaction: Transaction, parts: Sequence[Part]
) -> list[TransactionSplit]:
    """Replace the transaction's split with these parts. They must add up exactly to the
    transaction amount; the transaction itself then has no category of its own."""
    txn = transaction
    errors = FieldErrors()
    if txn.user_id != user.pk:
        errors.add("transaction", "Choose one of your own.")
        errors.raise_if_any()
    if txn.transfer_id:
        errors.add("parts", "Transfers cannot be split.")
        errors.raise_if_any()
    if len(parts) < 2:
        errors.add("parts", "A split needs at least two parts.")
    if len(parts) > MAX_PARTS:
        errors.add("parts", f"A split has at most {MAX_PARTS} parts.")
    errors.raise_if_any()
    currency = txn.account.currency
    rows: list[TransactionSplit] = []
    for number, part in enumerate(parts, start=1):
        category, amount, notes = _unpack(part)
        part_errors = FieldErrors()
        value = clean_amount(part_errors, amount, currency)
        if category is not None and (
            not isinstance(category, Category) or category.user_id != user.pk
        ):
            part_errors.add("category", "Choose one of your own.")
        if value is not None and value == 0:
            part_errors.add("amount", "A part cannot be zero.")
        if len(str(notes)) > TransactionSplit._meta.get_field("notes").max_length:
            part_errors.add("notes", "Keep the note of a part under 200 characters.")
        for field, messages in part_errors.errors.items():
            for message in messages:
                errors.add("parts", f"Part {number} ({field}): {message}")
        if not part_errors:
            rows.append(
                TransactionSplit(transaction=txn, category=category, amount=value, notes=notes)
            )
    errors.raise_if_any()
    total = sum((row.amount for row in rows), Decimal("0"))
    if total != txn.amount:
        diff = txn.amount - total
        errors.add(
            "parts",
            f"The parts add up to {format_money(total, currency)} but the transaction is "
            f"{format_money(txn.amount, currency)}: "
            f"{format_money(abs(diff), currency)} {'left to assign' if diff * txn.amount > 0 else 'too much'}.",
        )
        errors.raise_if_any()
    TransactionSplit.objects.filter(transaction=txn).delete()
    created = TransactionSplit.objects.bulk_create(rows)
    _touch(txn, category=None, categorized_by=CategorizedBy.MANUAL)
    return created


@db_transaction.atomic
def transaction_unsplit(
    *, user: User, transaction: Transaction, category: Category | None = None
) -> Transaction:
    """Remove the split; the transaction takes `category` (or stays uncategorized)."""
    txn = transaction
    errors = FieldErrors()
    if txn.user_id != user.pk:
        errors.add("transaction", "Choose one of your own.")
    if category is not None and category.user_id != user.pk:
        errors.add("category", "Choose one of your own.")
    errors.raise_if_any()
    TransactionSplit.objects.filter(transaction=txn).delete()
    _touch(txn, category=category, categorized_by=CategorizedBy.MANUAL if category else "")
    return txn


def _touch(txn: Transaction, *, category: Category | None, categorized_by: str) -> None:
    now = timezone.now()
    Transaction.objects.filter(pk=txn.pk).update(
        category=category,
        categorized_by=categorized_by,
        confidence=None,
        version=F("version") + 1,
        updated_at=now,
    )
    txn.category, txn.categorized_by, txn.confidence = category, categorized_by, None
    txn.version, txn.updated_at = txn.version + 1, now
    # bulk_create of parts and QuerySet.update send no signals: stamp the month.
    ledger_touched(user_id=txn.user_id, dates=[txn.date])
    queue_budget_check(txn.user_id)  # the parts may push a budget past a threshold
