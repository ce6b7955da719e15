"""Aggregates of the ledger for the dashboard and reports, cached per user and pay month.

A month's aggregate costs three small queries over that month's rows only, so the cost of
the dashboard does not grow with the length of the user's history. Cached entries are keyed
by the month's change stamps (ledger.changes): any write in the month shows on the next load.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from insights.periods import calendar_months, next_month
from ledger import changes
from ledger.models import Category, Transaction, TransactionSplit
from ledger.models.accounts import MONEY

ZERO = Decimal("0")
CACHE_SECONDS = 60 * 60 * 24
UNCATEGORIZED = "uncategorized"


@dataclass
class CurrencyMonth:
    income: Decimal = ZERO
    expenses: Decimal = ZERO  # spending as a positive number, net of refunds
    # category id (or "uncategorized") -> net spending (positive = spent)
    categories: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))
    income_categories: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))
    daily: dict = field(default_factory=lambda: defaultdict(lambda: ZERO))  # day -> spent

    @property
    def net(self) -> Decimal:
        return self.income - self.expenses

    @property
    def savings_rate(self) -> Decimal | None:
        if self.income <= 0:
            return None
        return (self.net / self.income * 100).quantize(Decimal("0.1"))

    def freeze(self) -> "CurrencyMonth":
        """Plain dicts, so the aggregate pickles into any cache."""
        self.categories = dict(self.categories)
        self.income_categories = dict(self.income_categories)
        self.daily = dict(self.daily)
        return self


@dataclass
class MonthAggregate:
    start: datetime.date
    end: datetime.date
    currencies: dict[str, CurrencyMonth] = field(default_factory=dict)

    def currency(self, code: str) -> CurrencyMonth:
        return self.currencies.get(code) or CurrencyMonth()


def _money_sum(condition: Q) -> Coalesce:
    return Coalesce(
        Sum("amount", filter=condition), Value(ZERO), output_field=DecimalField(**MONEY)
    )


def month_aggregate_build(*, user_id: int, start: datetime.date) -> MonthAggregate:
    """Compute one pay month's figures from the database."""
    return months_build(user_id=user_id, starts=[start])[start]


def months_build(
    *, user_id: int, starts: list[datetime.date]
) -> dict[datetime.date, MonthAggregate]:
    """Compute several pay months in three queries, however many months are asked for."""
    if not starts:
        return {}
    bounds = sorted((s, next_month(s)) for s in starts)
    kinds = dict(Category.objects.filter(user_id=user_id).values_list("id", "kind"))
    low, high = bounds[0][0], bounds[-1][1]
    rows = Transaction.objects.filter(
        user_id=user_id, date__gte=low, date__lt=high, transfer__isnull=True
    ).order_by()
    has_splits = Exists(TransactionSplit.objects.filter(transaction_id=OuterRef("pk")))
    whole = (
        rows.filter(~has_splits)
        .values_list("account__currency", "category_id", "date")
        .annotate(pos=_money_sum(Q(amount__gt=0)), neg=_money_sum(Q(amount__lt=0)))
    )
    parts = (
        TransactionSplit.objects.filter(
            transaction__user_id=user_id,
            transaction__date__gte=low,
            transaction__date__lt=high,
            transaction__transfer__isnull=True,
        )
        .order_by()
        .values_list("transaction__account__currency", "category_id", "transaction__date")
        .annotate(pos=_money_sum(Q(amount__gt=0)), neg=_money_sum(Q(amount__lt=0)))
    )
    results = {s: MonthAggregate(start=s, end=e) for s, e in bounds}
    for currency, category_id, day, pos, neg in [*whole, *parts]:
        target = next((results[s] for s, e in bounds if s <= day < e), None)
        if target is None:  # between two of the asked months
            continue
        month = target.currencies.setdefault(currency, CurrencyMonth())
        _add(month, kinds.get(category_id), category_id, day, pos, neg)
    for aggregate in results.values():
        for month in aggregate.currencies.values():
            month.freeze()
    return results


def _add(month: CurrencyMonth, kind, category_id, day, pos: Decimal, neg: Decimal) -> None:
    if kind == "expense":
        # Refunds (money in) reduce their category instead of counting as income.
        spent = -(pos + neg)
        month.expenses += spent
        month.categories[category_id] += spent
        month.daily[day] += spent
    elif kind == "income":
        month.income += pos + neg
        month.income_categories[category_id] += pos + neg
    else:  # uncategorized: money in is income, money out is spending
        if pos:
            month.income += pos
            month.income_categories[UNCATEGORIZED] += pos
        if neg:
            month.expenses -= neg
            month.categories[UNCATEGORIZED] -= neg
            month.daily[day] -= neg


def month_payees(*, user_id: int, start: datetime.date, limit: int = 10) -> dict[str, list]:
    """The payees the user spent most with in a pay month, per currency (cached)."""
    end = next_month(start)
    stamp = changes.stamps(user_id=user_id, months=calendar_months(start, end))
    key = _cache_key(user_id, start, tuple(stamp.values())) + ":payees"
    found = cache.get(key)
    if found is not None:
        return found
    rows = (
        Transaction.objects.filter(
            user_id=user_id, date__gte=start, date__lt=end, transfer__isnull=True, amount__lt=0
        )
        .exclude(payee="")
        .order_by()
        .values_list("account__currency", "payee")
        .annotate(spent=Sum("amount"), count=Count("id"))
        .order_by("spent")[: limit * 4]
    )
    result: dict[str, list] = {}
    for currency, payee, spent, count in rows:
        bucket = result.setdefault(currency, [])
        if len(bucket) < limit:
            bucket.append((payee, -spent, count))
    cache.set(key, result, CACHE_SECONDS)
    return result


def _cache_key(user_id: int, start: datetime.date, stamp_values: tuple) -> str:
    return f"insights:month:v1:{user_id}:{start.isoformat()}:{'-'.join(map(str, stamp_values))}"


def month_aggregates(
    *, user_id: int, starts: list[datetime.date]
) -> dict[datetime.date, MonthAggregate]:
    """Several pay months at once: one cache round trip, then build only what is missing."""
    months_needed = sorted({m for s in starts for m in calendar_months(s, next_month(s))})
    stamp = changes.stamps(user_id=user_id, months=months_needed)
    keys = {
        s: _cache_key(user_id, s, tuple(stamp[m] for m in calendar_months(s, next_month(s))))
        for s in starts
    }
    cached = cache.get_many(list(keys.values()))
    result = {s: cached[k] for s, k in keys.items() if k in cached}
    missing = [s for s in starts if s not in result]
    if missing:
        built = months_build(user_id=user_id, starts=missing)
        cache.set_many({keys[s]: built[s] for s in missing}, CACHE_SECONDS)
        result.update(built)
    return result


def display_currency(user, currencies) -> str:
    """The currency to show: the user's base currency when it has activity (or nothing has),
    otherwise the first of the currencies that do."""
    base = getattr(getattr(user, "profile", None), "base_currency", "") or "USD"
    currencies = set(currencies)
    return base if base in currencies or not currencies else sorted(currencies)[0]
