"""The demo user's budgets, recurring bills and budget alerts (`manage.py seed_demo`).

Everything goes through the budgets services, so the demo holds what a person would have
after setting them up a few months ago: monthly budgets, their bills tracked from the past
payments, and the notifications the real alert check raises on the real data. Idempotent:
each part is added only when the user has none of it, so running it again, or on a demo
database made before it existed, adds what is missing and duplicates nothing.
"""

import dataclasses
import datetime
from decimal import Decimal

from django.db import transaction as db_transaction
from django.db.models import Max

from accounts.models import User
from budgets.detection import subscriptions_detect
from budgets.models import Budget, Notification, Period, RecurringItem
from budgets.periods import Calendar, user_calendar
from budgets.services.alerts import budget_alerts_check, notification_mark_read
from budgets.services.budgets import budget_create
from budgets.services.recurring import recurring_create, recurring_link_past, subscription_track
from ledger.models import Category, Transaction

# (expense category, or None for all spending; period; limit; rollover)
BUDGETS: list[tuple[str | None, str, str, bool]] = [
    ("Groceries", Period.MONTH, "900", False),
    ("Food & Dining", Period.MONTH, "375", False),  # eating out less: usually tight
    ("Coffee", Period.WEEK, "12", False),  # its own weekly allowance, within Food & Dining
    ("Transport", Period.MONTH, "275", False),
    ("Entertainment", Period.MONTH, "90", False),
    ("Shopping", Period.MONTH, "250", True),  # what is left saves up for a bigger buy
    ("Housing", Period.MONTH, "1750", False),
    (None, Period.MONTH, "4300", False),
]
# The budgets were set up half a year ago.
BUDGET_PERIODS = {Period.MONTH: 6, Period.WEEK: 26}
# Found in the history but left untracked, so the "subscriptions found" list shows one.
UNTRACKED = {"metro monthly pass"}
# Bills the detection cannot offer (income, amounts that vary with the season), tracked by
# hand: (payee, frequency, day of the month, approximate, posted by itself).
BILLS: list[tuple[str, str, int, bool, bool]] = [
    ("Acme Corp payroll", "monthly", 1, False, True),
    ("Acme Corp payroll", "monthly", 15, False, True),
    ("City Power & Light", "monthly", 5, True, False),
    ("City Water", "quarterly", 20, True, False),
]
ALERT_MONTHS = 1  # earlier pay months whose alerts are replayed (and read since)


@dataclasses.dataclass
class Added:
    budgets: int = 0
    recurring: int = 0
    notifications: int = 0


@db_transaction.atomic
def demo_budgets_top_up(*, user: User) -> Added:
    """Give the demo user budgets, recurring bills and their alerts, each part only when
    they have none of it yet."""
    cal = user_calendar(user)
    added = Added()
    if not RecurringItem.objects.for_user(user).exists():
        added.recurring = _recurring(user, cal)
    if not Budget.objects.for_user(user).exists():
        added.budgets = _budgets(user, cal)
        added.notifications = _alerts(user, cal)
    return added


def _budgets(user: User, cal: Calendar) -> int:
    categories: dict[str, Category] = {}
    for category in Category.objects.for_user(user).filter(kind="expense", is_archived=False):
        if category.parent_id is None or category.name not in categories:
            categories[category.name] = category
    count = 0
    for name, period, limit, rollover in BUDGETS:
        if name is not None and name not in categories:  # renamed or deleted meanwhile
            continue
        budget_create(
            user=user,
            category=categories[name] if name else None,
            period=period,
            amount=limit,
            rollover=rollover,
            start_date=cal.step(period, cal.period(period)[0], -BUDGET_PERIODS[period]),
        )
        count += 1
    return count


def _recurring(user: User, cal: Calendar) -> int:
    # A demo made some days ago ends then: detect as of its last day, not today.
    last = Transaction.objects.for_user(user).aggregate(last=Max("date"))["last"] or cal.today
    as_of = min(cal.today, last)
    count = 0
    for series in subscriptions_detect(user=user, today=as_of):
        if series.key not in UNTRACKED:
            subscription_track(user=user, series=series)
            count += 1
    for payee, frequency, day, approximate, auto_post in BILLS:
        payments = list(
            Transaction.objects.for_user(user)
            .filter(payee=payee, date__day=day, transfer__isnull=True, date__lte=as_of)
            .select_related("account", "category")
            .order_by("date", "id")
        )
        if not payments:
            continue
        latest = payments[-3:]
        amount = sum((t.amount for t in latest), Decimal(0)) / len(latest)
        item = recurring_create(
            user=user,
            payee=payee,
            amount=amount.quantize(Decimal("0.01")) if approximate else payments[-1].amount,
            account=payments[-1].account,
            category=payments[-1].category,
            frequency=frequency,
            day_of_month=day,
            start_date=payments[0].date,
            is_approximate=approximate,
            auto_post=auto_post,
        )
        recurring_link_past(user=user, item=item, only=[t.pk for t in payments])
        count += 1
    return count


def _alerts(user: User, cal: Calendar) -> int:
    """Run the real alert check at the end of the last pay months (those notifications are
    dated then, and read since), then today (unread)."""
    current = cal.period(Period.MONTH)[0]
    tz = user.profile.tzinfo
    count = 0
    for back in range(ALERT_MONTHS, 0, -1):
        start = cal.step(Period.MONTH, current, -back)
        last_day = cal.step(Period.MONTH, start, 1) - datetime.timedelta(days=1)
        created = budget_alerts_check(user=user, cal=dataclasses.replace(cal, today=last_day))
        when = datetime.datetime.combine(last_day, datetime.time(20), tzinfo=tz)
        Notification.objects.filter(pk__in=[n.pk for n in created]).update(created_at=when)
        for notification in created:
            notification_mark_read(user=user, notification=notification)
        count += len(created)
    return count + len(budget_alerts_check(user=user, cal=cal))
