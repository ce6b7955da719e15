"""Recurring items: create, edit, stop; post due occurrences on schedule; match imported
transactions to the occurrence they were expected as; link an item's past payments; track a
detected subscription."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction as db_transaction
from django.db.models import Q

from accounts.models import User
from budgets.detection import Series, payees_similar
from budgets.models import Frequency, OccurrenceStatus, RecurringItem, RecurringOccurrence
from budgets.periods import occurrence_dates
from budgets.selectors import expected_between
from ledger.filters import add_months, user_today
from ledger.models import Account, Category, Source, Transaction
from ledger.services.transactions import transaction_create, transaction_delete
from ledger.services.validation import FieldErrors, clean_amount, clean_date

MATCH_DAYS = 4  # a real transaction may arrive this many days before or after its date
FIXED_TOLERANCE = Decimal("0.01")  # 1% (bank rounding, a cent of FX)
APPROXIMATE_TOLERANCE = Decimal("0.20")
INTERVAL_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 30, "quarterly": 91, "yearly": 365}
MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}

FIELDS = {
    "payee",
    "amount",
    "is_approximate",
    "account",
    "category",
    "frequency",
    "day_of_month",
    "last_day",
    "start_date",
    "end_date",
    "auto_post",
}


def _clean(user: User, fields: dict[str, Any], instance: RecurringItem | None) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    get = lambda name: fields[name] if name in fields else getattr(instance, name, None)  # noqa: E731
    account = get("account")
    if not isinstance(account, Account) or account.user_id != user.pk:
        errors.add("account", "Choose one of your accounts.")
        account = None
    cleaned["account"] = account
    category = get("category")
    if category is not None and (not isinstance(category, Category) or category.user_id != user.pk):
        errors.add("category", "Choose one of your categories.")
    cleaned["category"] = category
    payee = (get("payee") or "").strip()
    if not payee:
        errors.add("payee", "Enter who you pay (or who pays you).")
    cleaned["payee"] = payee[:200]
    amount = clean_amount(errors, get("amount"), account.currency if account else "USD")
    if amount is not None and amount == 0:
        errors.add("amount", "Enter an amount other than zero.")
    cleaned["amount"] = amount
    frequency = get("frequency") or Frequency.MONTHLY
    if frequency not in Frequency.values:
        errors.add("frequency", "Choose how often it repeats.")
    cleaned["frequency"] = frequency
    day = get("day_of_month")
    if day in ("", None):
        day = None
    else:
        try:
            day = int(day)
        except (TypeError, ValueError):
            day = 0
        if not 1 <= day <= 31:
            errors.add(
                "day_of_month",
                "Enter a day from 1 to 31 (31 falls on the last day of shorter months).",
            )
    cleaned["day_of_month"] = day
    cleaned["last_day"] = bool(get("last_day"))
    start = clean_date(errors, get("start_date"), "start_date") if get("start_date") else None
    if start is None and "start_date" not in errors.errors:
        errors.add("start_date", "Enter the first date.")
    end = clean_date(errors, get("end_date"), "end_date") if get("end_date") else None
    if start and end and end < start:
        errors.add("end_date", "The end date must be on or after the start date.")
    cleaned["start_date"], cleaned["end_date"] = start, end
    cleaned["is_approximate"] = bool(get("is_approximate"))
    cleaned["auto_post"] = bool(get("auto_post"))
    errors.raise_if_any()
    return cleaned


@db_transaction.atomic
def recurring_create(
    *,
    user: User,
    payee: str,
    amount: Decimal | str,
    account: Account,
    start_date: datetime.date | str,
    frequency: str = Frequency.MONTHLY,
    category: Category | None = None,
    day_of_month: int | None = None,
    last_day: bool = False,
    end_date: datetime.date | str | None = None,
    is_approximate: bool = False,
    auto_post: bool = False,
) -> RecurringItem:
    """A recurring bill (negative amount) or income. Auto-posting starts today: dates before
    the item was made are only expected, never posted."""
    cleaned = _clean(user, {k: v for k, v in locals().items() if k in FIELDS}, None)
    return RecurringItem.objects.create(user=user, post_from=user_today(user)[0], **cleaned)


@db_transaction.atomic
def recurring_update(*, user: User, item: RecurringItem, **fields: Any) -> RecurringItem:
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    cleaned = _clean(user, fields, item)
    schedule = ("frequency", "day_of_month", "last_day", "start_date")
    moved = any(cleaned[name] != getattr(item, name) for name in schedule)
    for key, value in cleaned.items():
        setattr(item, key, value)
    if moved:
        # The bill moved (the 15th to the 20th, say): a date of the new schedule close to
        # one already posted or seen is that same bill, not another one to post.
        last = item.occurrences.order_by("-date").values_list("date", flat=True).first()
        if last is not None:
            gap = datetime.timedelta(days=INTERVAL_DAYS[item.frequency] // 2 + 1)
            item.post_from = max(item.post_from, last + gap)
    item.save()
    return item


@db_transaction.atomic
def recurring_stop(*, user: User, item: RecurringItem, active: bool = False) -> RecurringItem:
    if item.user_id != user.pk:
        raise RecurringItem.DoesNotExist
    item.is_active = active
    if active:
        item.post_from = max(item.post_from, user_today(user)[0])  # no catch-up for the pause
    item.save(update_fields=["is_active", "post_from"])
    return item


# --- Posting ----------------------------------------------------------------------------------


@dataclass
class PostResult:
    posted: int = 0
    users: set[int] | None = None


def _post_one(item: RecurringItem, day: datetime.date) -> bool:
    """Post one date unless someone (another worker) already did; True when posted here."""
    with db_transaction.atomic():
        occurrence, created = RecurringOccurrence.objects.get_or_create(
            item=item, date=day, defaults={"status": OccurrenceStatus.POSTED}
        )
        if not created:
            return False
        occurrence.transaction = transaction_create(
            user=item.user,
            account=item.account,
            date=day,
            amount=item.amount,
            payee=item.payee,
            category=item.category,
            source=Source.RECURRING,
            description="Recurring",
        )
        occurrence.save(update_fields=["transaction"])
    return True


def recurring_post_due(
    *, today: datetime.date | None = None, user: User | None = None
) -> PostResult:
    """Post every due, unposted date of every active auto-posting item, back to the day it
    was made: a run missed during downtime is caught up. Safe to run twice at once."""
    items = RecurringItem.objects.filter(is_active=True, auto_post=True).select_related(
        "account", "category", "user__profile"
    )
    if user is not None:
        items = items.filter(user=user)
    result = PostResult(users=set())
    for item in items.iterator(chunk_size=200):
        day = today or user_today(item.user)[0]
        if item.post_from > day:
            continue
        done = set(
            RecurringOccurrence.objects.filter(item=item, date__gte=item.post_from).values_list(
                "date", flat=True
            )
        )
        for due in occurrence_dates(
            frequency=item.frequency,
            start_date=item.start_date,
            end_date=item.end_date,
            day_of_month=item.day_of_month,
            last_day=item.last_day,
            since=item.post_from,
            until=day,
        ):
            if due not in done and _post_one(item, due):
                result.posted += 1
                result.users.add(item.user_id)
    if result.users:
        from budgets.services.alerts import queue_budget_alerts

        for user_id in sorted(result.users):
            queue_budget_alerts(user_id=user_id)
    return result


# --- Matching real transactions -----------------------------------------------------------------


def amount_close(item: RecurringItem, amount: Decimal) -> bool:
    if (item.amount < 0) != (amount < 0):
        return False
    tolerance = APPROXIMATE_TOLERANCE if item.is_approximate else FIXED_TOLERANCE
    return abs(abs(amount) - abs(item.amount)) <= max(abs(item.amount) * tolerance, Decimal("0.01"))


@db_transaction.atomic
def recurring_match(
    *, user: User, transactions: Iterable[Transaction]
) -> list[RecurringOccurrence]:
    """Link each real transaction (imported, synced or typed) to the expected occurrence it
    is: same account, amount within tolerance, date within a few days, similar payee. A
    transaction the schedule had already posted for that date is replaced by the real one.
    Returns the occurrences matched. Call it after an import or sync with the new rows."""
    rows = [
        t
        for t in transactions
        if t.user_id == user.pk and t.transfer_id is None and t.source != Source.RECURRING
    ]
    if not rows:
        return []
    items = list(RecurringItem.objects.for_user(user).active().select_related("account"))
    if not items:
        return []
    low = min(t.date for t in rows) - datetime.timedelta(days=MATCH_DAYS)
    high = max(t.date for t in rows) + datetime.timedelta(days=MATCH_DAYS)
    expected = expected_between(user=user, since=low, until=high, items=items)
    already = set(
        RecurringOccurrence.objects.filter(
            item__user=user, transaction__in=[t.pk for t in rows], status=OccurrenceStatus.SEEN
        ).values_list("transaction_id", flat=True)
    )
    taken: set[tuple[int, datetime.date]] = set()
    matched: list[RecurringOccurrence] = []
    for txn in sorted(rows, key=lambda t: (t.date, t.pk)):
        if txn.pk in already:
            continue
        candidates = [
            e
            for e in expected
            if e.item.account_id == txn.account_id
            and abs((e.date - txn.date).days) <= MATCH_DAYS
            and (e.item.pk, e.date) not in taken
            and not (e.occurrence and e.occurrence.status == OccurrenceStatus.SEEN)
            and amount_close(e.item, txn.amount)
            and payees_similar(e.item.payee, txn.payee or txn.description)
        ]
        if not candidates:
            continue
        best = min(candidates, key=lambda e: (abs((e.date - txn.date).days), e.item.pk))
        taken.add((best.item.pk, best.date))
        occurrence, _ = RecurringOccurrence.objects.select_for_update().get_or_create(
            item=best.item, date=best.date, defaults={"status": OccurrenceStatus.SEEN}
        )
        placeholder = occurrence.transaction
        occurrence.status = OccurrenceStatus.SEEN
        occurrence.transaction = txn
        occurrence.save(update_fields=["status", "transaction"])
        if (
            placeholder is not None
            and placeholder.pk != txn.pk
            and placeholder.source == Source.RECURRING
        ):
            transaction_delete(user=user, transaction=placeholder)
        matched.append(occurrence)
    return matched


# --- Past payments ------------------------------------------------------------------------------


@db_transaction.atomic
def recurring_link_past(
    *,
    user: User,
    item: RecurringItem,
    only: Iterable[int] | None = None,
    today: datetime.date | None = None,
) -> list[RecurringOccurrence]:
    """Record the item's past dates (from its start up to today) as seen, each with the real
    payment already in the ledger for it, so its history and the budgets' forecasts count
    them from the start. A date takes the nearest payment within a few days from the same
    account, in the same direction, to a similar payee, that no occurrence holds yet; the
    amount is not compared (an old price differs). `only` narrows the payments to these ids
    (a detected series'). Dates already recorded are left alone; returns the new ones."""
    if item.user_id != user.pk:
        raise RecurringItem.DoesNotExist
    # One linker per item at a time (two would link the same payment twice).
    RecurringItem.objects.select_for_update().filter(pk=item.pk).first()
    today = today or user_today(user)[0]
    dates = list(
        occurrence_dates(
            frequency=item.frequency,
            start_date=item.start_date,
            end_date=item.end_date,
            day_of_month=item.day_of_month,
            last_day=item.last_day,
            since=item.start_date,
            until=today,
        )
    )
    if not dates:
        return []
    window = datetime.timedelta(days=MATCH_DAYS)
    payments = (
        Transaction.objects.for_user(user)
        .filter(account=item.account, transfer__isnull=True)
        .filter(date__gte=dates[0] - window, date__lte=min(today, dates[-1] + window))
        .filter(Q(amount__lt=0) if item.amount < 0 else Q(amount__gt=0))
        .exclude(source=Source.RECURRING)
        .exclude(
            pk__in=RecurringOccurrence.objects.filter(
                item__user=user, transaction_id__isnull=False
            ).values("transaction_id")
        )
        .only("id", "date", "payee", "description")
        .order_by("date", "id")
    )
    if only is not None:
        payments = payments.filter(pk__in=list(only))
    candidates = [t for t in payments if payees_similar(item.payee, t.payee or t.description)]
    recorded = set(item.occurrences.values_list("date", flat=True))
    used: set[int] = set()
    created = []
    for day in dates:
        if day in recorded:
            continue
        near = [
            t for t in candidates if t.pk not in used and abs((t.date - day).days) <= MATCH_DAYS
        ]
        if not near:
            continue
        best = min(near, key=lambda t: (abs((t.date - day).days), t.date, t.pk))
        used.add(best.pk)
        created.append(
            RecurringOccurrence(item=item, date=day, status=OccurrenceStatus.SEEN, transaction=best)
        )
    return RecurringOccurrence.objects.bulk_create(created)


# --- Subscriptions ------------------------------------------------------------------------------


def _series_start(series: Series) -> datetime.date:
    """The date of the series' schedule nearest its first payment, counted back from the
    next date (so the dates to come are the detected ones)."""
    if series.frequency in MONTHS:
        step = MONTHS[series.frequency]
        first, upcoming = series.first_date, series.next_date
        months = (upcoming.year - first.year) * 12 + upcoming.month - first.month
        return add_months(upcoming, -step * round(months / step))
    step = INTERVAL_DAYS[series.frequency]
    days = (series.next_date - series.first_date).days
    return series.next_date - datetime.timedelta(days=step * round(days / step))


@db_transaction.atomic
def subscription_track(*, user: User, series: Series) -> RecurringItem:
    """Track a detected series as a recurring item that is expected (not posted), with the
    series' past payments linked to its past dates: its history and the budgets' forecasts
    are right from the first day. Nothing past is posted."""
    account = Account.objects.for_user(user).get(pk=series.account_id)
    category = (
        Category.objects.for_user(user).filter(pk=series.category_id).first()
        if series.category_id
        else None
    )
    item = recurring_create(
        user=user,
        payee=series.payee,
        amount=series.amount,
        account=account,
        category=category,
        frequency=series.frequency,
        start_date=_series_start(series),
        day_of_month=series.next_date.day if series.frequency in ("monthly", "quarterly") else None,
        is_approximate=not series.fixed,
        auto_post=False,
    )
    recurring_link_past(user=user, item=item, only=[pk for pk, _ in series.payments])
    return item
