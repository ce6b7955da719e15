"""Budget alerts and in-app notifications.

Each threshold of each budget alerts once per period: the BudgetAlert row is unique per
(budget, period start, threshold), so however many times the check runs (after every
import, sync or edit, and by the periodic sweep), the user hears about it once.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from budgets.models import BudgetAlert, Notification
from budgets.periods import Calendar
from budgets.selectors import BudgetStatus, budget_statuses
from budgets.services.budgets import budget_settings_get
from ledger.money import format_money


def _crossed(status: BudgetStatus, threshold: int) -> bool:
    if status.spent <= 0:
        return False
    return status.spent * 100 >= status.available * threshold


def _message(status: BudgetStatus, threshold: int) -> tuple[str, str]:
    money = lambda value: format_money(value, status.currency)  # noqa: E731
    name = status.budget.name
    start, last = status.start, status.last_day
    when = f"{start.day} {start:%b} – {last.day} {last:%b %Y}"
    if status.spent > status.available:
        title = f"{name}: over budget"
        body = (
            f"You have spent {money(status.spent)} of {money(status.available)} "
            f"({when}): {money(-status.remaining)} over."
        )
    else:
        title = f"{name}: {threshold}% of the budget spent"
        body = (
            f"You have spent {money(status.spent)} of {money(status.available)} "
            f"({when}): {money(status.remaining)} left."
        )
    return title, body


def budget_alerts_check(*, user: User, cal: Calendar | None = None) -> list[Notification]:
    """Alert on every threshold that the current period's spending has newly crossed (the
    period holding `cal.today`: the demo replays earlier months with it)."""
    preferences = budget_settings_get(user=user)
    thresholds = sorted(preferences.thresholds)
    created: list[Notification] = []
    for status in budget_statuses(user=user, cal=cal):
        crossed = [t for t in thresholds if _crossed(status, t)]
        if not crossed:
            continue
        # The alert rows and their notification commit together: a failure in between
        # cannot leave a threshold marked as alerted that the user never heard about.
        with db_transaction.atomic():
            fresh = []
            for threshold in crossed:
                try:
                    with db_transaction.atomic():
                        BudgetAlert.objects.create(
                            budget=status.budget, period_start=status.start, threshold=threshold
                        )
                except IntegrityError:  # alerted already this period (or by a parallel run)
                    continue
                fresh.append(threshold)
            if not fresh:
                continue
            # Several thresholds crossed at once (one big purchase): one notification.
            title, body = _message(status, max(fresh))
            created.append(
                Notification.objects.create(
                    user=user,
                    kind="budget",
                    title=title,
                    body=body,
                    url=reverse("budgets:budget-detail", args=[status.budget.pk]),
                )
            )
    if created and preferences.email_alerts and user.email:
        lines = [f"{n.title}\n{n.body}\n" for n in created]
        db_transaction.on_commit(
            lambda: send_mail(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Budget alert",
                message="\n".join(lines),
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )
        )
    return created


def queue_budget_alerts(*, user_id: int) -> None:
    """Queue the alert check to run after the current database transaction commits."""
    from django_q.tasks import async_task

    db_transaction.on_commit(
        lambda: async_task(
            "budgets.tasks.budget_alerts_check", user_id, task_name=f"budget-alerts-{user_id}"
        )
    )


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())
