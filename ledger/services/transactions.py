"""Transactions: create, edit (with an optimistic lock), delete, and the bulk versions.

Every caller (pages, API, imports, bank syncs, recurring postings) writes through here so
each gets the same validation. Bad input raises `ValidationError({field: [message]})`.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db import transaction as db_transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from ledger.changes import ledger_touched
from ledger.models import (
    Account,
    CategorizedBy,
    Category,
    ImportBatch,
    Source,
    Status,
    Tag,
    Transaction,
    Transfer,
)
from ledger.services.validation import (
    FieldErrors,
    clean_amount,
    clean_choice,
    clean_date,
    clean_text,
)

BULK_LIMIT = 1000
# The categorization pipeline (rules -> learned classifier -> LLM) lives in insights, which
# the ledger must not import: new rows are handed to it by the task's dotted path.
CLASSIFY_TASK = "insights.tasks.classify_batch"
CONFLICT_MESSAGE = (
    "This transaction was changed by someone else while you were editing it. "
    "Reload to see the latest version."
)

EDITABLE_FIELDS = frozenset(
    {
        "account",
        "date",
        "amount",
        "payee",
        "description",
        "notes",
        "category",
        "tags",
        "status",
        "source",
        "external_id",
        "fingerprint",
        "import_batch",
        "categorized_by",
        "confidence",
    }
)


class BulkValidationError(ValidationError):
    """Some rows of a bulk write are invalid; nothing was written.

    `row_errors` is {row index (0-based): {field: [messages]}}.
    """

    def __init__(self, row_errors: dict[int, dict[str, list[str]]]) -> None:
        self.row_errors = row_errors
        count = len(row_errors)
        noun = "row has" if count == 1 else "rows have"
        super().__init__({"rows": [f"{count} {noun} errors; nothing was saved."]})


def _owned(errors: FieldErrors, user: User, obj: Any, model: type, field: str) -> bool:
    if obj is None:
        return True
    if not isinstance(obj, model) or obj.user_id != user.pk:
        errors.add(field, "Choose one of your own.")
        return False
    return True


def _clean(
    errors: FieldErrors,
    user: User,
    fields: Mapping[str, Any],
    instance: Transaction | None,
    *,
    check_external_id: bool = True,
) -> dict[str, Any]:
    """Validate `fields` (all of them on create, the changed ones on update)."""
    cleaned: dict[str, Any] = {}
    account = instance.account if instance is not None else None
    if "account" in fields or instance is None:
        account = fields.get("account")
        if account is None:
            errors.add("account", "Choose an account.")
        elif _owned(errors, user, account, Account, "account"):
            cleaned["account"] = account
        else:
            account = None
    if "date" in fields or instance is None:
        cleaned["date"] = clean_date(errors, fields.get("date"))
    if account is not None and ("amount" in fields or "account" in fields or instance is None):
        amount = fields.get("amount", instance.amount if instance is not None else None)
        cleaned["amount"] = clean_amount(errors, amount, account.currency)
    for name in ("payee", "description", "notes"):
        if name in fields:
            cleaned[name] = clean_text(errors, fields[name], Transaction, name)
    if "category" in fields:
        category = fields["category"]
        if _owned(errors, user, category, Category, "category"):
            cleaned["category"] = category
    if "tags" in fields:
        tags = list(fields["tags"] or ())
        if all(_owned(errors, user, tag, Tag, "tags") for tag in tags):
            cleaned["tags"] = tags
    if "status" in fields:
        cleaned["status"] = clean_choice(errors, fields["status"], Status, "status")
    if "source" in fields:
        cleaned["source"] = clean_choice(errors, fields["source"], Source, "source")
    if "categorized_by" in fields:
        cleaned["categorized_by"] = clean_choice(
            errors, fields["categorized_by"] or "", CategorizedBy, "categorized_by"
        )
    if "confidence" in fields:
        confidence = fields["confidence"]
        try:
            confidence = None if confidence is None else float(confidence)
        except (TypeError, ValueError):
            confidence = -1.0
        if confidence is not None and not 0 <= confidence <= 1:
            errors.add("confidence", "Confidence is a number from 0 to 1.")
        cleaned["confidence"] = confidence
    elif "category" in fields:
        cleaned["confidence"] = None
    if "category" in fields and "categorized_by" not in fields:
        # A category chosen by a person is theirs: automation never overwrites "manual".
        cleaned["categorized_by"] = CategorizedBy.MANUAL if fields["category"] else ""
    for name in ("external_id", "fingerprint"):
        if name in fields:
            value = clean_text(errors, fields[name], Transaction, name) or None
            cleaned[name] = value
    if "import_batch" in fields:
        batch = fields["import_batch"]
        if _owned(errors, user, batch, ImportBatch, "import_batch"):
            cleaned["import_batch"] = batch
    if check_external_id and account is not None and not errors:
        _check_unique_ids(errors, account, cleaned, instance)
    return cleaned


def _check_unique_ids(
    errors: FieldErrors, account: Account, cleaned: dict[str, Any], instance: Transaction | None
) -> None:
    for name in ("external_id", "fingerprint"):
        value = cleaned.get(name, getattr(instance, name, None) if instance else None)
        if not value or (name not in cleaned and "account" not in cleaned):
            continue
        clash = Transaction.objects.filter(account=account, **{name: value})
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            label = "external id" if name == "external_id" else "fingerprint"
            errors.add(name, f"This account already has a transaction with this {label}.")


@db_transaction.atomic
def transaction_create(
    *,
    user: User,
    account: Account,
    date: datetime.date | str,
    amount: Decimal | str | int,
    payee: str = "",
    description: str = "",
    notes: str = "",
    category: Category | None = None,
    tags: Iterable[Tag] = (),
    status: str = Status.CLEARED,
    source: str = Source.MANUAL,
    external_id: str | None = None,
    fingerprint: str | None = None,
    import_batch: ImportBatch | None = None,
    categorized_by: str | None = None,
    confidence: float | None = None,
) -> Transaction:
    """Record money in (positive amount) or out (negative) of one of the user's accounts.

    With a category and no `categorized_by`, the category counts as set by hand ("manual").
    """
    fields: dict[str, Any] = {
        "account": account,
        "date": date,
        "amount": amount,
        "payee": payee,
        "description": description,
        "notes": notes,
        "category": category,
        "tags": tags,
        "status": status,
        "source": source,
        "external_id": external_id,
        "fingerprint": fingerprint,
        "import_batch": import_batch,
        "confidence": confidence,
    }
    if categorized_by is not None:
        fields["categorized_by"] = categorized_by
    errors = FieldErrors()
    cleaned = _clean(errors, user, fields, None)
    errors.raise_if_any()
    tag_list = cleaned.pop("tags", [])
    txn = Transaction.objects.create(user=user, **cleaned)
    if tag_list:
        txn.tags.set(tag_list)
    _queue_classification(user.pk, [txn])
    queue_budget_check(user.pk)
    return txn


def _queue_classification(user_id: int, transactions: Iterable[Transaction]) -> None:
    """After commit, send new rows through the categorization pipeline (one task for all).

    Rows with a hand-set category ("manual") and transfers are left as they are.
    """
    ids = [
        t.pk
        for t in transactions
        if t.categorized_by != CategorizedBy.MANUAL and t.transfer_id is None
    ]
    if not ids:
        return
    from django_q.tasks import async_task

    db_transaction.on_commit(
        lambda: async_task(CLASSIFY_TASK, user_id, ids, task_name="classify new transactions")
    )


ALERTS_TASK = "budgets.tasks.budget_alerts_check"


class _AlertCheck:
    """Queues one budget-alert check per user per commit, however many rows it wrote."""

    __slots__ = ("done", "user_id")

    def __init__(self, user_id: int) -> None:
        self.user_id, self.done = user_id, False

    def __call__(self) -> None:
        from django_q.tasks import async_task

        if not self.done:
            self.done = True
            async_task(ALERTS_TASK, self.user_id, task_name="budget alerts")


def queue_budget_check(user_id: int) -> None:
    """After commit, let the budgets app see whether a threshold was crossed (the ledger
    queues it by dotted path and knows nothing of budgets)."""
    for _savepoints, func, _robust in reversed(connection.run_on_commit):
        if isinstance(func, _AlertCheck) and not func.done and func.user_id == user_id:
            return
    db_transaction.on_commit(_AlertCheck(user_id))


def _months(queryset) -> list[datetime.date]:
    """The calendar months (first days) the rows of `queryset` fall in: one query."""
    return list(queryset.order_by().dates("date", "month"))


@db_transaction.atomic
def transaction_update(
    *,
    user: User,
    transaction: Transaction,
    expected_version: int | None = None,
    **fields: Any,
) -> Transaction:
    """Change some fields of a transaction and bump its version.

    `expected_version` is the version the editor loaded; if the row changed since, this
    raises ValidationError (code "conflict") and writes nothing. One side of a transfer
    keeps its pair consistent: the date moves both, and with one currency so does the amount.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"transaction_update() got unexpected fields: {sorted(unknown)}")
    txn = transaction
    errors = FieldErrors()
    if txn.user_id != user.pk:
        errors.add("transaction", "Choose one of your own.")
        errors.raise_if_any()
    current = (
        Transaction.objects.select_for_update()
        .filter(pk=txn.pk, user=user)
        .values_list("version", flat=True)
        .first()
    )
    if current is None or (expected_version is not None and int(expected_version) != current):
        raise ValidationError(CONFLICT_MESSAGE, code="conflict")
    cleaned = _clean(errors, user, fields, txn)
    is_split = txn.splits.exists()
    if is_split and "amount" in cleaned and cleaned["amount"] != txn.amount:
        errors.add(
            "amount",
            "This transaction is split. Remove the split before changing the amount.",
        )
    if is_split and cleaned.get("category") is not None:
        errors.add(
            "category", "This transaction is split. Remove the split to give it one category."
        )
    other = None
    if txn.transfer_id:
        other = Transaction.objects.filter(transfer_id=txn.transfer_id).exclude(pk=txn.pk).first()
        new_account = cleaned.get("account", txn.account)
        if other is not None and new_account.pk == other.account_id:
            errors.add("account", "Both sides of a transfer cannot be the same account.")
        if cleaned.get("category") is not None:
            errors.add("category", "Transfers have no category: they are neither in nor out.")
        amount = cleaned.get("amount")
        if amount is not None and (amount == 0 or (amount > 0) != (txn.amount > 0)):
            side = "out of" if txn.amount < 0 else "into"
            errors.add(
                "amount",
                f"This side of a transfer moves money {side} the account: keep its sign, "
                "and it cannot be zero.",
            )
    errors.raise_if_any()

    tags = cleaned.pop("tags", None)
    now = timezone.now()
    old_date = txn.date
    updated = Transaction.objects.filter(pk=txn.pk, version=current).update(
        **cleaned, version=current + 1, updated_at=now
    )
    if updated != 1:
        raise ValidationError(CONFLICT_MESSAGE, code="conflict")
    for key, value in cleaned.items():
        setattr(txn, key, value)
    txn.version, txn.updated_at = current + 1, now
    if tags is not None:
        txn.tags.set(tags)
    if other is not None:
        _sync_transfer_side(txn, other, cleaned)
    # QuerySet.update sends no signals: mark the months it changed (old and new date).
    ledger_touched(user_id=user.pk, dates=[old_date, txn.date])
    queue_budget_check(user.pk)
    return txn


def _sync_transfer_side(txn: Transaction, other: Transaction, cleaned: dict[str, Any]) -> None:
    changes: dict[str, Any] = {}
    if "date" in cleaned:
        changes["date"] = cleaned["date"]
    if "amount" in cleaned and txn.account.currency == other.account.currency:
        changes["amount"] = -cleaned["amount"]
    if changes:
        Transaction.objects.filter(pk=other.pk).update(
            **changes, version=F("version") + 1, updated_at=timezone.now()
        )


@db_transaction.atomic
def transaction_delete(*, user: User, transaction: Transaction) -> None:
    """Delete a transaction; deleting one side of a transfer deletes both."""
    transactions_bulk_delete(user=user, ids=[transaction.pk])


def _transfer_ids(user: User, ids: Sequence[int]) -> list[int]:
    return list(
        Transaction.objects.for_user(user)
        .filter(pk__in=ids, transfer__isnull=False)
        .values_list("transfer_id", flat=True)
    )


@db_transaction.atomic
def transactions_bulk_delete(*, user: User, ids: Iterable[int]) -> int:
    """Delete the user's transactions with these ids (and the other side of any transfer).
    Ids of other users are ignored. Returns how many transactions were deleted."""
    ids = list(ids)
    transfer_ids = _transfer_ids(user, ids)
    doomed = Transaction.objects.for_user(user).filter(
        Q(pk__in=ids) | Q(transfer_id__in=transfer_ids)
    )
    count = doomed.count()
    months = _months(doomed) if count else []
    doomed.delete()
    Transfer.objects.filter(user=user, pk__in=transfer_ids).delete()
    # Deleting rows one by one sends post_delete, but a fast delete would not: stamp anyway.
    if count:
        ledger_touched(user_id=user.pk, dates=months)
    return count


def _bulk_build(
    user: User, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[tuple[int, Transaction, list[Tag]]], dict[int, dict[str, list[str]]]]:
    if len(rows) > BULK_LIMIT:
        raise ValidationError(
            {
                "rows": [
                    f"Send at most {BULK_LIMIT:,} transactions at a time (you sent {len(rows):,})."
                ]
            }
        )
    row_errors: dict[int, dict[str, list[str]]] = {}
    built: list[tuple[int, Transaction, list[Tag]]] = []
    for index, row in enumerate(rows):
        errors = FieldErrors()
        for name in sorted(set(row) - EDITABLE_FIELDS):
            errors.add(name, "Unknown field.")
        fields = {"payee": "", "description": "", "notes": "", **row}
        cleaned = _clean(errors, user, fields, None, check_external_id=False)
        if errors:
            row_errors[index] = errors.errors
            continue
        tags = cleaned.pop("tags", [])
        built.append((index, Transaction(user=user, **cleaned), tags))
    _check_bulk_unique_ids(built, row_errors)
    return built, row_errors


def transactions_bulk_validate(
    *, user: User, rows: Sequence[Mapping[str, Any]]
) -> dict[int, dict[str, list[str]]]:
    """The errors `transactions_bulk_create` would raise for these rows, without writing:
    {row index: {field: [messages]}}, empty when every row is fine."""
    return _bulk_build(user, rows)[1]


@db_transaction.atomic
def transactions_bulk_create(*, user: User, rows: Sequence[Mapping[str, Any]]) -> list[Transaction]:
    """Create up to 1,000 transactions in one go: all of them or, if any row is invalid,
    none (BulkValidationError with the errors of each bad row). Each row takes the keyword
    arguments of `transaction_create`."""
    built, row_errors = _bulk_build(user, rows)
    if row_errors:
        raise BulkValidationError(row_errors)
    created = Transaction.objects.bulk_create(txn for _, txn, _ in built)
    through = Transaction.tags.through
    through.objects.bulk_create(
        through(transaction_id=txn.pk, tag_id=tag.pk)
        for txn, (_, _, tags) in zip(created, built, strict=True)
        for tag in {t.pk: t for t in tags}.values()
    )
    if created:
        ledger_touched(user_id=user.pk, dates={txn.date for txn in created})
        _queue_classification(user.pk, created)
        queue_budget_check(user.pk)
    return created


def _check_bulk_unique_ids(
    built: list[tuple[int, Transaction, list[Tag]]], row_errors: dict[int, dict[str, list[str]]]
) -> None:
    for name, label in (("external_id", "external id"), ("fingerprint", "fingerprint")):
        keys = [(index, (txn.account_id, getattr(txn, name))) for index, txn, _ in built]
        wanted = {k for _, k in keys if k[1]}
        if not wanted:
            continue
        existing = set(
            Transaction.objects.filter(
                account_id__in={a for a, _ in wanted}, **{f"{name}__in": {v for _, v in wanted}}
            ).values_list("account_id", name)
        )
        seen: set[tuple[int, str]] = set()
        for index, key in keys:
            if not key[1]:
                continue
            if key in existing:
                msg = f"This account already has a transaction with this {label}."
            elif key in seen:
                msg = f"Another row above has the same {label} for this account."
            else:
                seen.add(key)
                continue
            row_errors.setdefault(index, {}).setdefault(name, []).append(msg)


def _check_category(user: User, category: Category | None) -> None:
    errors = FieldErrors()
    if category is not None and (not isinstance(category, Category) or category.user_id != user.pk):
        errors.add("category", "Choose one of your own.")
    errors.raise_if_any()


@db_transaction.atomic
def transactions_bulk_update_category(
    *, user: User, ids: Iterable[int], category: Category | None
) -> int:
    """Set (or clear, with None) the category of the user's transactions with these ids, as
    a manual choice. Transfers and split transactions are left as they are. Returns the
    number changed."""
    _check_category(user, category)
    selected = (
        Transaction.objects.for_user(user)
        .filter(pk__in=list(ids), transfer__isnull=True)
        .exclude(pk__in=Transaction.objects.filter(splits__isnull=False).values("pk"))
    )
    months = _months(selected)
    changed = selected.update(
        category=category,
        categorized_by=CategorizedBy.MANUAL if category else "",
        confidence=None,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if changed:
        ledger_touched(user_id=user.pk, dates=months)
        queue_budget_check(user.pk)
    return changed


@db_transaction.atomic
def transactions_bulk_tag(
    *,
    user: User,
    ids: Iterable[int],
    add: Iterable[Tag] = (),
    remove: Iterable[Tag] = (),
) -> int:
    """Add and/or remove tags on the user's transactions with these ids; returns how many
    transactions were selected."""
    add, remove = list(add), list(remove)
    errors = FieldErrors()
    if any(not isinstance(t, Tag) or t.user_id != user.pk for t in [*add, *remove]):
        errors.add("tags", "Choose one of your own.")
    errors.raise_if_any()
    selected = Transaction.objects.for_user(user).filter(pk__in=list(ids))
    txn_ids = list(selected.values_list("pk", flat=True))
    through = Transaction.tags.through
    if add:
        through.objects.bulk_create(
            [through(transaction_id=t, tag_id=tag.pk) for t in txn_ids for tag in add],
            ignore_conflicts=True,
        )
    if remove:
        through.objects.filter(
            transaction_id__in=txn_ids, tag_id__in=[t.pk for t in remove]
        ).delete()
    if add or remove:
        Transaction.objects.filter(pk__in=txn_ids).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
    return len(txn_ids)
