"""Background work of the banking app (django-q2). Tasks take ids and are idempotent."""

import datetime

from django.utils import timezone

from banking.services.imports import ImportFlowError, import_discard
from banking.services.imports import import_process as _import_process
from ledger.models import ImportBatch

UNCONFIRMED = (ImportBatch.State.PENDING, ImportBatch.State.PREVIEW, ImportBatch.State.FAILED)


def import_process(batch_id: int) -> None:
    """Finish the analysis or the commit of a large statement import."""
    _import_process(batch_id=batch_id)


def imports_discard_stale(days: int = 7) -> int:
    """Discard uploads left unconfirmed for ``days`` (and delete their stored files).
    Meant for a daily schedule; returns how many were discarded."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    count = 0
    for batch in ImportBatch.objects.filter(created_at__lt=cutoff, state__in=UNCONFIRMED):
        try:
            import_discard(batch=batch)
        except ImportFlowError:
            continue
        count += 1
    return count


def bank_sync_item(item_id: int) -> dict:
    """Sync one bank connection (queued by the sync buttons, the API and webhooks)."""
    from banking.services.sync import bank_item_sync

    return bank_item_sync(item_id=item_id).as_dict()


def bank_sync_due() -> int:
    """Queue a sync for every healthy item not tried in the last BANK_SYNC_INTERVAL_HOURS."""
    from django.conf import settings
    from django.db.models import Q
    from django_q.tasks import async_task

    from banking.connections import BankItem

    cutoff = timezone.now() - datetime.timedelta(hours=settings.BANK_SYNC_INTERVAL_HOURS)
    due = (
        BankItem.objects.filter(status__in=["ok", "pending_expiration"])
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=cutoff))
        # Not before the user has chosen where at least one of its accounts goes.
        .filter(accounts__account__isnull=False)
        .distinct()
    )
    count = 0
    for pk in due.values_list("pk", flat=True):
        async_task("banking.tasks.bank_sync_item", pk, task_name=f"scheduled sync {pk}")
        count += 1
    return count
