"""Bank sync: connect an item, map its accounts, and apply provider changes to the ledger.

A sync run pages through the provider from the stored cursor until has_more is false, and
applies every page plus the new cursor in ONE database transaction. On PostgreSQL it holds a
row lock on the item for the whole run, so only one sync of an item runs at a time, whatever
the number of workers; on SQLite (one machine) a run reads the bank first and applies only if
no other run moved the cursor meanwhile. A failed run changes nothing and keeps the cursor.
"""

import datetime
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone
from django.utils.connection import ConnectionProxy

from banking.connections import BankAccount, BankItem
from banking.crypto import DecryptionError
from banking.provider_categories import category_name_for, stored_hint
from banking.providers import get_provider
from banking.providers.base import (
    ItemLoginRequired,
    MutationDuringPagination,
    ProviderAccount,
    ProviderError,
    ProviderTransaction,
)
from banking.services.pipeline import insert_transactions
from ledger.changes import ledger_touched
from ledger.models import Account, Category, ImportBatch, Transaction

log = logging.getLogger("billfold.banking.sync")

MAX_RESTARTS = 3
MAX_RETRIES = 3
CHUNK = 2000


@dataclass
class SyncResult:
    item: int
    added: int = 0
    modified: int = 0
    removed: int = 0
    cursor_saved: bool = False
    batch: int | None = None
    error: str = ""
    new_transaction_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "item": self.item,
            "added": self.added,
            "modified": self.modified,
            "removed": self.removed,
            "cursor_saved": self.cursor_saved,
            "batch": self.batch,
            "error": self.error,
        }


@dataclass
class _Collected:
    added: list[ProviderTransaction] = field(default_factory=list)
    modified: list[ProviderTransaction] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    cursor: str = ""
    started_from: str = ""  # the stored cursor this run read from


# --- progress (read by the Connections page without a reload) ------------------------------


# Progress is written by the worker and read by the web server: the "shared" cache (a proxy,
# like django.core.cache.cache, so it follows the CACHES setting if that changes).
cache = ConnectionProxy(caches, "shared")


def progress_key(item_id: int) -> str:
    return f"bank-sync-progress:{item_id}"


def progress_get(item_id: int) -> dict:
    return cache.get(progress_key(item_id)) or {"state": "idle"}


def _progress(item_id: int, **values) -> None:
    cache.set(progress_key(item_id), {"updated": timezone.now().isoformat(), **values}, 3600)


# --- the access token ----------------------------------------------------------------------

UNREADABLE_TOKEN = (
    "Billfold cannot decrypt this bank's access token: FIELD_ENCRYPTION_KEYS (or SECRET_KEY, "
    "when no keys are set) changed since the bank was connected. The operator can put the old "
    "key back in FIELD_ENCRYPTION_KEYS, after the newest one, and run "
    "manage.py rotate_encryption_keys; otherwise remove this connection and connect the bank "
    "again."
)


def bank_item_access_token(*, item: BankItem) -> str:
    """The item's plain access token. A provider whose token is no secret (the demo bank)
    makes one that no configured key opens again, and it is stored re-encrypted; any other
    raises DecryptionError with what the operator can do."""
    try:
        return item.access_token
    except DecryptionError:
        token = get_provider(item.provider).recover_access_token(item_id=item.item_id)
        if token is None:
            raise DecryptionError(UNREADABLE_TOKEN) from None
    item.access_token = token
    BankItem.objects.filter(pk=item.pk).update(access_token_encrypted=item.access_token_encrypted)
    log.warning("bank item %s: access token re-made with the current key", item.pk)
    return token


# --- connecting ----------------------------------------------------------------------------


def bank_item_connect(*, user, provider_name: str, public_token: str) -> BankItem:
    """Exchange the token from the connect flow and record the item and its bank accounts.

    The provider is asked first and the answers written after, in one short transaction
    (on SQLite a transaction holds the whole database's write lock)."""
    provider = get_provider(provider_name)
    link = provider.link_finish(public_token=public_token)
    accounts = provider.accounts(access_token=link.access_token)
    with transaction.atomic():
        item, _ = BankItem.objects.get_or_create(
            provider=provider_name,
            item_id=link.item_id,
            defaults={"user": user, "access_token_encrypted": ""},
        )
        if item.user_id != user.pk:
            raise ProviderError("This bank connection belongs to another user.")
        item.access_token = link.access_token
        item.institution_id = link.institution_id
        item.institution_name = link.institution_name or provider.label
        item.status = BankItem.Status.OK
        item.save()
        _accounts_record(item, accounts)
    return item


def bank_accounts_refresh(*, item: BankItem) -> list[BankAccount]:
    """Fetch the item's accounts from the provider and record any new ones (unmapped)."""
    token = bank_item_access_token(item=item)
    accounts = get_provider(item.provider).accounts(access_token=token)
    with transaction.atomic():
        return _accounts_record(item, accounts)


def _accounts_record(item: BankItem, accounts: list[ProviderAccount]) -> list[BankAccount]:
    rows = []
    for acc in accounts:
        row, _ = BankAccount.objects.update_or_create(
            item=item,
            provider_account_id=acc.id,
            defaults={
                "name": acc.name[:200],
                "mask": acc.mask[:8],
                "type": acc.type,
                "currency": (acc.currency or "USD")[:3],
            },
        )
        rows.append(row)
    item.new_accounts_available = False
    item.save(update_fields=["new_accounts_available"])
    return rows


@transaction.atomic
def bank_accounts_map(*, user, item: BankItem, mapping: dict[int, str | int | None]) -> None:
    """Link each bank account to a ledger account: "new", an account id, or None (skip)."""
    links = {ba.pk: ba for ba in item.accounts.all()}
    for bank_account_id, target in mapping.items():
        ba = links.get(int(bank_account_id))
        if ba is None:
            raise ProviderError("That bank account is not part of this connection.")
        if target in (None, "", "skip"):
            account = None
        elif target == "new":
            account = Account.objects.create(
                user=user,
                name=ba.name[:100],
                type=ba.type,
                currency=ba.currency,
                institution=item.institution_name[:100],
            )
        else:
            account = Account.objects.for_user(user).get(pk=int(target))
        if account is not None:
            account.provider = item.provider
            account.provider_account_id = f"{item.item_id}:{ba.provider_account_id}"
            account.mask = ba.mask
            if not account.institution:
                account.institution = item.institution_name[:100]
            account.save()
        ba.account = account
        ba.save(update_fields=["account"])


def bank_item_remove(*, user, item: BankItem, delete_transactions: bool) -> int:
    """Disconnect at the provider, then forget the item; optionally delete its transactions."""
    provider = get_provider(item.provider)
    try:
        provider.remove(access_token=bank_item_access_token(item=item))
    except ProviderError as exc:
        # The user asked to disconnect: a provider that already forgot the item is fine.
        log.warning("bank item %s: remove at provider failed: %s", item.pk, exc)
    except DecryptionError:
        # Without the token the provider cannot be told; the user's side goes anyway.
        log.warning(
            "bank item %s (%s %s): removed here only; its access token cannot be decrypted, "
            "so it stays at the provider",
            item.pk,
            item.provider,
            item.item_id,
        )
    with transaction.atomic():
        accounts = [ba.account for ba in item.accounts.select_related("account") if ba.account]
        deleted = 0
        if delete_transactions:
            deleted, _ = (
                Transaction.objects.for_user(user)
                .filter(account__in=accounts, source="bank")
                .delete()
            )
        for account in accounts:
            account.provider = ""
            account.provider_account_id = None
            account.save(update_fields=["provider", "provider_account_id"])
        item.delete()
    return deleted


# --- syncing ------------------------------------------------------------------------------


def bank_item_sync_queue(*, item: BankItem, reason: str = "sync") -> None:
    """Queue a background sync of the item after commit; the page shows it as queued."""
    from django_q.tasks import async_task

    _progress(item.pk, state="queued")
    item_id = item.pk
    transaction.on_commit(
        lambda: async_task("banking.tasks.bank_sync_item", item_id, task_name=f"{reason} {item_id}")
    )


def bank_item_sync(*, item_id: int) -> SyncResult:
    """Run one sync of one item; never raises for provider trouble (the result says it)."""
    result = SyncResult(item=item_id)
    _progress(item_id, state="running", pages=0, fetched=0)
    try:
        if connection.features.has_select_for_update:
            # PostgreSQL: the item's row lock makes a second run wait, then read the cursor
            # this one saved; other items and the rest of the database stay free.
            with transaction.atomic():
                item = BankItem.objects.select_for_update().get(pk=item_id)
                _check_mapped(item)
                collected = _fetch_all(get_provider(item.provider), item)
                _commit_run(item, collected, result)
        else:
            # SQLite: a transaction holds the write lock of the whole database (IMMEDIATE),
            # so the bank is read outside one; the run is applied only if no other run moved
            # the cursor in between (that run already applied these changes).
            item = BankItem.objects.get(pk=item_id)
            _check_mapped(item)
            collected = _fetch_all(get_provider(item.provider), item)
            with transaction.atomic():
                item = BankItem.objects.get(pk=item_id)
                if item.cursor == collected.started_from:
                    _commit_run(item, collected, result)
                else:
                    log.info("bank item %s was synced by another run meanwhile", item_id)
    except BankItem.DoesNotExist:
        result.error = "This bank connection no longer exists."
    except _NotMapped:
        result.error = "Choose where this bank's accounts go first; then it syncs."
    except ItemLoginRequired as exc:
        result.error = str(exc)
        before = BankItem.objects.filter(pk=item_id).first()
        BankItem.objects.filter(pk=item_id).update(
            status=BankItem.Status.LOGIN_REQUIRED,
            status_message=str(exc)[:500],
            last_attempt_at=timezone.now(),
        )
        if before is not None and before.status != BankItem.Status.LOGIN_REQUIRED:
            _tell_user(before, "needs you to sign in again", RECONNECT_HINT)
    except DecryptionError as exc:
        result.error = str(exc)
        BankItem.objects.filter(pk=item_id).update(
            status=BankItem.Status.ERROR,
            status_message=str(exc)[:500],
            last_attempt_at=timezone.now(),
        )
    except ProviderError as exc:
        result.error = str(exc)
        BankItem.objects.filter(pk=item_id).update(
            status_message=f"The last sync failed: {exc}"[:500],
            last_attempt_at=timezone.now(),
            **({} if exc.retryable else {"status": BankItem.Status.ERROR}),
        )
    except Exception:
        # Not the bank's doing (a database error, a bug): the task fails loudly and is
        # recorded by the worker, but the page must not show "Syncing" for an hour.
        _progress(item_id, state="failed", message="The sync stopped on an unexpected error.")
        log.exception("bank sync item=%s stopped on an unexpected error", item_id)
        raise
    state = "failed" if result.error else "done"
    _progress(item_id, state=state, message=result.error, **result.as_dict())
    log.info(
        "bank sync item=%s added=%s modified=%s removed=%s cursor_saved=%s error=%s",
        item_id,
        result.added,
        result.modified,
        result.removed,
        result.cursor_saved,
        result.error or "-",
        extra={"sync": result.as_dict()},
    )
    return result


class _NotMapped(Exception):
    """No bank account of the item goes to a ledger account yet."""


RECONNECT_HINT = "Open Connections and use Reconnect; syncing is paused until then."


def _tell_user(item: BankItem, what: str, body: str) -> None:
    """A notification (the bell) about a connection that needs the user.

    Notifications belong to the budgets app; looked up by name so banking does not import it.
    """
    from django.apps import apps
    from django.urls import reverse

    if not apps.is_installed("budgets"):
        return
    notification = apps.get_model("budgets", "Notification")
    notification.objects.create(
        user_id=item.user_id,
        kind="bank",
        title=f"{item.institution_name or item.provider.title()} {what}"[:200],
        body=body,
        url=reverse("banking:connections"),
    )


def _check_mapped(item: BankItem) -> None:
    if not item.accounts.filter(account__isnull=False).exists():
        # Reading now would move the cursor past everything the bank holds while none of
        # it has anywhere to go: wait until the user picks the accounts.
        raise _NotMapped


def _commit_run(item: BankItem, collected: "_Collected", result: SyncResult) -> None:
    """Apply the run's pages and save the new cursor (inside the caller's transaction)."""
    _apply(item, collected, result)
    if collected.cursor:  # "" means the provider is not ready yet: keep ours
        item.cursor = collected.cursor
        result.cursor_saved = True
    item.status = BankItem.Status.OK
    item.status_message = ""
    item.last_synced_at = item.last_attempt_at = timezone.now()
    item.last_added, item.last_modified, item.last_removed = (
        result.added,
        result.modified,
        result.removed,
    )
    item.save()
    if result.new_transaction_ids:
        ids, user_id = list(result.new_transaction_ids), item.user_id
        transaction.on_commit(lambda: _queue_classification(user_id, ids))


def _queue_classification(user_id: int, ids: list[int]) -> None:
    """New rows go through categorization, recurring-bill matching and budget alerts."""
    from django_q.tasks import async_chain

    # A chain, so the bills and budget alerts see the categories just given.
    async_chain(
        [
            ("insights.tasks.classify_batch", (user_id, ids)),
            ("budgets.tasks.after_new_transactions", (user_id, ids)),
        ]
    )


def _call_with_retries(fn):
    backoff = settings.BANK_SYNC_BACKOFF_SECONDS
    for attempt in range(MAX_RETRIES + 1):
        try:
            return fn()
        except MutationDuringPagination:
            raise
        except ProviderError as exc:
            if not exc.retryable or attempt == MAX_RETRIES:
                raise
            time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")


def _fetch_all(provider, item: BankItem) -> _Collected:
    token = bank_item_access_token(item=item)
    for _restart in range(MAX_RESTARTS + 1):
        collected = _Collected(cursor=item.cursor, started_from=item.cursor)
        pages = 0
        try:
            while True:
                cursor = collected.cursor
                page = _call_with_retries(
                    lambda cursor=cursor: provider.sync(access_token=token, cursor=cursor)
                )
                collected.added.extend(page.added)
                collected.modified.extend(page.modified)
                collected.removed.extend(page.removed)
                collected.cursor = page.next_cursor
                pages += 1
                _progress(
                    item.pk,
                    state="running",
                    pages=pages,
                    fetched=len(collected.added) + len(collected.modified),
                )
                if not page.has_more:
                    return collected
        except MutationDuringPagination:
            log.info("bank item %s changed during pagination; restarting the run", item.pk)
            continue
    raise ProviderError(
        "The bank kept changing while we read it; try again in a minute.", retryable=True
    )


def _apply(item: BankItem, collected: _Collected, result: SyncResult) -> None:
    links = {
        ba.provider_account_id: ba.account
        for ba in item.accounts.select_related("account")
        if ba.account_id
    }
    account_ids = [a.pk for a in links.values()]
    if not account_ids:
        return
    wanted = {t.id for t in collected.added} | {t.id for t in collected.modified}
    wanted |= {t.pending_transaction_id for t in collected.added if t.pending_transaction_id}
    wanted |= set(collected.removed)
    existing: dict[str, Transaction] = {}
    wanted_list = list(wanted)
    for start in range(0, len(wanted_list), CHUNK):
        for row in Transaction.objects.filter(
            account_id__in=account_ids, external_id__in=wanted_list[start : start + CHUNK]
        ):
            existing[row.external_id] = row

    categories = {c.name: c for c in Category.objects.for_user(item.user_id).active()}
    batch = ImportBatch.objects.create(
        user_id=item.user_id,
        source=ImportBatch.Source.BANK,
        state=ImportBatch.State.COMMITTED,
        file_name=item.institution_name,
        format=item.provider,
        committed_at=timezone.now(),
        meta={"bank_item": item.pk},
    )
    result.batch = batch.pk
    now = timezone.now()
    new_rows: list[Transaction] = []
    changed: dict[int, Transaction] = {}

    for t in collected.added:
        account = links.get(t.account_id)
        if account is None:
            continue
        row = existing.get(t.id)
        twin = existing.get(t.pending_transaction_id) if t.pending_transaction_id else None
        if row is None and twin is not None:
            # The posted transaction replaces its pending twin in place: no duplicate.
            row = twin
            existing.pop(t.pending_transaction_id, None)
            row.external_id = t.id
            existing[t.id] = row
        if row is not None:
            # Also when the row is new in this very run (its pending twin came pages ago).
            _update_from(row, t, now)
            if row.pk is not None:
                changed[row.pk] = row
            continue
        row = Transaction(
            user_id=item.user_id,
            account=account,
            date=t.date,
            amount=t.amount,
            payee=t.payee,
            description=t.description,
            status="pending" if t.pending else "cleared",
            source="bank",
            external_id=t.id,
            provider_category=stored_hint(primary=t.category_primary, detailed=t.category_hint),
            import_batch=batch,
            created_at=now,  # set here: PostgreSQL's COPY skips auto_now
            updated_at=now,
        )
        category = categories.get(category_name_for(t.category_hint) or "")
        if category is not None:
            row.category = category
            row.categorized_by = "provider"
            row.confidence = 0.5
        existing[t.id] = row
        new_rows.append(row)

    for t in collected.modified:
        row = existing.get(t.id)
        if row is None:
            continue  # never seen, or in an account the user does not import
        _update_from(row, t, now)
        if row.pk is not None:
            changed[row.pk] = row

    # Added in one page and removed in a later one of the same run: never written.
    dropped = {id(existing[r]) for r in collected.removed if r in existing and not existing[r].pk}
    if dropped:
        new_rows = [row for row in new_rows if id(row) not in dropped]
    insert_transactions(new_rows)  # COPY on PostgreSQL, as statement imports do
    if changed:
        Transaction.objects.bulk_update(
            list(changed.values()),
            [
                "date",
                "amount",
                "payee",
                "description",
                "status",
                "external_id",
                "provider_category",
                "version",
                "updated_at",
            ],
            batch_size=1000,
        )
    removed_ids = [r for r in collected.removed if r in existing and existing[r].pk]
    removed = 0
    for start in range(0, len(removed_ids), CHUNK):
        removed += (
            Transaction.objects.filter(
                account_id__in=account_ids, external_id__in=removed_ids[start : start + CHUNK]
            )
            .delete()[1]
            .get("ledger.Transaction", 0)
        )

    ledger_touched(
        user_id=item.user_id,
        dates=[r.date for r in new_rows]
        + [r.date for r in changed.values()]
        + [existing[r].date for r in removed_ids],
    )
    result.added = len(new_rows)
    result.modified = len(changed)
    result.removed = removed
    result.new_transaction_ids = (
        list(Transaction.objects.filter(import_batch=batch).values_list("pk", flat=True))
        if new_rows
        else []
    )
    batch.added, batch.updated, batch.removed = result.added, result.modified, result.removed
    batch.save(update_fields=["added", "updated", "removed"])


def _update_from(row: Transaction, t: ProviderTransaction, now: datetime.datetime) -> None:
    """Take the bank's new facts; never a hand-set category or the user's notes."""
    row.date = t.date
    row.amount = t.amount
    row.description = t.description
    if row.categorized_by not in ("manual", "rule"):
        row.payee = t.payee
    row.status = "pending" if t.pending else "cleared"
    row.external_id = t.id
    row.provider_category = stored_hint(primary=t.category_primary, detailed=t.category_hint)
    if row.pk is not None:
        row.version += 1
        row.updated_at = now


# --- webhooks -----------------------------------------------------------------------------


def plaid_webhook_handle(*, payload: dict) -> str:
    """Act on a verified Plaid webhook; returns what was done (for the response and tests)."""
    kind, code = payload.get("webhook_type"), payload.get("webhook_code")
    item_id = payload.get("item_id")
    item = (
        BankItem.objects.filter(provider="plaid", item_id=item_id).first()
        if isinstance(item_id, str)
        else None
    )
    if item is None:
        return "unknown item"
    if kind == "TRANSACTIONS" and code == "SYNC_UPDATES_AVAILABLE":
        bank_item_sync_queue(item=item, reason="webhook sync")
        return "sync queued"
    if kind == "ITEM":
        error = payload.get("error")
        error = error if isinstance(error, dict) else {}
        error_code = str(error.get("error_code") or "")
        updates: dict = {}
        # What the user is told (the bell), once per change: (title after the bank's name, body)
        news: tuple[str, str] | None = None
        if code == "ERROR" and error_code == "ITEM_LOGIN_REQUIRED":
            updates = {
                "status": BankItem.Status.LOGIN_REQUIRED,
                "status_message": "The bank needs you to sign in again: use Reconnect.",
            }
            news = ("needs you to sign in again", RECONNECT_HINT)
        elif code == "ERROR":
            message = str(error.get("display_message") or error.get("error_message") or "")
            updates = {
                "status": BankItem.Status.ERROR,
                "status_message": f"The bank reported {error_code or 'an error'}. {message}"[
                    :500
                ].strip(),
            }
            news = ("reported an error", "Open Connections to see it; syncing is paused.")
        elif code == "LOGIN_REPAIRED":
            updates = {"status": BankItem.Status.OK, "status_message": ""}
        elif code in ("PENDING_EXPIRATION", "PENDING_DISCONNECT"):
            updates = {
                "status": BankItem.Status.PENDING_EXPIRATION,
                "status_message": "Your consent for this bank expires soon: use Reconnect.",
            }
            news = ("will disconnect soon", "Use Reconnect on the Connections page to renew it.")
            expires = payload.get("consent_expiration_time")
            if expires:
                try:
                    updates["consent_expires_at"] = datetime.datetime.fromisoformat(
                        str(expires).replace("Z", "+00:00")
                    )
                except ValueError:
                    log.warning("plaid webhook: unreadable consent_expiration_time %r", expires)
        elif code == "NEW_ACCOUNTS_AVAILABLE":
            updates = {"new_accounts_available": True}
            news = (
                "has new accounts",
                "Use Reconnect on the Connections page to share them, then choose where they go.",
            )
        elif code == "USER_PERMISSION_REVOKED":
            updates = {
                "status": BankItem.Status.REVOKED,
                "status_message": "Access was revoked at the bank.",
            }
            news = ("revoked Billfold's access", "Reconnect it, or remove the connection.")
        if updates:
            is_new = any(getattr(item, field) != value for field, value in updates.items())
            BankItem.objects.filter(pk=item.pk).update(**updates)
            if news and is_new:
                _tell_user(item, *news)
            return f"item {code.lower()}"
    return "ignored"
