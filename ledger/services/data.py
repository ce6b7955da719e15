"""The user's data: export all of it (JSON, CSV of transactions) and delete all of it."""

import csv
import datetime
import decimal
import logging
import uuid
from collections.abc import Iterable
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db import transaction as db_transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from ledger.models import (
    Account,
    Category,
    ImportBatch,
    Rule,
    Tag,
    Transaction,
    TransactionSplit,
    Transfer,
)
from ledger.money import quantize

logger = logging.getLogger(__name__)

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    "date",
    "account",
    "currency",
    "amount",
    "payee",
    "description",
    "category",
    "tags",
    "notes",
    "status",
    "kind",
    "id",
    "provider_category",
]
# Never exported: secrets and their hashes, even for their owner.
_SECRET_WORDS = ("password", "secret", "token", "hash", "access_key", "encrypted", "cursor")
_PROJECT_APPS = ("accounts", "budgets", "banking", "insights")


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _rows(queryset: QuerySet, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    model = queryset.model
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in set(exclude) and not any(w in f.name for w in _SECRET_WORDS)
    ]
    return [
        {k: _jsonable(v) for k, v in row.items()} for row in queryset.order_by("pk").values(*names)
    ]


def _is_user_fk(field: Any) -> bool:
    return (
        isinstance(field, models.ForeignKey | models.OneToOneField)
        and field.related_model._meta.label == settings.AUTH_USER_MODEL
    )


def _owner_lookup(model: type[models.Model]) -> str | None:
    """How a row of `model` reaches its user: "user" for a direct foreign key, "<fk>__user"
    when it hangs off a row that has one (a budget's alerts, a bank item's accounts), else
    None (not owned by a user)."""
    fields = model._meta.concrete_fields
    if any(f.name == "user" and _is_user_fk(f) for f in fields):
        return "user"
    for field in fields:
        if isinstance(field, models.ForeignKey | models.OneToOneField) and any(
            f.name == "user" and _is_user_fk(f) for f in field.related_model._meta.concrete_fields
        ):
            return f"{field.name}__user"
    return None


def _owned_models() -> list[tuple[type[models.Model], str]]:
    """The other project apps' models a user owns, with the lookup that finds their rows;
    found through the app registry so the ledger imports none of those apps."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in _PROJECT_APPS or meta.model_name in {"user", "profile"}:
            continue
        lookup = _owner_lookup(model)
        if lookup is not None:
            found.append((model, lookup))
    return found


def _other_apps_data(user: User) -> dict[str, list[dict[str, Any]]]:
    """Rows of the other project apps that belong to the user, directly or through one
    row that does (keyed by "app.model")."""
    return {
        model._meta.label_lower: _rows(
            model._default_manager.filter(**{lookup: user}), exclude=["user_id"]
        )
        for model, lookup in _owned_models()
    }


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the user owns as a JSON-serialisable dict (Decimals as strings)."""
    profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
    txns = Transaction.objects.filter(user=user)
    return {
        "format": "billfold-export-1",
        "exported_at": timezone.now().isoformat(),
        "user": {"email": user.email, "date_joined": user.date_joined.isoformat()},
        "profile": (
            _rows(type(profile).objects.filter(pk=profile.pk), exclude=["id", "user_id"])[0]
            if profile
            else None
        ),
        "accounts": _rows(Account.objects.filter(user=user), exclude=["user_id"]),
        "categories": _rows(Category.objects.filter(user=user), exclude=["user_id"]),
        "tags": _rows(Tag.objects.filter(user=user), exclude=["user_id"]),
        "transactions": [
            {**row, "tags": tag_map.get(row["id"], [])}
            for tag_map in [_tag_map(txns)]
            for row in _rows(txns, exclude=["user_id"])
        ],
        "splits": _rows(TransactionSplit.objects.filter(transaction__user=user)),
        "transfers": _rows(Transfer.objects.filter(user=user), exclude=["user_id"]),
        "rules": [
            {**row, "add_tags": rule_tags.get(row["id"], [])}
            for rule_tags in [_rule_tag_map(user)]
            for row in _rows(Rule.objects.filter(user=user), exclude=["user_id"])
        ],
        "import_batches": _rows(ImportBatch.objects.filter(user=user), exclude=["user_id"]),
        "other": _other_apps_data(user),
    }


def _tag_map(txns: QuerySet) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    through = Transaction.tags.through
    for txn_id, tag_id in through.objects.filter(transaction__in=txns).values_list(
        "transaction_id", "tag_id"
    ):
        result.setdefault(txn_id, []).append(tag_id)
    return result


def _rule_tag_map(user: User) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    through = Rule.add_tags.through
    for rule_id, tag_id in through.objects.filter(rule__user=user).values_list("rule_id", "tag_id"):
        result.setdefault(rule_id, []).append(tag_id)
    return result


def csv_safe(value: Any, *, numeric: bool = False) -> str:
    """A cell a spreadsheet will not run as a formula: a leading apostrophe goes before
    = + - @ TAB CR, except on plain numbers in a numeric column (-12.50 stays a number)."""
    text = "" if value is None else str(value)
    if numeric:
        try:
            decimal.Decimal(text)
        except decimal.InvalidOperation:
            pass
        else:
            if text.lstrip("+-").replace(".", "", 1).isdigit():
                return text
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def transactions_write_csv(*, transactions: QuerySet[Transaction], out: IO[str]) -> int:
    """Write the transactions (already filtered and scoped by the caller) as CSV to `out`;
    returns the number of rows. Streams in chunks, so any size fits in memory."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    queryset = transactions.select_related("account", "category", "category__parent")
    queryset = queryset.prefetch_related("tags")
    count = 0
    for txn in queryset.iterator(chunk_size=2000):
        currency = txn.account.currency
        writer.writerow(
            [
                txn.date.isoformat(),
                csv_safe(txn.account.name),
                currency,
                csv_safe(quantize(txn.amount, currency), numeric=True),
                csv_safe(txn.payee),
                csv_safe(txn.description),
                csv_safe(str(txn.category) if txn.category else ""),
                csv_safe(", ".join(sorted(t.name for t in txn.tags.all()))),
                csv_safe(txn.notes),
                txn.status,
                txn.kind,
                txn.pk,
                csv_safe(txn.provider_category),
            ]
        )
        count += 1
    return count


def _stored_files(user: User) -> list[tuple[Any, str]]:
    """(storage, name) of every file kept for the user's rows (uploaded statements): the
    rows go by cascade, their files must be removed from storage by hand."""
    files = []
    for model, lookup in _owned_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.FileField):
                continue
            names = model._default_manager.filter(**{lookup: user}).values_list(
                field.attname, flat=True
            )
            files.extend((field.storage, name) for name in names if name)
    return files


def _delete_files(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:  # the rows are gone either way; an operator can sweep the rest
            logger.warning("Could not delete the stored file %s", name, exc_info=True)


@db_transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the user and everything they own (by cascade), and their stored files once
    that commits; nobody else's rows change. The caller confirms first (the page asks for
    the password)."""
    files = _stored_files(user)
    # Transactions first: their cascade (splits, tag links) is collected in one pass.
    Transaction.objects.filter(user=user).delete()
    user.delete()
    db_transaction.on_commit(lambda: _delete_files(files), robust=True)
