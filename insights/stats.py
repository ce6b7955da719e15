"""Insights from statistics: offline, deterministic, each linked to the transactions behind it.

Built from the cached month aggregates plus two bounded queries (recent transactions and the
history of their payees), so the cost does not grow with the user's whole history.
"""

import datetime
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from insights.periods import current_pay_month, next_month, shift
from insights.selectors import (
    UNCATEGORIZED,
    ZERO,
    CurrencyMonth,
    display_currency,
    month_aggregates,
    month_payees,
)
from ledger.models import Category, Transaction

CHANGE_MIN_PERCENT = 20
UNUSUAL_FACTOR = 3


@dataclass(frozen=True)
class Insight:
    kind: str  # top-category, top-payee, change, unusual, savings-trend, new-subscription,
    # price-rise
    title: str
    detail: str
    link: str
    amount: Decimal | None = None
    currency: str = ""
    tone: str = ""  # "good", "bad" or ""


def _link(**params) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse("ledger:transaction-list") + "?" + urlencode(clean, doseq=True)


def _range(start: datetime.date) -> dict:
    return {
        "date_from": start.isoformat(),
        "date_to": (next_month(start) - datetime.timedelta(days=1)).isoformat(),
    }


def _money(value: Decimal, currency: str) -> str:
    from ledger.money import format_money

    return format_money(value, currency)


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _name(categories: dict, key) -> str:
    if key == UNCATEGORIZED:
        return "Uncategorized"
    category = categories.get(key)
    return category.name if category else "Uncategorized"


def _category_param(key) -> str:
    return "uncategorized" if key == UNCATEGORIZED else str(key)


def insights_for(*, user, currency: str | None = None) -> list[Insight]:
    current, today, _ = current_pay_month(user)
    starts = [shift(current, -i) for i in range(8)]  # this month + 7 before
    aggregates = month_aggregates(user_id=user.pk, starts=starts)
    currencies = {c for a in aggregates.values() for c in a.currencies}
    if not currencies:
        return []
    currency = currency or display_currency(user, currencies)
    months = {s: aggregates[s].currency(currency) for s in starts}
    categories = {c.pk: c for c in Category.objects.for_user(user)}
    found: list[Insight] = []
    found += _top_categories(months[current], current, categories, currency)
    found += _top_payees(user, months[current], current, currency)
    found += _changes(months, starts, categories, currency)
    found += _unusual(user, today, currency)
    found += _savings_trend(months, starts, currency)
    found += _subscriptions(user, today)
    return found


def _top_categories(month: CurrencyMonth, start, categories, currency) -> list[Insight]:
    total = month.expenses
    if total <= 0:
        return []
    ranked = sorted(month.categories.items(), key=lambda kv: -kv[1])[:3]
    out = []
    for key, spent in ranked:
        if spent <= 0:
            continue
        share = (spent / total * 100).quantize(Decimal("1"))
        out.append(
            Insight(
                "top-category",
                f"{_name(categories, key)}: {_money(spent, currency)} this month",
                f"{share}% of your spending so far this month.",
                _link(category=_category_param(key), kind="expense", **_range(start)),
                spent,
                currency,
            )
        )
    return out


def _top_payees(user, month: CurrencyMonth, start, currency) -> list[Insight]:
    total = month.expenses
    if total <= 0:
        return []
    out = []
    for payee, spent, count in month_payees(user_id=user.pk, start=start).get(currency, [])[:3]:
        share = (spent / total * 100).quantize(Decimal("1"))
        payments = "1 payment" if count == 1 else f"{count} payments"
        out.append(
            Insight(
                "top-payee",
                f"{payee}: {_money(spent, currency)} this month",
                f"{payments}, {share}% of your spending so far this month.",
                _link(q=payee, kind="expense", **_range(start)),
                spent,
                currency,
            )
        )
    return out


def _changes(months, starts, categories, currency) -> list[Insight]:
    """The last complete month against the average of the three before it, per category."""
    last, baseline_months = starts[1], starts[2:5]
    recent = months[last]
    keys = set(recent.categories) | {k for s in baseline_months for k in months[s].categories}
    changes = []
    for key in keys:
        now = recent.categories.get(key, ZERO)
        base = sum((months[s].categories.get(key, ZERO) for s in baseline_months), ZERO) / 3
        diff = now - base
        if base > 0 and abs(diff) / base * 100 >= CHANGE_MIN_PERCENT and abs(diff) >= 20:
            changes.append((abs(diff), key, now, base, diff))
        elif base == 0 and now >= 50:
            changes.append((now, key, now, base, now))
    out = []
    for _, key, now, base, diff in sorted(changes, key=lambda c: -c[0])[:3]:
        name = _name(categories, key)
        if base:
            percent = (diff / base * 100).quantize(Decimal("1"))
            detail = (
                f"{_money(now, currency)} in {last:%B} against {_money(base.quantize(Decimal('0.01')), currency)} "
                f"on average in the three months before ({'+' if percent > 0 else ''}{percent}%)."
            )
        else:
            detail = f"{_money(now, currency)} in {last:%B}, where there was nothing in the three months before."
        out.append(
            Insight(
                "change",
                f"{name} {'went up' if diff > 0 else 'went down'} by {_money(abs(diff).quantize(Decimal('0.01')), currency)}",
                detail,
                # The transactions on both sides: the three months of the baseline and the
                # month against it (a fall to nothing has no rows in that month alone).
                _link(
                    category=_category_param(key),
                    date_from=baseline_months[-1].isoformat(),
                    date_to=_range(last)["date_to"],
                ),
                diff.quantize(Decimal("0.01")),
                currency,
                "bad" if diff > 0 else "good",
            )
        )
    return out


def _unusual(user, today: datetime.date, currency: str) -> list[Insight]:
    """Spending in the last 30 days far above what the user usually pays that payee."""
    recent = list(
        Transaction.objects.for_user(user)
        .filter(
            date__gt=today - datetime.timedelta(days=30),
            amount__lt=0,
            transfer__isnull=True,
            account__currency=currency,
        )
        .exclude(payee="")
        .values_list("id", "date", "payee", "amount")[:2000]
    )
    payees = {p for _, _, p, _ in recent}
    if not payees:
        return []
    history: dict[str, list[Decimal]] = {}
    for payee, amount in (
        Transaction.objects.for_user(user)
        .filter(
            payee__in=payees,
            amount__lt=0,
            date__gt=today - datetime.timedelta(days=395),
            date__lte=today - datetime.timedelta(days=30),
            account__currency=currency,
        )
        .values_list("payee", "amount")
    ):
        history.setdefault(payee, []).append(-amount)
    out = []
    for _id, day, payee, amount in recent:
        past = history.get(payee, [])
        if len(past) < 3:
            continue
        usual = statistics.median(past)
        spent = -amount
        if usual > 0 and spent >= usual * UNUSUAL_FACTOR and spent - usual >= 20:
            out.append(
                Insight(
                    "unusual",
                    f"{_money(spent, currency)} at {payee} on {day:%d %b}",
                    f"You usually spend about {_money(Decimal(usual).quantize(Decimal('0.01')), currency)} there.",
                    _link(q=payee, date_from=day.isoformat(), date_to=day.isoformat()),
                    spent,
                    currency,
                    "bad",
                )
            )
    return sorted(out, key=lambda i: -i.amount)[:3]


def _savings_trend(months, starts, currency) -> list[Insight]:
    complete = [months[s] for s in starts[1:7]]  # the six complete months, newest first
    rates = [m.savings_rate for m in complete]
    recent = [r for r in rates[:3] if r is not None]
    before = [r for r in rates[3:] if r is not None]
    if len(recent) < 2 or len(before) < 2:
        return []
    now = (sum(recent) / len(recent)).quantize(Decimal("1"))
    then = (sum(before) / len(before)).quantize(Decimal("1"))
    if now == then:
        return []
    return [
        Insight(
            "savings-trend",
            f"Your savings rate {'rose' if now > then else 'fell'} from {then}% to {now}%",
            "The average of the last three complete months against the three before.",
            _link(
                **{
                    "date_from": starts[6].isoformat(),
                    "date_to": (starts[0] - datetime.timedelta(days=1)).isoformat(),
                }
            ),
            None,
            currency,
            "good" if now > then else "bad",
        )
    ]


RECENT_DAYS = 120  # a subscription that started (or got dearer) this recently is news


@dataclass(frozen=True)
class SubscriptionSeen:
    series: Any  # budgets.detection.Series
    tracked: bool  # an active recurring item already follows it

    @property
    def price_rise(self):
        change = self.series.price_change
        return change if change and change.new > change.old else None


def subscriptions_found(*, user, today: datetime.date) -> list[SubscriptionSeen]:
    """Every subscription the history shows (last 15 months, tracked or not), biggest first.

    The series are the budgets app's detection (cached until the user's ledger changes);
    whether each is tracked is read fresh. Empty when the budgets app is not installed.
    """
    try:
        from budgets.detection import is_tracked, series_detect
        from budgets.models import RecurringItem
    except ImportError:  # pragma: no cover - the budgets app is part of Billfold today
        return []
    series = series_detect(user=user, today=today).series
    tracked = list(RecurringItem.objects.for_user(user).active().values_list("account_id", "payee"))
    return [SubscriptionSeen(series=s, tracked=is_tracked(s, tracked)) for s in series]


def _subscriptions(user, today: datetime.date) -> list[Insight]:
    """New subscriptions (not tracked yet) and recent price rises, with their payments."""
    out = []
    for seen in subscriptions_found(user=user, today=today):
        series, currency = seen.series, seen.series.currency
        rise = seen.price_rise
        payments = _link(q=series.payee, kind="expense", date_from=series.first_date.isoformat())
        if rise is not None and (today - rise.date).days <= RECENT_DAYS:
            out.append(
                Insight(
                    "price-rise",
                    f"{series.payee} now costs {_money(rise.new, currency)}",
                    f"It was {_money(rise.old, currency)} before {_day(rise.date)}: "
                    f"{_money((rise.new - rise.old) * series.per_year, currency)} more a year.",
                    payments,
                    rise.new - rise.old,
                    currency,
                    "bad",
                )
            )
        elif not seen.tracked and (today - series.first_date).days <= RECENT_DAYS:
            amount = abs(series.amount)
            out.append(
                Insight(
                    "new-subscription",
                    f"New {series.frequency} payment: {series.payee}",
                    f"{_money(amount, currency)} since {_day(series.first_date)}, about "
                    f"{_money(series.yearly_cost, currency)} a year. Track it in Recurring "
                    "to see it coming.",
                    payments,
                    amount,
                    currency,
                )
            )
    return out[:5]
