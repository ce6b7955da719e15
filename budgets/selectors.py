"""Reads that aggregate: budget status (spent, remaining, health, pace, forecast), budget
history, and the recurring bills expected in a date range.

The cost of `budget_statuses` is a fixed number of queries (budgets, one grouped
aggregate of the current periods' spending for every budget at once, recurring items and
their occurrences), whatever the number of budgets or the size of the user's history.
Rollover budgets need their spending since their first period, and the forecast the series
of payments the history shows (rent, subscriptions) and what the last complete periods
usually came to: one more query each, whose results are cached until the user's ledger
changes.
"""

import datetime
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.urls import reverse

from budgets.detection import Detected, Series, is_tracked, series_detect
from budgets.models import DEFAULT_THRESHOLDS, Budget, RecurringItem, RecurringOccurrence
from budgets.periods import MONTH, WEEK, Calendar, occurrence_dates, user_calendar
from ledger import changes
from ledger.models import Source, Transaction
from ledger.models.accounts import MONEY
from ledger.money import quantize

ZERO = Decimal("0")
UNCATEGORIZED = None
# Key of the spending index: (currency, category id or None for uncategorized).
Key = tuple[str, int | None]


@dataclass
class Spending:
    """Net spending per (currency, category) per day; positive is money spent.

    Refunds into an expense category reduce it; uncategorized money out counts as spending
    (money in does not); income categories and transfers never count.
    """

    days: dict[Key, dict[datetime.date, Decimal]] = field(default_factory=dict)
    # The part of `days` that was a recurring bill (posted by the schedule, matched to one, or
    # a payment of a series the history shows): it happens once, not at a daily pace.
    bills: dict[Key, dict[datetime.date, Decimal]] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    # The first day with any transaction (income too): where the user's ledger begins.
    first_day: datetime.date | None = None
    # Per key: its sorted days and running totals, built on the first `total` (read-only
    # afterwards). A rollover budget reads years of days; each total is then two bisects.
    _running: dict[bool, dict[Key, tuple[list[datetime.date], list[Decimal]]]] = field(
        default_factory=dict, repr=False
    )

    def _running_totals(
        self, bills_only: bool
    ) -> dict[Key, tuple[list[datetime.date], list[Decimal]]]:
        if bills_only not in self._running:
            built = {}
            for key, days in (self.bills if bills_only else self.days).items():
                dates = sorted(days)
                totals = [ZERO]
                for day in dates:
                    totals.append(totals[-1] + days[day])
                built[key] = (dates, totals)
            self._running[bills_only] = built
        return self._running[bills_only]

    def total(
        self,
        *,
        currency: str,
        category_id: int | None,
        start: datetime.date,
        end: datetime.date,
        bills_only: bool = False,
    ) -> Decimal:
        """Spent in [start, end) in a category and its sub-categories (None: all spending)."""
        total = ZERO
        for (code, key), (dates, totals) in self._running_totals(bills_only).items():
            if code != currency:
                continue
            if category_id is not None and category_id not in (key, self.parents.get(key)):
                continue
            total += totals[bisect_left(dates, end)] - totals[bisect_left(dates, start)]
        return total


def _money(expression) -> Sum:
    return Sum(expression, output_field=DecimalField(**MONEY))


def _part(split_field: str, whole_field: str, output) -> Case:
    """A split part's own value when the row is split, the transaction's otherwise."""
    return Case(
        When(splits__id__isnull=False, then=F(f"splits__{split_field}")),
        default=F(whole_field),
        output_field=output,
    )


def spending_build(
    *,
    user_id: int,
    since: datetime.date,
    until: datetime.date,
    bills: bool = True,
    also_bills: Iterable[int] = (),
) -> Spending:
    """One grouped query over [since, until): split parts count in their own category; the
    category's kind and parent come along, so no other query is needed. `bills=False` leaves
    out which spending was a recurring bill (a cheaper query, for totals of past periods);
    `also_bills` are ids of more transactions to count as bills (a detected series')."""
    # A recurring bill: posted by the schedule, or a real transaction matched to one. An
    # IN over the user's matched ids is hashed once; a correlated EXISTS per row cost 2-3x.
    bill = Q(source=Source.RECURRING) | Q(
        pk__in=RecurringOccurrence.objects.filter(
            item__user_id=user_id, transaction_id__isnull=False
        ).values("transaction_id")
    )
    also_bills = sorted(set(also_bills))
    if also_bills:
        bill |= Q(pk__in=also_bills)
    rows = (
        Transaction.objects.filter(
            user_id=user_id, date__gte=since, date__lt=until, transfer__isnull=True
        )
        .order_by()
        .annotate(
            part_amount=_part("amount", "amount", DecimalField(**MONEY)),
            part_category=_part("category_id", "category_id", IntegerField()),
            part_parent=_part("category__parent_id", "category__parent_id", IntegerField()),
            part_kind=_part("category__kind", "category__kind", CharField()),
            is_bill=bill if bills else Value(False),
        )
        .values_list(
            "account__currency", "part_category", "part_parent", "part_kind", "is_bill", "date"
        )
        .annotate(
            net=_money(F("part_amount")),
            neg=_money(Case(When(part_amount__lt=0, then=F("part_amount")), default=None)),
        )
    )
    spending = Spending()
    for currency, category_id, parent_id, kind, is_bill, day, net, neg in rows:
        if spending.first_day is None or day < spending.first_day:
            spending.first_day = day
        if kind == "expense":
            spent = -(net or ZERO)
            spending.parents[category_id] = parent_id
        elif kind is None:  # uncategorized: only money out counts
            spent = -(neg or ZERO)
            category_id = UNCATEGORIZED
        else:
            continue
        if spent:
            for index in (spending.days, spending.bills) if is_bill else (spending.days,):
                bucket = index.setdefault((currency, category_id), defaultdict(lambda: ZERO))
                bucket[day] += spent
    return spending


@dataclass
class Expected:
    """One date a recurring item is expected on, and whether it has been posted or seen."""

    item: RecurringItem
    date: datetime.date
    occurrence: RecurringOccurrence | None = None

    @property
    def seen(self) -> bool:
        return self.occurrence is not None and self.occurrence.status != "skipped"

    @property
    def amount(self) -> Decimal:
        return self.item.amount

    @property
    def currency(self) -> str:
        return self.item.account.currency


def expected_between(
    *, user, since: datetime.date, until: datetime.date, items: list[RecurringItem] | None = None
) -> list[Expected]:
    """Every expected date of the user's active recurring items in [since, until] (two
    queries), each with the occurrence row recorded for it, if any."""
    if items is None:
        items = list(
            RecurringItem.objects.for_user(user).active().select_related("account", "category")
        )
    if not items:
        return []
    occurrences = {
        (o.item_id, o.date): o
        for o in RecurringOccurrence.objects.filter(
            item__in=[i.pk for i in items], date__gte=since, date__lte=until
        )
    }
    result = []
    for item in items:
        for day in occurrence_dates(
            frequency=item.frequency,
            start_date=item.start_date,
            end_date=item.end_date,
            day_of_month=item.day_of_month,
            last_day=item.last_day,
            since=since,
            until=until,
        ):
            result.append(Expected(item=item, date=day, occurrence=occurrences.get((item.pk, day))))
    result.sort(key=lambda e: (e.date, e.item.payee.lower(), e.item.pk))
    return result


# --- Budget status ----------------------------------------------------------------------------

# Complete periods before the current one whose spending the forecast learns from: about
# three months of either kind. Three weeks would be too few: coffee twice a week, or not,
# swings a week's total by half.
HISTORY_PERIODS = {MONTH: 3, WEEK: 13}
# Without that history the forecast is the pace so far alone: a few days' spending is too
# little to call a budget at risk before this share of the period has passed, unless what
# is spent already reaches the first alert threshold.
EARLY_SHARE = Decimal("0.2")
EARLY_PERCENT = DEFAULT_THRESHOLDS[0]


@dataclass
class BudgetStatus:
    budget: Budget
    start: datetime.date
    end: datetime.date  # exclusive
    today: datetime.date
    spent: Decimal
    carry: Decimal = ZERO  # rolled over from earlier periods (negative when overspent)
    # Bills still expected before the period ends: tracked recurring items, and series the
    # history shows that no item tracks yet.
    upcoming: Decimal = ZERO
    bills_spent: Decimal = ZERO  # the part of `spent` that was recurring bills
    # What the spending other than bills usually comes to in a period of this length, from
    # the last complete periods (None: the ledger does not go back far enough).
    usual: Decimal | None = None
    history_periods: int = 0  # how many periods `usual` is the average of

    @property
    def limit(self) -> Decimal:
        return self.budget.amount

    @property
    def currency(self) -> str:
        return self.budget.currency

    @property
    def available(self) -> Decimal:
        return self.budget.amount + self.carry

    @property
    def remaining(self) -> Decimal:
        return self.available - self.spent

    @property
    def overspent(self) -> Decimal:
        return max(ZERO, self.spent - self.available)

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def percent(self) -> int:
        """Spent as a whole percentage of what is available (999 when nothing is)."""
        if self.available <= 0:
            return 0 if self.spent <= 0 else 999
        value = (self.spent / self.available * 100).quantize(Decimal("1"), ROUND_HALF_UP)
        return max(0, min(999, int(value)))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def days_elapsed(self) -> int:
        """Days of the period gone, today included (0 before it starts)."""
        return max(0, min(self.days, (self.today - self.start).days + 1))

    @property
    def days_left(self) -> int:
        return self.days - self.days_elapsed

    @property
    def pace_percent(self) -> int:
        """Where spending would be by the end of today at an even pace, in percent."""
        return round(self.days_elapsed * 100 / self.days) if self.days else 100

    @property
    def pace_amount(self) -> Decimal:
        return (self.available * self.days_elapsed / self.days).quantize(Decimal("0.01"))

    @property
    def share_passed(self) -> Decimal:
        """How far through the period today is: 0 on its first day, 1 on its last."""
        if self.days <= 1:
            return Decimal(1)
        return Decimal(min(max(self.days_elapsed - 1, 0), self.days - 1)) / (self.days - 1)

    @property
    def forecast(self) -> Decimal:
        """Spending by the end of the period: the bills paid and still due (tracked, or due
        next in a series the history shows: they come once, not daily), plus the rest of the
        spending at the pace so far, blended with what it usually comes to.

        The pace weighs by how much of the period has passed: on its first day one coffee
        says little and the usual amount decides; by its last day the pace alone does. The
        usual amount never forecasts less than is spent already."""
        if not self.days_elapsed:
            return self.spent + self.upcoming
        variable = max(self.spent - self.bills_spent, ZERO)
        expected = variable / self.days_elapsed * self.days
        if self.usual is not None:
            weight = self.share_passed
            expected = weight * expected + (1 - weight) * max(self.usual, variable)
        return (self.spent - variable + expected + self.upcoming).quantize(Decimal("0.01"))

    @property
    def health(self) -> str:
        """ "over" (spent more than available), "at-risk" (the forecast passes what is
        available, or all of it is spent), or "on-track".

        Without history, a forecast that passes the limit on the pace alone is not trusted
        before a fifth of the period has passed, unless what is spent already reaches the
        first alert threshold, or passes the limit with the bills still due."""
        if self.spent > self.available:
            return "over"
        if self.spent == self.available and self.spent > 0:
            return "at-risk"
        if self.forecast <= self.available:
            return "on-track"
        too_early = (
            self.usual is None
            and self.share_passed < EARLY_SHARE
            and self.spent + self.upcoming <= self.available
            and self.spent * 100 < self.available * EARLY_PERCENT
        )
        return "on-track" if too_early else "at-risk"

    @property
    def health_label(self) -> str:
        return {"over": "Over", "at-risk": "At risk", "on-track": "On track"}[self.health]

    @property
    def badge(self) -> str:
        return {"over": "bad", "at-risk": "warn", "on-track": "ok"}[self.health]

    @property
    def bar_step(self) -> int:
        """The bar's fill in steps of 5 (0..100), for CSS classes: no inline styles."""
        return min(100, 5 * round(self.percent / 5))

    @property
    def pace_step(self) -> int:
        return min(100, 5 * round(self.pace_percent / 5))

    @property
    def transaction_query(self) -> dict[str, str]:
        """The transaction filter (ledger.filters) of this period's spending in the budget."""
        query = {"date_from": self.start.isoformat(), "date_to": self.last_day.isoformat()}
        if self.budget.category_id:
            query["category"] = str(self.budget.category_id)
        else:
            query["kind"] = "expense"
        return query

    @property
    def transactions_url(self) -> str:
        return f"{reverse('ledger:transaction-list')}?{urlencode(self.transaction_query)}"


def _in_budget(item: RecurringItem, budget: Budget) -> bool:
    if budget.category_id is None:
        return True
    if item.category_id is None:
        return False
    return budget.category_id in (item.category_id, item.category.parent_id)


def _series_in_budget(series: Series, parents: dict[int, int | None], budget: Budget) -> bool:
    if budget.category_id is None:
        return True
    if series.category_id is None:
        return False
    return budget.category_id in (series.category_id, parents.get(series.category_id))


def _series_dates(
    series: Series, since: datetime.date, until: datetime.date
) -> list[datetime.date]:
    """The dates in [since, until] that a series not tracked yet is due on, from its next."""
    monthly = series.frequency in ("monthly", "quarterly")
    return list(
        occurrence_dates(
            frequency=series.frequency,
            start_date=series.next_date,
            day_of_month=series.next_date.day if monthly else None,
            since=since,
            until=until,
        )
    )


def _carry_start(budget: Budget, cal: Calendar, current: datetime.date) -> datetime.date:
    first, _ = cal.period(budget.period, budget.start_date)
    return min(first, current)


CARRY_CACHE_SECONDS = 60 * 60 * 24


def _spent_before(
    *, user, cal: Calendar, budgets: list[Budget], current: dict[int, tuple]
) -> dict[int, Decimal]:
    """What each rollover budget's spending came to from its first period up to the current
    one. Years of history cost one grouped query, so the sums are cached until the user's
    ledger changes (the change stamp is in the key); a warm page reads no history at all."""
    bounds = {b.pk: (_carry_start(b, cal, current[b.pk][0]), current[b.pk][0]) for b in budgets}
    result = {b.pk: ZERO for b in budgets if bounds[b.pk][0] >= bounds[b.pk][1]}
    wanted = [b for b in budgets if b.pk not in result]
    if not wanted:
        return result
    stamp = changes.user_stamp(user_id=user.pk)
    keys = {
        b.pk: f"budgets:spent-before:v1:{b.pk}:{b.category_id}:{b.currency}:"
        f"{bounds[b.pk][0]}:{bounds[b.pk][1]}:{stamp}"
        for b in wanted
    }
    found = cache.get_many(list(keys.values()))
    missing = [b for b in wanted if keys[b.pk] not in found]
    result.update({b.pk: Decimal(found[keys[b.pk]]) for b in wanted if keys[b.pk] in found})
    if missing:
        history = spending_build(
            user_id=user.pk,
            since=min(bounds[b.pk][0] for b in missing),
            until=max(bounds[b.pk][1] for b in missing),
            bills=False,
        )
        fresh = {}
        for b in missing:
            first, start = bounds[b.pk]
            result[b.pk] = history.total(
                currency=b.currency, category_id=b.category_id, start=first, end=start
            )
            fresh[keys[b.pk]] = str(result[b.pk])
        cache.set_many(fresh, CARRY_CACHE_SECONDS)
    return result


@dataclass
class PaceHistory:
    """Spending other than bills (recurring ones, and payments of series the history shows)
    per (currency, category) over the last complete periods of one kind, and how many of
    their days the user's ledger covers."""

    days: int
    periods: int
    totals: dict[Key, Decimal]
    parents: dict[int, int | None]

    def usual(self, *, currency: str, category_id: int | None, days: int) -> Decimal | None:
        """What `days` days of a budget's spending usually come to (None: less than a
        period's worth of history)."""
        if not self.periods:
            return None
        total = sum(
            (
                value
                for (code, key), value in self.totals.items()
                if code == currency
                and (category_id is None or category_id in (key, self.parents.get(key)))
            ),
            ZERO,
        )
        return total / self.days * days


def _pace_histories(*, user, cal: Calendar, detected: Detected) -> dict[str, PaceHistory]:
    """The last complete weeks and pay months (HISTORY_PERIODS), in one grouped query
    cached per user and period until their ledger changes (the change stamp is in the key).

    History starts where the user's ledger does: someone who began three weeks ago has
    three weeks of it, not three months with two of them empty."""
    windows = {}
    for kind in (WEEK, MONTH):
        current, _ = cal.period(kind)
        windows[kind] = (cal.step(kind, current, -HISTORY_PERIODS[kind]), current)
    stamp = changes.user_stamp(user_id=user.pk)
    key = (
        f"budgets:pace-history:v1:{user.pk}:"
        + ":".join(f"{start}:{end}" for start, end in windows.values())
        + f":{stamp}"
    )
    found = cache.get(key)
    if found is not None:
        return found
    since = min(start for start, _ in windows.values())
    until = max(end for _, end in windows.values())
    spending = spending_build(
        user_id=user.pk,
        since=since,
        until=until,
        also_bills=(pk for s in detected.series for pk, day in s.payments if since <= day < until),
    )
    first_day = min((d for d in (detected.first_day, spending.first_day) if d), default=None)
    histories = {}
    for kind, (start, end) in windows.items():
        covered = (end - max(start, first_day)).days if first_day else 0
        if covered < (7 if kind == WEEK else 28):  # not one whole period yet
            histories[kind] = PaceHistory(days=0, periods=0, totals={}, parents={})
            continue
        totals: dict[Key, Decimal] = {}
        for index, days in spending.days.items():
            bills = spending.bills.get(index, {})
            total = sum(
                (value - bills.get(day, ZERO) for day, value in days.items() if start <= day < end),
                ZERO,
            )
            if total:
                totals[index] = total
        length = (end - start).days / HISTORY_PERIODS[kind]
        histories[kind] = PaceHistory(
            days=covered,
            periods=min(HISTORY_PERIODS[kind], max(1, round(covered / length))),
            totals=totals,
            parents=dict(spending.parents),
        )
    cache.set(key, histories, CARRY_CACHE_SECONDS)
    return histories


def budget_statuses(
    *, user, budgets: list[Budget] | None = None, cal: Calendar | None = None
) -> list[BudgetStatus]:
    """The current period's status of each budget (the user's active ones by default)."""
    cal = cal or user_calendar(user)
    if budgets is None:
        budgets = list(Budget.objects.for_user(user).active().select_related("category"))
    if not budgets:
        return []
    current = {b.pk: cal.period(b.period) for b in budgets}
    since = min(start for start, _ in current.values())
    until = max(end for _, end in current.values())
    # Payments of a series the history shows (rent on the 1st) happen once a period: they
    # are not spending to extrapolate at the daily pace, and the ones still due this period
    # are part of the forecast like tracked recurring bills.
    detected: Detected = series_detect(user=user, today=cal.today)
    spending = spending_build(
        user_id=user.pk,
        since=since,
        until=until,
        also_bills=(pk for s in detected.series for pk, day in s.payments if since <= day < until),
    )
    before = _spent_before(
        user=user, cal=cal, budgets=[b for b in budgets if b.rollover], current=current
    )
    histories = _pace_histories(user=user, cal=cal, detected=detected)
    items = list(
        RecurringItem.objects.for_user(user).active().select_related("account", "category")
    )
    expected = [
        e
        for e in expected_between(user=user, since=cal.today, until=until, items=items)
        if not e.seen and e.item.amount < 0
    ]
    tracked = [(i.account_id, i.payee) for i in items]
    untracked = [
        (s, _series_dates(s, cal.today, until - datetime.timedelta(days=1)))
        for s in detected.series
        if not is_tracked(s, tracked)
    ]
    statuses = []
    for budget in budgets:
        start, end = current[budget.pk]
        spent = spending.total(
            currency=budget.currency, category_id=budget.category_id, start=start, end=end
        )
        carry = ZERO
        if budget.rollover:
            periods = 0
            cursor = _carry_start(budget, cal, start)
            while cursor < start:
                periods += 1
                cursor = cal.step(budget.period, cursor, 1)
            carry = budget.amount * periods - before[budget.pk]
        upcoming = sum(
            (
                -e.amount
                for e in expected
                if start <= e.date < end
                and e.currency == budget.currency
                and _in_budget(e.item, budget)
            ),
            ZERO,
        )
        upcoming += sum(
            (
                -series.amount
                for series, dates in untracked
                if series.currency == budget.currency
                and _series_in_budget(series, detected.parents, budget)
                for day in dates
                if start <= day < end
            ),
            ZERO,
        )
        history = histories[budget.period]
        statuses.append(
            BudgetStatus(
                budget=budget,
                start=start,
                end=end,
                today=cal.today,
                spent=spent,
                bills_spent=spending.total(
                    currency=budget.currency,
                    category_id=budget.category_id,
                    start=start,
                    end=end,
                    bills_only=True,
                ),
                carry=carry,
                upcoming=upcoming,
                usual=history.usual(
                    currency=budget.currency,
                    category_id=budget.category_id,
                    days=(end - start).days,
                ),
                history_periods=history.periods,
            )
        )
    return statuses


def budget_status(*, user, budget: Budget, cal: Calendar | None = None) -> BudgetStatus:
    return budget_statuses(user=user, budgets=[budget], cal=cal)[0]


@dataclass
class HistoryPoint:
    start: datetime.date
    end: datetime.date
    spent: Decimal
    limit: Decimal

    @property
    def left(self) -> Decimal:
        return self.limit - self.spent


def budget_history(
    *, user, budget: Budget, periods: int = 12, cal: Calendar | None = None
) -> list[HistoryPoint]:
    """Spending in each of the last `periods` periods (the current one last), one query."""
    cal = cal or user_calendar(user)
    bounds = cal.periods(budget.period, periods)
    spending = spending_build(user_id=user.pk, since=bounds[0][0], until=bounds[-1][1])
    return [
        HistoryPoint(
            start=start,
            end=end,
            spent=spending.total(
                currency=budget.currency, category_id=budget.category_id, start=start, end=end
            ),
            limit=budget.amount,
        )
        for start, end in bounds
    ]


def history_chart(points: list[HistoryPoint], *, period: str, currency: str) -> dict:
    """Labels and values (strings: exact decimals) for the 12-period chart."""
    label = (lambda d: f"{d:%b %Y}") if period == "month" else (lambda d: f"{d.day} {d:%b}")
    money = lambda value: str(quantize(value, currency))  # noqa: E731
    return {
        "labels": [label(p.start) for p in points],
        "spent": [money(p.spent) for p in points],
        "limit": [money(p.limit) for p in points],
        "currency": currency,
    }


def spending_by_category(
    *, user_id: int, since: datetime.date, until: datetime.date, currency: str
) -> dict[int | None, Decimal]:
    """Total net spending per top-level category in [since, until) in one currency."""
    spending = spending_build(user_id=user_id, since=since, until=until)
    parents = spending.parents
    totals: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for (code, category_id), days in spending.days.items():
        if code != currency:
            continue
        top = parents.get(category_id) or category_id
        totals[top] += sum(days.values(), ZERO)
    return dict(totals)


def unread_count(*, user) -> int:
    from budgets.models import Notification

    return Notification.objects.for_user(user).unread().count()
