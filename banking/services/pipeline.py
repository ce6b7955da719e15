"""The streaming pass of a statement import: read rows, match them to the ledger, insert.

Rows are read in chunks of IMPORT_CHUNK_ROWS; each chunk costs one range query per account
(exact duplicates and possible-duplicate candidates, matched in Python with sets) and one
bulk insert (COPY on PostgreSQL, bulk_create elsewhere). The same pass serves the preview
(write=False) and the commit (write=True), so nothing but a small summary is kept between
the two steps, whatever the file size.
"""

from __future__ import annotations

import datetime
import inspect
import itertools
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models.base import ModelState
from django.utils import timezone

from accounts.models import User
from banking.importers import (
    CsvLayout,
    CsvMapping,
    ImportFileError,
    ParsedRow,
    RowError,
    StatementResult,
    camt_parse,
    csv_rows,
    mt940_parse,
    ofx_parse,
    qif_parse,
)
from banking.models import ImportFile
from banking.services.categorize import categorize_new_rows
from banking.services.dedupe import PossibleDuplicateFinder, payee_tokens
from banking.services.fingerprint import OccurrenceCounter, fingerprint, row_base
from ledger.models import (
    Account,
    CategorizedBy,
    Category,
    ImportBatch,
    Source,
    Status,
    Transaction,
    TransactionSplit,
)
from ledger.rules import RuleSet
from ledger.services.rules import rules_compile

logger = logging.getLogger(__name__)

SKIP, IMPORT, LINK = "skip", "import", "link"
DECISIONS = (SKIP, IMPORT, LINK)
DEFAULT_DECISION = SKIP
MAX_LISTED = 500  # possible duplicates / error rows kept for the pages
SAMPLE_ROWS = 50
MAX_AMOUNT = Decimal("1e12")  # MONEY is 15 digits with 3 decimals
STATEMENT_PARSERS: dict[str, Callable[..., StatementResult]] = {
    "ofx": ofx_parse,
    "qif": qif_parse,
    "camt": camt_parse,
    "mt940": mt940_parse,
}


class ImportFlowError(Exception):
    """A step of the flow cannot go on; ``message`` is shown to the user as is."""

    def __init__(self, message: str, *, code: str = "invalid", field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message


@dataclass
class RunResult:
    total: int = 0
    new: int = 0
    duplicates: int = 0
    possible_duplicates: int = 0
    skipped_possible: int = 0
    linked: int = 0
    errors: int = 0
    added: int = 0
    error_rows: list[dict[str, Any]] = field(default_factory=list)
    possible: list[dict[str, Any]] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)
    categories: Counter = field(default_factory=Counter)
    links: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, str]] | None = None

    def summary(self) -> dict[str, Any]:
        names = dict(
            Category.objects.filter(pk__in=[k for k in self.categories if k]).values_list(
                "pk", "name"
            )
        )
        categories = [
            {
                "id": pk,
                "name": names.get(pk, "Uncategorized") if pk else "Uncategorized",
                "count": n,
            }
            for pk, n in self.categories.most_common()
        ]
        return {
            "total": self.total,
            "new": self.new,
            "duplicates": self.duplicates,
            "possible_duplicates": self.possible_duplicates,
            "errors": self.errors,
            "possible": self.possible,
            "sample": self.sample,
            "categories": categories,
        }


def row_errors_message(fmt: str, count: int, errors: list[dict[str, Any]]) -> str:
    """Why a commit with unreadable rows stops: how many, the first reasons, what to do."""
    shown = [e["message"].rstrip(".") for e in errors[:3] if e.get("message")]
    reasons = f": {'; '.join(shown)}" if shown else ""
    if count > len(shown) and shown:
        reasons += f"; and {count - len(shown)} more"
    advice = (
        "Fix the mapping, or choose to import without the bad rows."
        if fmt == "csv"
        else "Choose to import without them, or download the statement again from your bank."
    )
    return f"{count} row{'s' if count != 1 else ''} could not be read{reasons}. {advice}"


def _chunk_rows() -> int:
    return max(1, getattr(settings, "IMPORT_CHUNK_ROWS", 2000))


def _unreadable(exc: Exception) -> ImportFileError:
    logger.exception("statement parser failed")
    return ImportFileError(
        "This file could not be read as a bank statement. Check that it is the statement "
        "export from your bank (CSV, OFX/QFX, QIF, CAMT.053 or MT940) and not damaged.",
        code="malformed",
    )


def guarded(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a parser; anything but its own ImportFileError becomes a plain-words error
    (a parser bug must never surface as a server error)."""
    try:
        return call(*args, **kwargs)
    except ImportFileError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc


def guarded_iter(rows: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from rows
    except (ImportFileError, ImportFlowError):
        raise
    except DatabaseError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc


def parse_statement(fmt: str, stream: IO[bytes], *, date_order: str = "") -> StatementResult:
    parser = STATEMENT_PARSERS[fmt]
    if date_order and "date_order" in inspect.signature(parser).parameters:
        return guarded(parser, stream, date_order=date_order)
    return guarded(parser, stream)


def statement_key(acc, index: int) -> str:
    return acc.key if acc.key is not None else f"#{index}"


# --- the streaming pass -------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    row: ParsedRow
    account: Account
    fingerprint: str
    external_id: str | None


def open_upload(batch: ImportBatch) -> IO[bytes]:
    try:
        upload = batch.upload
    except ImportFile.DoesNotExist as exc:
        raise ImportFlowError(
            "The uploaded file is no longer stored; upload it again.", code="gone"
        ) from exc
    field_file = upload.file.open("rb")
    # The storage's own file object: FieldFile's proxying costs a check per line read.
    return getattr(field_file, "file", field_file)


def _iter_rows(batch: ImportBatch, stream: IO[bytes]) -> Iterator[tuple[Account, Any]]:
    meta = batch.meta
    if batch.format == "csv":
        account = batch.account
        if account is None:
            raise ImportFlowError("Choose the account this statement is for.", code="account")
        layout = CsvLayout.from_dict(meta["layout"])
        mapping = CsvMapping.from_dict(meta["mapping"])
        for item in csv_rows(stream, layout, mapping):
            yield account, item
        return
    result = parse_statement(batch.format, stream, date_order=meta.get("date_order", ""))
    account_map = meta.get("account_map") or {}
    accounts = {
        a.pk: a
        for a in Account.objects.for_user(batch.user).filter(
            pk__in=[v for v in account_map.values() if v]
        )
    }
    for index, acc in enumerate(result.accounts):
        account = accounts.get(account_map.get(statement_key(acc, index)) or 0)
        if account is None:
            continue
        for item in acc.rows:
            yield account, item


def _error(line: int, column: str, message: str) -> dict[str, Any]:
    return {"line": line, "column": column, "message": message}


def _check_row(row: ParsedRow, account: Account) -> tuple[str, str]:
    """What the ledger cannot hold, as (reason, column); ("", "") when the row is fine."""
    try:
        if not row.amount.is_finite() or abs(row.amount) >= MAX_AMOUNT:
            return f"the amount {row.amount} is too large", "amount"
    except (InvalidOperation, AttributeError):
        return "the amount is not a number", "amount"
    if row.currency and row.currency.upper() != account.currency:
        return (
            f"the row is in {row.currency.upper()}, the account is in {account.currency}",
            "currency",
        )
    return "", ""


_TXN_DEFAULTS: dict[str, Any] | None = None
# Plain strings: an enum member lookup per row adds up over a million rows.
_BY_MANUAL, _BY_NONE = str(CategorizedBy.MANUAL.value), str(CategorizedBy.NONE.value)
_CLEARED, _FROM_FILE = str(Status.CLEARED.value), str(Source.FILE.value)


def _new_transaction(**values: Any) -> Transaction:
    """An unsaved Transaction without Model.__init__'s per-field work (a tenth of the cost;
    this runs once per imported row). Every concrete field gets its default first."""
    global _TXN_DEFAULTS
    if _TXN_DEFAULTS is None:
        _TXN_DEFAULTS = {f.attname: f.get_default() for f in Transaction._meta.concrete_fields}
    txn = Transaction.__new__(Transaction)
    txn._state = ModelState()
    txn.__dict__.update(_TXN_DEFAULTS)
    txn.__dict__.update(values)
    return txn


def _build(
    pending: _Pending, batch: ImportBatch, categories: dict[str, int], now: datetime.datetime
) -> Transaction:
    row = pending.row
    user_id, account_id, batch_id = batch.user_id, pending.account.pk, batch.pk
    category_id = categories.get(row.category.casefold()) if row.category else None
    notes = row.notes
    if row.category and category_id is None:
        notes = f"{notes}\nCategory in file: {row.category}".strip()
    txn = _new_transaction(
        user_id=user_id,
        account_id=account_id,
        date=row.date,
        amount=row.amount,
        payee=(row.payee or "")[:200],
        description=(row.description or "")[:500],
        notes=notes,
        category_id=category_id,
        categorized_by=_BY_MANUAL if category_id else _BY_NONE,
        status=_CLEARED,
        source=_FROM_FILE,
        external_id=pending.external_id,
        fingerprint=pending.fingerprint,
        import_batch_id=batch_id,
        created_at=now,
        updated_at=now,
    )
    txn._state.fields_cache["account"] = pending.account
    txn._splits = row.splits  # type: ignore[attr-defined]
    return txn


def category_lookup(user) -> dict[str, int]:
    """Category names the file may use: "Groceries" and "Food:Groceries" both work."""
    lookup: dict[str, int] = {}
    for pk, name, parent in Category.objects.for_user(user).values_list(
        "pk", "name", "parent__name"
    ):
        lookup.setdefault(name.casefold(), pk)
        if parent:
            lookup[f"{parent}:{name}".casefold()] = pk
    return lookup


def run_rows(
    batch: ImportBatch,
    *,
    write: bool,
    decisions: dict[str, str] | None = None,
    default_decision: str = DEFAULT_DECISION,
    skip_errors: bool = False,
    collect: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Stream the file once: classify every row, and (write=True) insert the new ones."""
    decisions = decisions or {}
    if default_decision not in DECISIONS:
        default_decision = DEFAULT_DECISION
    result = RunResult(transactions=[] if collect else None)
    counters: dict[int, OccurrenceCounter] = {}
    seen_external: dict[int, set[str]] = {}
    finder = PossibleDuplicateFinder(layout_key=batch.meta.get("layout_key", ""))
    categories = category_lookup(batch.user)
    user = batch.user
    ruleset = rules_compile(user=user)  # once per file, not per chunk
    chunk_size = _chunk_rows()
    stream = open_upload(batch)
    try:
        rows = guarded_iter(_iter_rows(batch, stream))
        while True:
            chunk = list(itertools.islice(rows, chunk_size))
            if not chunk:
                break
            by_account: dict[int, list[_Pending]] = {}
            for account, item in chunk:
                result.total += 1
                if isinstance(item, RowError):
                    result.errors += 1
                    if len(result.error_rows) < MAX_LISTED:
                        result.error_rows.append(_error(item.line, item.column, item.message))
                    continue
                problem, column = _check_row(item, account)
                if problem:
                    result.errors += 1
                    if len(result.error_rows) < MAX_LISTED:
                        result.error_rows.append(
                            _error(item.line, column, f"Row {item.line}: {problem}")
                        )
                    continue
                base = row_base(
                    account_id=account.pk,
                    date=item.date,
                    amount=item.amount,
                    payee=item.payee,
                    description=item.description,
                )
                occurrence = counters.setdefault(account.pk, OccurrenceCounter()).next(base)
                external_id = (item.external_id or "").strip()[:200] or None
                if external_id:
                    seen = seen_external.setdefault(account.pk, set())
                    if external_id in seen:
                        # The bank repeated an id inside one file: the fingerprint tells
                        # the rows apart instead.
                        external_id = None
                    else:
                        seen.add(external_id)
                by_account.setdefault(account.pk, []).append(
                    _Pending(item, account, fingerprint(base, occurrence), external_id)
                )
            for account_id, pending in by_account.items():
                _process_chunk(
                    batch,
                    user,
                    account_id,
                    pending,
                    result,
                    finder,
                    categories,
                    decisions,
                    default_decision,
                    write,
                    ruleset,
                )
            if progress is not None:
                progress(result.total)
    finally:
        stream.close()
    if write and result.errors and not skip_errors:
        raise ImportFlowError(
            row_errors_message(batch.format, result.errors, result.error_rows),
            code="row_errors",
        )
    return result


def _process_chunk(
    batch: ImportBatch,
    user,
    account_id: int,
    pending: list[_Pending],
    result: RunResult,
    finder: PossibleDuplicateFinder,
    categories: dict[str, int],
    decisions: dict[str, str],
    default_decision: str,
    write: bool,
    ruleset: RuleSet,
) -> None:
    found_fps, found_ext, window = finder.lookup(
        account_id=account_id,
        fingerprints=[p.fingerprint for p in pending],
        external_ids=[p.external_id for p in pending if p.external_id],
        dates=[p.row.date for p in pending],
    )
    fresh = [
        p
        for p in pending
        if p.fingerprint not in found_fps and not (p.external_id and p.external_id in found_ext)
    ]
    result.duplicates += len(pending) - len(fresh)
    if not fresh:
        return
    by_amount = finder.candidates(
        account_id=account_id,
        dates=[p.row.date for p in fresh],
        amounts={p.row.amount for p in fresh},
        rows=window,
        taken=found_fps | found_ext,
    )
    now = timezone.now()
    to_insert: list[Transaction] = []
    links: list[tuple[int, _Pending]] = []
    for p in fresh:
        candidate = (
            finder.match(
                by_amount,
                date=p.row.date,
                amount=p.row.amount,
                tokens=lambda row=p.row: payee_tokens(row.payee, row.description),
                external_id=p.external_id,
            )
            if by_amount
            else None
        )
        if candidate is not None:
            result.possible_duplicates += 1
            decision = decisions.get(p.fingerprint, default_decision)
            if len(result.possible) < MAX_LISTED:
                result.possible.append(
                    {
                        "key": p.fingerprint,
                        "line": p.row.line,
                        "date": p.row.date.isoformat(),
                        "amount": str(p.row.amount),
                        "payee": p.row.payee,
                        "description": p.row.description,
                        "account_id": account_id,
                        "existing": {
                            "id": candidate.id,
                            "date": candidate.date.isoformat(),
                            "amount": str(candidate.amount),
                            "payee": candidate.payee,
                            "description": candidate.description,
                        },
                    }
                )
            if decision == LINK:
                links.append((candidate.id, p))
                result.linked += 1
                continue
            if decision != IMPORT:
                result.skipped_possible += 1
                continue
        to_insert.append(_build(p, batch, categories, now))
    if to_insert:
        categorize_new_rows(user, to_insert, ruleset=ruleset)
    result.new += len(to_insert)
    for txn in to_insert:
        result.categories[txn.category_id] += 1
        if len(result.sample) < SAMPLE_ROWS:
            result.sample.append(
                {
                    "line": None,
                    "date": txn.date.isoformat(),
                    "amount": str(txn.amount),
                    "payee": txn.payee,
                    "description": txn.description,
                    "category_id": txn.category_id,
                }
            )
        if result.transactions is not None:
            result.transactions.append(
                {
                    "date": txn.date.isoformat(),
                    "amount": str(txn.amount),
                    "payee": txn.payee,
                    "description": txn.description,
                }
            )
    if write:
        insert_transactions(to_insert)
        result.added += len(to_insert)
        if links:
            result.links.extend(_link(account_id, links))


def _link(account_id: int, links: list[tuple[int, _Pending]]) -> list[dict[str, Any]]:
    """Give existing rows this file's identity so re-imports recognise them."""
    existing = Transaction.objects.in_bulk([pk for pk, _ in links])
    undo_info = []
    changed = []
    for pk, p in links:
        txn = existing[pk]
        undo_info.append({"id": pk, "fingerprint": txn.fingerprint, "external_id": txn.external_id})
        txn.fingerprint = p.fingerprint
        if p.external_id and not txn.external_id:
            txn.external_id = p.external_id
        changed.append(txn)
    Transaction.objects.bulk_update(changed, ["fingerprint", "external_id"])
    return undo_info


# --- insert -------------------------------------------------------------------------------

_COPY_COLUMNS = (
    "user_id",
    "account_id",
    "date",
    "amount",
    "payee",
    "description",
    "notes",
    "category_id",
    "status",
    "source",
    "external_id",
    "fingerprint",
    "import_batch_id",
    "categorized_by",
    "confidence",
    "provider_category",
    "version",
    "created_at",
    "updated_at",
)


def insert_transactions(txns: list[Transaction]) -> None:
    """Insert new rows: PostgreSQL COPY when available, bulk_create elsewhere; then their
    splits and tags (looked up by fingerprint, which is unique per account)."""
    if not txns:
        return
    if connection.vendor == "postgresql" and getattr(settings, "IMPORT_USE_COPY", True):
        _copy_insert(txns)
        needs_ids = [t for t in txns if getattr(t, "_splits", ()) or getattr(t, "_tag_ids", ())]
        if needs_ids:
            ids = dict(
                Transaction.objects.filter(
                    account_id=needs_ids[0].account_id,
                    fingerprint__in=[t.fingerprint for t in needs_ids],
                ).values_list("fingerprint", "id")
            )
            for t in needs_ids:
                t.pk = ids[t.fingerprint]
    else:
        Transaction.objects.bulk_create(txns, batch_size=500)
        needs_ids = [t for t in txns if getattr(t, "_splits", ()) or getattr(t, "_tag_ids", ())]
    if not needs_ids:
        return
    split_lookup = category_lookup(User(pk=needs_ids[0].user_id))
    splits = [
        TransactionSplit(
            transaction_id=t.pk,
            category_id=split_lookup.get((s.category or "").casefold()),
            amount=s.amount,
            notes=(s.memo or "")[:200],
        )
        for t in needs_ids
        for s in getattr(t, "_splits", ())
    ]
    TransactionSplit.objects.bulk_create(splits, batch_size=500)
    through = Transaction.tags.through
    through.objects.bulk_create(
        [
            through(transaction_id=t.pk, tag_id=tag_id)
            for t in needs_ids
            for tag_id in set(getattr(t, "_tag_ids", ()) or ())
        ],
        batch_size=500,
    )


def _copy_insert(txns: list[Transaction]) -> None:
    table = Transaction._meta.db_table
    columns = ", ".join(_COPY_COLUMNS)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for t in txns:
                copy.write_row(
                    (
                        t.user_id,
                        t.account_id,
                        t.date,
                        t.amount,
                        t.payee,
                        t.description,
                        t.notes,
                        t.category_id,
                        t.status,
                        t.source,
                        t.external_id,
                        t.fingerprint,
                        t.import_batch_id,
                        t.categorized_by,
                        t.confidence,
                        t.provider_category,
                        t.version,
                        t.created_at,
                        t.updated_at,
                    )
                )
