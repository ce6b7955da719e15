"""Background work of the insights app (django-q2). Tasks take ids and are idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_q.tasks import async_task

from insights.categorize import categorize_transactions
from insights.llm import BATCH_SIZE, llm_categorize, llm_enabled


def classify_batch(user_id: int, transaction_ids: list[int]) -> dict:
    """Categorize new transactions (queued after imports, syncs and manual entry).

    Rules and the learned classifier run here; what is left goes to the LLM when one is
    configured: one task per request of up to 50, so a slow server (timeout x retries)
    never pushes a task past the worker's time limit.
    """
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return {}
    result = categorize_transactions(user=user, transaction_ids=transaction_ids)
    if result.left and llm_enabled():
        for start in range(0, len(result.left), BATCH_SIZE):
            batch = result.left[start : start + BATCH_SIZE]
            async_task("insights.tasks.classify_with_llm", user_id, batch)
    return {"rule": result.by_rule, "learned": result.by_learned, "left": len(result.left)}


def classifier_train(user_id: int) -> int:
    """Train the user's learned classifier if their history changed (queued by requests that
    found no stored model: they never train themselves). Returns the model's version."""
    from insights.classifier import classifier_for_user

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return 0
    classifier_for_user(user=user)
    return user.classifier_state.version


def classify_with_llm(user_id: int, transaction_ids: list[int]) -> dict:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not llm_enabled():
        return {}
    outcome = llm_categorize(user=user, transaction_ids=transaction_ids)
    return {
        "requests": outcome.requests,
        "categorized": outcome.categorized,
        "failed": outcome.failed,
        "batch_size": BATCH_SIZE,
    }


def summary_generate(user_id: int, month: str) -> str:
    """Write the AI summary of one pay month (queued on request or when a month closes)."""
    import datetime

    from insights.summary import summary_generate as generate

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return "no user"
    return generate(user=user, month=datetime.date.fromisoformat(month)).status


def summaries_for_closed_months() -> int:
    """Daily: queue the summary of every user's last closed month that has none yet."""
    from insights.summary import summaries_due

    if not llm_enabled():
        return 0
    due = summaries_due()
    for user_id, month in due:
        async_task("insights.tasks.summary_generate", user_id, month.isoformat())
    return len(due)


def classify_import(user_id: int, batch_id: int) -> dict:
    """After an import: what the rules left uncategorized goes through the pipeline."""
    from ledger.models import Transaction

    ids = list(
        Transaction.objects.filter(
            user_id=user_id, import_batch_id=batch_id, category__isnull=True, transfer__isnull=True
        ).values_list("id", flat=True)
    )
    return classify_batch(user_id, ids) if ids else {}
