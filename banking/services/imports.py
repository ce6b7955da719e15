"""Statement import: upload -> (mapping) -> preview -> commit, and undo / discard.

One `ImportBatch` per upload carries the state; the file is kept in the default storage
(`banking.ImportFile`) until the batch is committed or discarded. Parsing is done by
`banking.importers` (pure, streaming); this module matches rows to the ledger and writes.

The same streaming pass serves the preview (write=False) and the commit (write=True): rows
are read in chunks of IMPORT_CHUNK_ROWS, each chunk costs one query for exact duplicates,
one for possible duplicates and one bulk insert (COPY on PostgreSQL). The commit re-reads
the file, so nothing but a small summary is kept between the steps, whatever the file size.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import secrets
import time
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django_q.tasks import async_chain, async_task

from banking.importers import (
    DEBIT_CREDIT,
    INDICATOR,
    CsvLayout,
    CsvMapping,
    ImportFileError,
    ParsedRow,
    RowError,
    StatementResult,
    csv_rows,
    csv_sniff,
    detect_format,
    ensure_size,
    suggest_flip,
)
from banking.importers import PROFILES as BUILTIN_PROFILES
from banking.importers.dates import compile_date_format
from banking.models import ImportFile, ImportProfile, header_signature
from banking.services.pipeline import (
    DECISIONS,
    DEFAULT_DECISION,
    IMPORT,
    LINK,
    SKIP,
    ImportFlowError,
    RunResult,
    guarded,
    guarded_iter,
    open_upload,
    parse_statement,
    row_errors_message,
    run_rows,
    statement_key,
)
from ledger.changes import ledger_touched
from ledger.models import (
    Account,
    ImportBatch,
    Transaction,
)
from ledger.services.accounts import account_create
from ledger.services.transactions import transactions_bulk_delete

logger = logging.getLogger(__name__)

State = ImportBatch.State
FORMAT_LABELS = {
    "csv": "CSV",
    "ofx": "OFX/QFX",
    "qif": "QIF",
    "camt": "CAMT.053",
    "mt940": "MT940",
}

__all__ = [
    "DECISIONS",
    "DEFAULT_DECISION",
    "FORMAT_LABELS",
    "IMPORT",
    "LINK",
    "SKIP",
    "ImportFlowError",
    "RunResult",
    "date_format_label",
    "edited_since_import",
    "edited_transactions",
    "import_check",
    "import_commit",
    "import_discard",
    "import_map_accounts",
    "import_new_account",
    "import_preview",
    "import_process",
    "import_rows_preview",
    "import_start",
    "import_undo",
    "mapping_needs",
    "max_upload_bytes",
]


# --- settings -----------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


def _background_rows() -> int:
    return getattr(settings, "IMPORT_BACKGROUND_ROWS", 5000)


# --- start --------------------------------------------------------------------------------


def _scan(stream: IO[bytes]) -> tuple[int, str, int]:
    """Size, sha256 and line count in one streaming pass."""
    digest = hashlib.sha256()
    size = lines = 0
    last = b""
    stream.seek(0)
    for block in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(block)
        size += len(block)
        lines += block.count(b"\n")
        last = block[-1:]
    if size and last != b"\n":
        lines += 1
    stream.seek(0)
    return size, digest.hexdigest(), lines


def _account_summary(result: StatementResult) -> list[dict[str, Any]]:
    """One entry per account key in the file (two statements of one account are merged)."""
    accounts: dict[str, dict[str, Any]] = {}
    for index, acc in enumerate(result.accounts):
        if not acc.rows:
            continue
        rows = sum(1 for r in acc.rows if isinstance(r, ParsedRow))
        key = statement_key(acc, index)
        entry = accounts.setdefault(
            key,
            {
                "key": key,
                "name": acc.name or acc.key or f"Account {index + 1}",
                "type": acc.type,
                "currency": acc.currency or "",
                "institution": acc.institution,
                "rows": 0,
                "errors": 0,
            },
        )
        entry["rows"] += rows
        entry["errors"] += len(acc.rows) - rows
    return list(accounts.values())


def _find_user_profile(user, name: str) -> ImportProfile | None:
    return ImportProfile.objects.for_user(user).filter(name__iexact=name.strip()).first()


def _find_builtin(name: str):
    wanted = name.strip().casefold()
    for profile in BUILTIN_PROFILES:
        if wanted in (profile.slug.casefold(), profile.name.casefold()):
            return profile
    return None


def date_format_label(fmt: str) -> str:
    """ "%d/%m/%Y" -> "DD/MM/YYYY", for people."""
    for code, label in (
        ("%H:%M:%S", "hh:mm:ss"),
        ("%Y", "YYYY"),
        ("%y", "YY"),
        ("%m", "MM"),
        ("%d", "DD"),
        ("%b", "Mon"),
        ("%B", "Month"),
    ):
        fmt = fmt.replace(code, label)
    return fmt


def _mapping_needs(layout: CsvLayout, mapping: CsvMapping) -> list[str]:
    """What a person must answer before this mapping can be used (empty: nothing)."""
    needs = []
    if mapping.date is None:
        needs.append("Which column holds the date?")
    if mapping.amount_style == DEBIT_CREDIT:
        if mapping.debit is None and mapping.credit is None:
            needs.append("Which columns hold money out and money in?")
    elif mapping.amount is None:
        needs.append("Which column holds the amount?")
    if mapping.amount_style == INDICATOR and mapping.indicator is None:
        needs.append("Which column says whether an amount is a debit or a credit?")
    if layout.date_ambiguous and len(layout.date_candidates) > 1:
        needs.append(
            "The dates fit both day/month and month/day order: which is it? "
            f"(it could be {' or '.join(date_format_label(f) for f in layout.date_candidates)}"
            f"{_date_example(layout, mapping)})"
        )
    return needs


def _date_example(layout: CsvLayout, mapping: CsvMapping) -> str:
    """ "; 03/04/2026 is 4 March 2026 or 3 April 2026": the question on a real cell."""
    for row in layout.sample_rows:
        if mapping.date is None or mapping.date >= len(row):
            return ""
        cell = row[mapping.date].strip()
        readings = [compile_date_format(f)(cell) for f in layout.date_candidates[:2]]
        if all(readings) and readings[0] != readings[1]:
            shown = " or ".join(f"{d.day} {d:%B %Y}" for d in readings)  # type: ignore[union-attr]
            return f"; {cell} is {shown}"
    return ""


def _choose_csv_mapping(
    *, user, layout: CsvLayout, stream: IO[bytes], account_type: str, profile: str
) -> tuple[CsvMapping, dict[str, str], list[str]]:
    """The mapping to use, which profile gave it, and what is still to be answered."""
    signature = header_signature(layout.header)
    if profile:
        saved = _find_user_profile(user, profile)
        if saved is not None:
            return CsvMapping.from_dict(saved.mapping), {"kind": "user", "name": saved.name}, []
        builtin = _find_builtin(profile)
        if builtin is None:
            raise ImportFlowError(
                f"There is no saved or built-in profile called “{profile}”.",
                code="profile",
                field="profile",
            )
        try:
            mapping = builtin.mapping_for(layout.header)
        except (ValueError, KeyError, IndexError) as exc:
            raise ImportFlowError(
                f"This file's columns do not fit the profile “{builtin.name}”.",
                code="profile",
                field="profile",
            ) from exc
        return mapping, {"kind": "builtin", "name": builtin.name, "slug": builtin.slug}, []
    saved = (
        ImportProfile.objects.for_user(user)
        .filter(header_signature=signature)
        .order_by("-last_used_at", "-created_at")
        .first()
    )
    if saved is not None:
        return CsvMapping.from_dict(saved.mapping), {"kind": "user", "name": saved.name}, []
    mapping = layout.mapping
    if layout.profile:
        return mapping, {"kind": "builtin", "name": layout.profile_name, "slug": layout.profile}, []
    needs = _mapping_needs(layout, mapping)
    if not layout.confident and not needs:
        needs.append("Check that the columns were recognised correctly.")
    # A card account (existing, or created with this upload) whose file writes charges as
    # positive numbers: flipped when the data leave no doubt (suggest_flip).
    if account_type == "credit_card" and mapping.amount is not None:
        stream.seek(0)
        sample = list(itertools.islice(guarded_iter(csv_rows(stream, layout, mapping)), 200))
        stream.seek(0)
        if suggest_flip(sample, account_type):
            mapping.flip_sign = True
    return mapping, {"kind": "", "name": ""}, needs


def import_new_account(*, user, name: str, type: str, currency: str) -> Account:
    """Create the account a statement goes into (through the ledger's service); its
    validation errors become one plain ImportFlowError."""
    try:
        return account_create(
            user=user,
            name=name.strip(),
            type=type or "checking",
            currency=(currency or "").upper().strip(),
        )
    except ValidationError as exc:
        messages = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in exc.message_dict.items())
        raise ImportFlowError(
            f"The new account could not be created ({messages}).", code="account"
        ) from exc


def import_start(
    *,
    user,
    file: IO[bytes],
    file_name: str,
    account: Account | None = None,
    new_account: dict[str, str] | None = None,
    profile: str = "",
    source: str = ImportBatch.Source.FILE,
    auto_preview: bool = True,
    background: bool | None = None,
) -> ImportBatch:
    """Check and store an uploaded statement and work out its format and layout.

    Raises ImportFileError / ImportFlowError with a plain message and writes nothing when
    the file cannot be used. With ``auto_preview`` the preview runs at once when no
    question is left to ask (a known layout, one account).
    """
    if account is not None and account.user_id != user.pk:
        raise ImportFlowError("Choose one of your own accounts.", code="account", field="account")
    # Refuse an oversized file before reading it (a 500 MB file is not hashed to be refused).
    file.seek(0, 2)
    ensure_size(file.tell(), limit=max_upload_bytes())
    size, sha, lines = _scan(file)
    if size == 0:
        raise ImportFileError("The file is empty.", code="empty")
    fmt = guarded(detect_format, file)
    file.seek(0)
    meta: dict[str, Any] = {"sha256": sha, "needs": [], "notices": []}
    estimated = max(lines - 1, 0)
    if fmt == "csv":
        layout = guarded(csv_sniff, file)
        file.seek(0)
        mapping, chosen, needs = _choose_csv_mapping(
            user=user,
            layout=layout,
            stream=file,
            account_type=account.type
            if account is not None
            else (new_account or {}).get("type", ""),
            profile=profile,
        )
        if mapping.flip_sign and not chosen["kind"]:
            flipped = (
                "This card's file writes charges as positive numbers, so the signs were "
                "flipped: charges are saved as money out. Untick “Flip sign” if that is wrong."
            )
            layout.warnings.append(flipped)
            meta["notices"].append(flipped)
        meta.update(
            layout=layout.to_dict(),
            mapping=mapping.to_dict(),
            profile=chosen,
            needs=needs,
            header_signature=header_signature(layout.header),
            layout_key=f"csv:{header_signature(layout.header)}",
        )
        estimated = max(lines - layout.skip_rows - (1 if layout.has_header else 0), 0)
        if account is None and new_account is None:
            meta["needs"].append("Which account is this statement for?")
    else:
        result = parse_statement(fmt, file)
        file.seek(0)
        accounts = _account_summary(result)
        if not accounts:
            raise ImportFileError(
                "This statement has no transactions in it (only balances or holdings), "
                "so there is nothing to import.",
                code="empty",
            )
        estimated = sum(a["rows"] + a["errors"] for a in accounts)
        meta.update(
            statement={
                "accounts": accounts,
                "notices": list(result.notices),
                "date_ambiguous": result.date_ambiguous,
                "date_candidates": list(result.date_candidates),
                "date_order": result.date_order,
            },
            layout_key="ofx" if fmt == "ofx" else fmt,
            profile={"kind": "", "name": ""},
            date_order=result.date_order,
        )
        if len(accounts) > 1 or (account is None and new_account is None):
            meta["needs"].append("Which of your accounts does each account in the file go to?")
        if result.date_ambiguous:
            meta["needs"].append("The dates fit both month/day and day/month order: which is it?")
    previous = (
        ImportBatch.objects.filter(user=user, state=State.COMMITTED, meta__sha256=sha)
        .order_by("-committed_at")
        .first()
    )
    if previous is not None and previous.committed_at:
        meta["notices"].append(
            f"You imported this same file on {previous.committed_at.day} "
            f"{previous.committed_at:%b %Y}; "
            "rows imported then will not be added again."
        )
    with transaction.atomic():
        if new_account is not None:
            account = import_new_account(
                user=user,
                name=new_account.get("name", ""),
                type=new_account.get("type", ""),
                currency=new_account.get("currency", ""),
            )
        if fmt != "csv" and account is not None:
            accounts = meta["statement"]["accounts"]
            meta["account_map"] = {accounts[0]["key"]: account.pk}
            if len(accounts) == 1:
                _check_statement_currency(accounts[0], account)
        batch = ImportBatch.objects.create(
            user=user,
            account=account,
            source=source,
            state=State.PENDING,
            file_name=Path(file_name or "statement").name[:255],
            format=fmt,
            progress_total=estimated,
            meta=meta,
        )
        stored = ImportFile(batch=batch, user=user, size=size, sha256=sha)
        safe = get_valid_filename(Path(file_name or "statement").name)[-80:] or "statement"
        # A name no other upload can have, so whatever a failed write leaves under it is
        # this upload's own partial file, safe to remove.
        unique = f"{secrets.token_hex(8)}_{safe}"
        target = stored.file.field.generate_filename(stored, unique)
        file.seek(0)
        try:
            stored.file.save(unique, File(file, name=safe), save=False)
        except OSError as exc:  # a full or read-only disk: the batch above is rolled back
            logger.error("import upload could not be stored: %s", exc)
            _remove_partial_upload(stored.file.storage, target)
            raise ImportFileError(
                "The server could not store this file (its disk may be full). Nothing was "
                "saved; try again later, or tell whoever runs this Billfold.",
                code="storage",
            ) from exc
        try:
            stored.save()
        except Exception:
            stored.file.delete(save=False)
            raise
    if auto_preview and not meta["needs"]:
        try:
            import_preview(batch=batch, background=background)
        except (ImportFileError, ImportFlowError):
            # A file that fails its first reading leaves nothing behind.
            with transaction.atomic():
                _delete_upload(batch)
                batch.delete()
            raise
    return batch


def _remove_partial_upload(storage, name: str) -> None:
    """Django's file storage leaves what it wrote before a write failed (a full disk)."""
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError as exc:
        logger.error("partial import upload %s could not be removed: %s", name, exc)


def _check_statement_currency(entry: dict[str, Any], account: Account) -> None:
    currency = (entry.get("currency") or "").upper()
    if currency and currency != account.currency:
        raise ImportFlowError(
            f"The account “{entry['name']}” in this file is in {currency}, but "
            f"{account.name} is in {account.currency}. Choose an account in {currency} "
            "or create one.",
            code="currency",
            field="account",
        )


# --- preview ------------------------------------------------------------------------------


def mapping_needs(batch: ImportBatch) -> list[str]:
    return list(batch.meta.get("needs") or [])


def import_preview(
    *,
    batch: ImportBatch,
    mapping: CsvMapping | None = None,
    account_map: dict[str, int | None] | None = None,
    date_order: str = "",
    save_profile_as: str = "",
    background: bool | None = None,
) -> ImportBatch:
    """Settle the answers (mapping, account per statement account, date order) and analyse
    the file: counts of new, duplicate, possible duplicate and bad rows. Writes no
    transactions. Large files are analysed by the background worker."""
    if batch.state not in (State.PENDING, State.PREVIEW, State.FAILED):
        raise ImportFlowError("This import can no longer be changed.", code="state")
    meta = batch.meta
    if mapping is not None:
        layout = CsvLayout.from_dict(meta["layout"])
        meta["mapping"] = mapping.to_dict()
        layout.date_ambiguous = False  # the person answered
        needs = _mapping_needs(layout, mapping)
        if needs:
            raise ImportFlowError(" ".join(needs), code="mapping")
        meta["needs"] = [n for n in meta.get("needs", []) if "account" in n]
        if save_profile_as.strip():
            saved, _ = ImportProfile.objects.update_or_create(
                user=batch.user,
                name=save_profile_as.strip()[:100],
                defaults={
                    "header_signature": meta["header_signature"],
                    "header": meta["layout"].get("header", []),
                    "mapping": mapping.to_dict(),
                },
            )
            meta["profile"] = {"kind": "user", "name": saved.name}
        elif meta.get("profile", {}).get("kind") == "builtin":
            meta["profile"] = {"kind": "", "name": ""}
    if account_map is not None:
        _apply_account_map(batch, account_map)
    if date_order:
        meta["date_order"] = date_order
        meta["needs"] = [n for n in meta.get("needs", []) if "order" not in n]
    if batch.account_id is None and batch.format == "csv":
        raise ImportFlowError("Choose the account this statement is for.", code="account")
    if meta.get("needs"):
        raise ImportFlowError(" ".join(meta["needs"]), code="mapping")
    meta.pop("failure", None)
    meta["stage"] = "analysing"
    if _runs_in_background(batch, background):
        batch.state = State.PROCESSING
        batch.progress_done = 0
        batch.save()
        _queue(batch)
        return batch
    batch.save()
    _analyse(batch)
    return batch


def import_map_accounts(*, batch: ImportBatch, account_map: dict[str, int | None]) -> None:
    """Say which of the user's accounts each account in the file goes to (None leaves it
    out), without analysing the file yet; raises ImportFlowError for a stranger's account,
    a currency that does not match, or nothing mapped at all."""
    if batch.state not in (State.PENDING, State.PREVIEW, State.FAILED):
        raise ImportFlowError("This import can no longer be changed.", code="state")
    _apply_account_map(batch, account_map)
    batch.save()


def _apply_account_map(batch: ImportBatch, account_map: dict[str, int | None]) -> None:
    meta = batch.meta
    accounts = meta.get("statement", {}).get("accounts", [])
    known = {a["key"]: a for a in accounts}
    owned = {
        a.pk: a
        for a in Account.objects.for_user(batch.user).filter(
            pk__in=[v for v in account_map.values() if v]
        )
    }
    cleaned: dict[str, int | None] = {}
    for key, account_id in account_map.items():
        if key not in known:
            continue
        if account_id and account_id not in owned:
            raise ImportFlowError("Choose one of your own accounts.", code="account")
        if account_id:
            _check_statement_currency(known[key], owned[account_id])
        cleaned[key] = account_id or None
    if not any(cleaned.values()):
        raise ImportFlowError("Choose an account for at least one account in the file.")
    meta["account_map"] = cleaned
    if batch.account_id is None or batch.account_id not in cleaned.values():
        batch.account_id = next(v for v in cleaned.values() if v)
    meta["needs"] = [n for n in meta.get("needs", []) if "account" not in n]


def _runs_in_background(batch: ImportBatch, background: bool | None) -> bool:
    if background is not None:
        return background
    return batch.progress_total > _background_rows()


def _queue(batch: ImportBatch) -> None:
    batch_id = batch.pk

    def enqueue() -> None:
        async_task("banking.tasks.import_process", batch_id, task_name=f"import-{batch_id}")

    transaction.on_commit(enqueue)


def _fail(batch: ImportBatch, message: str) -> None:
    batch.refresh_from_db()
    batch.state = State.FAILED
    batch.meta["failure"] = message
    batch.meta.pop("stage", None)
    batch.save(update_fields=["state", "meta"])


def _analyse(batch: ImportBatch) -> None:
    try:
        result = run_rows(batch, write=False)
    except (ImportFileError, ImportFlowError) as exc:
        _fail(batch, str(exc))
        raise
    batch.refresh_from_db(fields=["meta"])
    batch.meta["summary"] = result.summary()
    batch.meta.pop("stage", None)
    batch.state = State.PREVIEW
    batch.possible_duplicates = result.possible_duplicates
    batch.error_count = result.errors
    batch.errors = result.error_rows
    batch.progress_done = batch.progress_total = result.total
    batch.save()


def import_check(
    *, batch: ImportBatch, default_decision: str = DEFAULT_DECISION, collect: bool = True
) -> RunResult:
    """What a commit would do now, without writing or storing anything (a dry run)."""
    if batch.meta.get("needs"):
        raise ImportFlowError(" ".join(batch.meta["needs"]), code="mapping")
    return run_rows(batch, write=False, default_decision=default_decision, collect=collect)


# --- commit -------------------------------------------------------------------------------


def import_commit(
    *,
    batch: ImportBatch,
    decisions: dict[str, str] | None = None,
    skip_errors: bool = False,
    default_decision: str = DEFAULT_DECISION,
    background: bool | None = None,
    collect: bool = False,
) -> RunResult | None:
    """Write the new rows in one database transaction (all or nothing), record the counts
    on the batch, and delete the stored file. Large files are committed by the worker
    (returns None then). A batch still waiting for answers raises ImportFlowError naming
    them; so does a file with bad rows unless ``skip_errors``."""
    if batch.state == State.COMMITTED:
        raise ImportFlowError("This file has already been imported.", code="state")
    if batch.state not in (State.PENDING, State.PREVIEW):
        raise ImportFlowError("This import cannot be committed now.", code="state")
    if batch.meta.get("needs"):
        raise ImportFlowError(" ".join(batch.meta["needs"]), code="mapping")
    if batch.format == "csv" and batch.account_id is None:
        raise ImportFlowError("Choose the account this statement is for.", code="account")
    if batch.state == State.PREVIEW and batch.error_count and not skip_errors:
        raise ImportFlowError(
            row_errors_message(batch.format, batch.error_count, batch.errors or []),
            code="row_errors",
        )
    clean = {k: v for k, v in (decisions or {}).items() if v in DECISIONS}
    batch.meta["decisions"] = clean
    batch.meta["default_decision"] = (
        default_decision if default_decision in DECISIONS else DEFAULT_DECISION
    )
    batch.meta["skip_errors"] = bool(skip_errors)
    if _runs_in_background(batch, background):
        batch.meta["stage"] = "committing"
        batch.state = State.PROCESSING
        batch.progress_done = 0
        batch.save()
        _queue(batch)
        return None
    batch.save()
    return _commit(batch, collect=collect)


class _Progress:
    """Reports rows done. Inside the commit's transaction on PostgreSQL it writes through a
    second connection, so the page polling the status sees it before the commit ends."""

    def __init__(self, batch: ImportBatch, *, every: float = 0.5) -> None:
        self.batch_id = batch.pk
        self.every = every
        self.last = 0.0
        self.side = None
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            self.side = connections.create_connection("default")

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            return  # each write is a commit of its own: keep them rare
        self.last = now
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET progress_done = %s WHERE id = %s",
                    [done, self.batch_id],
                )
        else:
            ImportBatch.objects.filter(pk=self.batch_id).update(progress_done=done)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _after_import(batch: ImportBatch) -> None:
    """What follows a committed import: cached dashboards refresh; in the background, rows
    the rules left uncategorized go through the learned classifier (and the LLM), real
    transactions are matched to expected recurring bills, and budget alerts are checked."""
    months = Transaction.objects.filter(import_batch=batch).dates("date", "month")
    ledger_touched(user_id=batch.user_id, dates=list(months))
    user_id, batch_id = batch.user_id, batch.pk
    # A chain, so the bills and budget alerts see the categories just given.
    transaction.on_commit(
        lambda: async_chain(
            [
                ("insights.tasks.classify_import", (user_id, batch_id)),
                ("budgets.tasks.after_new_transactions", (user_id,), {"batch_id": batch_id}),
            ]
        )
    )


def _commit(
    batch: ImportBatch, *, collect: bool = False, report_progress: bool = False
) -> RunResult:
    decisions = batch.meta.get("decisions") or {}
    skip_errors = bool(batch.meta.get("skip_errors"))
    progress = None
    try:
        with transaction.atomic():
            # The stored file's row is the commit lock: a second commit (a re-delivered
            # task, a double click) waits here, then finds the file gone. The batch row is
            # left unlocked until the end so progress can be written beside the transaction.
            upload = ImportFile.objects.select_for_update().filter(batch_id=batch.pk).first()
            current = ImportBatch.objects.get(pk=batch.pk)
            if upload is None or current.state == State.COMMITTED:
                raise ImportFlowError("This file has already been imported.", code="state")
            progress = _Progress(current) if report_progress else None
            result = run_rows(
                current,
                write=True,
                decisions=decisions,
                default_decision=batch.meta.get("default_decision", DEFAULT_DECISION),
                skip_errors=skip_errors,
                collect=collect,
                progress=progress,
            )
            now = timezone.now()
            current.state = State.COMMITTED
            current.committed_at = now
            current.added = result.added
            current.updated = result.linked
            current.skipped = result.duplicates + result.skipped_possible + result.errors
            current.possible_duplicates = result.possible_duplicates
            current.error_count = result.errors
            current.errors = result.error_rows
            current.progress_done = current.progress_total = result.total
            current.meta.pop("stage", None)
            current.meta["links"] = result.links
            current.meta["result"] = {
                "total": result.total,
                "added": result.added,
                "duplicates": result.duplicates,
                "possible_duplicates": result.possible_duplicates,
                "skipped_possible": result.skipped_possible,
                "linked": result.linked,
                "errors": result.errors,
            }
            current.save()
            name, storage = upload.file.name, upload.file.storage
            upload.delete()
            transaction.on_commit(lambda: storage.delete(name))
            _after_import(current)
    except (ImportFileError, ImportFlowError) as exc:
        if getattr(exc, "code", "") != "state":
            _fail(batch, str(exc))
        raise
    except DatabaseError as exc:
        logger.warning("import %s rolled back: %s", batch.pk, exc)
        detail = str(exc).splitlines()[0] if str(exc) else ""
        if "transaction_unique_fingerprint" in detail or "transaction_unique_external_id" in detail:
            # Another import of the same rows committed first (a double click, two tabs).
            message = (
                "The import stopped and nothing was saved: the same rows were imported at "
                "the same moment by another request. Check the import history."
            )
        else:
            message = (
                "The import stopped and nothing was saved: the database refused a row "
                f"({detail[:200]})."
            )
        _fail(batch, message)
        raise ImportFlowError(message, code="database") from exc
    finally:
        if progress is not None:
            progress.close()
    batch.refresh_from_db()
    return result


# --- undo / discard -----------------------------------------------------------------------


def edited_transactions(batch: ImportBatch):
    """The batch's transactions the user changed after the import (a queryset)."""
    if batch.committed_at is None:
        return Transaction.objects.none()
    return (
        Transaction.objects.for_user(batch.user)
        .filter(import_batch=batch)
        .filter(Q(updated_at__gt=batch.committed_at) | Q(version__gt=1))
    )


def edited_since_import(batch: ImportBatch) -> int:
    """How many of the batch's transactions the user changed after the import."""
    return edited_transactions(batch).count()


# The sync's cursor has moved past its rows: the bank never sends them again.
BANK_SYNC_NO_UNDO = (
    "A bank sync cannot be undone: the bank will not send these transactions again, so they "
    "would be gone for good. Delete the ones you do not want from the transaction list."
)


def import_undo(*, batch: ImportBatch, confirm_edited: bool = False) -> int:
    """Remove the batch's transactions (and un-link rows it linked). Asks first (raises
    ImportFlowError code "edited") when some were edited since the import."""
    if batch.source == ImportBatch.Source.BANK:
        raise ImportFlowError(BANK_SYNC_NO_UNDO, code="bank")
    if batch.state != State.COMMITTED:
        raise ImportFlowError("Only a finished import can be undone.", code="state")
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != State.COMMITTED:
            raise ImportFlowError("Only a finished import can be undone.", code="state")
        edited = edited_since_import(locked)
        if edited and not confirm_edited:
            raise ImportFlowError(
                f"You changed {edited} of these transactions after importing them. Undoing "
                "removes them with your changes; confirm to go on.",
                code="edited",
            )
        ids = list(
            Transaction.objects.for_user(locked.user)
            .filter(import_batch=locked)
            .values_list("pk", flat=True)
        )
        removed = 0
        for start in range(0, len(ids), 5000):
            removed += transactions_bulk_delete(user=locked.user, ids=ids[start : start + 5000])
        _unlink(locked)
        locked.state = State.UNDONE
        locked.undone_at = timezone.now()
        locked.removed = removed
        locked.save()
    batch.refresh_from_db()
    return removed


def _unlink(batch: ImportBatch) -> None:
    links = batch.meta.get("links") or []
    if not links:
        return
    existing = Transaction.objects.for_user(batch.user).in_bulk([link["id"] for link in links])
    restored = []
    for link in links:
        txn = existing.get(link["id"])
        if txn is None:
            continue
        txn.fingerprint = link["fingerprint"]
        txn.external_id = link["external_id"]
        restored.append(txn)
    Transaction.objects.bulk_update(restored, ["fingerprint", "external_id"])


def import_discard(*, batch: ImportBatch, forget: bool = False) -> None:
    """Drop an import that was not committed, and its stored file. ``forget`` deletes the
    batch record too (a script's dry run or failed run leaves no trace)."""
    if forget:
        upload = ImportFile.objects.filter(batch=batch).first()
        if upload is not None:
            upload.file.storage.delete(upload.file.name)
        ImportBatch.objects.filter(pk=batch.pk, committed_at__isnull=True).delete()
        return
    if batch.state in (State.COMMITTED, State.UNDONE, State.DISCARDED):
        raise ImportFlowError("Only an import that was not committed can be discarded.")
    if batch.state == State.PROCESSING and batch.meta.get("stage") == "committing":
        raise ImportFlowError("This import is being saved right now; wait for it to finish.")
    with transaction.atomic():
        _delete_upload(batch)
        batch.state = State.DISCARDED
        batch.meta.pop("stage", None)
        batch.save()


def _delete_upload(batch: ImportBatch) -> None:
    upload = ImportFile.objects.filter(batch=batch).first()
    if upload is None:
        return
    name, storage = upload.file.name, upload.file.storage
    upload.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- background -----------------------------------------------------------------------------


def import_process(*, batch_id: int) -> None:
    """The worker's entry: finish the analysis or the commit the page queued. Idempotent:
    a batch no longer in PROCESSING is left alone."""
    batch = ImportBatch.objects.filter(pk=batch_id, state=State.PROCESSING).first()
    if batch is None:
        return
    stage = batch.meta.get("stage")
    progress = _Progress(batch)
    try:
        if stage == "analysing":
            try:
                result = run_rows(batch, write=False, progress=progress)
            except (ImportFileError, ImportFlowError) as exc:
                _fail(batch, str(exc))
                return
            batch.refresh_from_db()
            batch.meta["summary"] = result.summary()
            batch.meta.pop("stage", None)
            batch.state = State.PREVIEW
            batch.possible_duplicates = result.possible_duplicates
            batch.error_count = result.errors
            batch.errors = result.error_rows
            batch.progress_done = batch.progress_total = result.total
            batch.save()
        elif stage == "committing":
            try:
                _commit(batch, report_progress=True)
            except ImportFlowError:
                return
    finally:
        progress.close()


def import_rows_preview(
    *, batch: ImportBatch, mapping: CsvMapping, limit: int = 15
) -> list[ParsedRow | RowError]:
    """The first rows of a CSV as they would be saved with this mapping (no writes)."""
    layout = CsvLayout.from_dict(batch.meta["layout"])
    stream = open_upload(batch)
    try:
        return list(itertools.islice(guarded_iter(csv_rows(stream, layout, mapping)), limit))
    finally:
        stream.close()
