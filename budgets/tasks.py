"""Background tasks of the budgets app. They take ids, call a service, and are idempotent.

Other apps queue the alert check after imports, syncs and edits:
    transaction.on_commit(lambda: async_task("budgets.tasks.budget_alerts_check", user.pk))
"""

import datetime

from accounts.models import User


def budget_alerts_check(user_id: int) -> int:
    """Notify the user of budget thresholds newly crossed; returns how many notifications."""
    from budgets.services.alerts import budget_alerts_check as check

    user = User.objects.filter(pk=user_id, is_active=True).select_related("profile").first()
    if user is None:
        return 0
    return len(check(user=user))


def budget_alerts_sweep() -> int:
    """The safety net: check every user with an active budget (daily schedule)."""
    from budgets.models import Budget

    total = 0
    ids = Budget.objects.filter(is_archived=False).values_list("user_id", flat=True).distinct()
    for user_id in sorted(set(ids)):
        total += budget_alerts_check(user_id)
    return total


def recurring_post_due(today: str | None = None) -> int:
    """Post every due occurrence of every auto-posting recurring item (daily schedule);
    catches up on dates missed while nothing ran. Returns the number posted."""
    from budgets.services.recurring import recurring_post_due as post

    day = datetime.date.fromisoformat(today) if today else None
    return post(today=day).posted


def after_new_transactions(
    user_id: int, transaction_ids: list[int] | None = None, batch_id: int | None = None
) -> dict:
    """After an import or a bank sync: match real transactions to expected recurring bills,
    then check the budget thresholds. Give the new rows' ids, or the import batch."""
    from budgets.services.recurring import recurring_match
    from ledger.models import Transaction

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return {}
    rows = Transaction.objects.filter(user=user)
    if batch_id is not None:
        rows = rows.filter(import_batch_id=batch_id)
    else:
        rows = rows.filter(pk__in=transaction_ids or [])
    matched = recurring_match(user=user, transactions=list(rows.select_related("account")))
    return {"matched": len(matched), "alerts": budget_alerts_check(user_id)}
