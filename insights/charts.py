"""Chart data for the dashboard and reports: pure functions of aggregates, no database.

Each returns labels and series; amounts are strings (Decimal, never float) that the small
static script turns into numbers for Chart.js at the last moment.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from insights.periods import next_month
from insights.selectors import UNCATEGORIZED, ZERO, CurrencyMonth

OTHER_COLOR = "#94a3b8"
UNCATEGORIZED_COLOR = "#cbd5e1"


@dataclass(frozen=True)
class CategoryInfo:
    name: str
    color: str
    parent_id: int | None = None


def _s(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def spending_by_category(
    month: CurrencyMonth, categories: dict[int, CategoryInfo], *, limit: int = 8
) -> dict:
    """Top-level categories (sub-categories rolled into their parent), biggest first."""
    totals: dict[int | str, Decimal] = {}
    for category_id, spent in month.categories.items():
        info = categories.get(category_id) if category_id != UNCATEGORIZED else None
        key = info.parent_id if info and info.parent_id in categories else category_id
        if info is None and category_id != UNCATEGORIZED:
            key = UNCATEGORIZED
        totals[key] = totals.get(key, ZERO) + spent
    ranked = sorted(((v, k) for k, v in totals.items() if v > 0), key=lambda x: -x[0])
    shown, rest = ranked[:limit], ranked[limit:]
    labels, values, colors, ids = [], [], [], []
    for value, key in shown:
        if key == UNCATEGORIZED:
            labels.append("Uncategorized")
            colors.append(UNCATEGORIZED_COLOR)
            ids.append(UNCATEGORIZED)
        else:
            labels.append(categories[key].name)
            colors.append(categories[key].color)
            ids.append(key)
        values.append(_s(value))
    if rest:
        labels.append("Everything else")
        values.append(_s(sum((v for v, _ in rest), ZERO)))
        colors.append(OTHER_COLOR)
        ids.append(None)
    return {"labels": labels, "values": values, "colors": colors, "ids": ids}


def category_links(ids: list, *, start: datetime.date, end: datetime.date) -> list[str]:
    """Where each slice of the category chart leads: the transactions behind it in [start, end).

    A category shows all its rows (refunds reduce it, so they belong in the list); money in
    without a category is income, so the uncategorized slice lists money out only.
    """
    dates = {
        "date_from": start.isoformat(),
        "date_to": (end - datetime.timedelta(days=1)).isoformat(),
    }
    base = reverse("ledger:transaction-list")
    links = []
    for key in ids:
        if key is None:  # "Everything else": all the month's spending
            params = {**dates, "kind": "expense"}
        elif key == UNCATEGORIZED:
            params = {**dates, "category": UNCATEGORIZED, "kind": "expense"}
        else:
            params = {**dates, "category": key}
        links.append(f"{base}?{urlencode(params)}")
    return links


def income_vs_expenses(months: list[tuple[str, CurrencyMonth]]) -> dict:
    """Bars of income and spending per month, with the net as a line."""
    return {
        "labels": [label for label, _ in months],
        "income": [_s(m.income) for _, m in months],
        "expenses": [_s(m.expenses) for _, m in months],
        "net": [_s(m.net) for _, m in months],
    }


def cumulative_spending(
    *,
    this_month: CurrencyMonth,
    this_start: datetime.date,
    last_month: CurrencyMonth,
    last_start: datetime.date,
    today: datetime.date,
) -> dict:
    """Spending so far by day of the pay month, this month (up to today) against last."""

    def running(month: CurrencyMonth, start: datetime.date, days: int) -> list[str]:
        total, out = ZERO, []
        for offset in range(days):
            total += month.daily.get(start + datetime.timedelta(days=offset), ZERO)
            out.append(_s(total))
        return out

    this_length = (next_month(this_start) - this_start).days
    last_length = (this_start - last_start).days
    elapsed = max(0, min((today - this_start).days + 1, this_length))
    return {
        "labels": [str(day + 1) for day in range(max(last_length, this_length))],
        "this": running(this_month, this_start, elapsed),
        "last": running(last_month, last_start, last_length),
    }


def top_payees(payees: list[tuple[str, Decimal, int]], *, limit: int = 8) -> dict:
    rows = payees[:limit]
    return {"labels": [p for p, _, _ in rows], "values": [_s(v) for _, v, _ in rows]}


@dataclass(frozen=True)
class Tile:
    """One figure of the month with its change against last month and the 6-month average.

    `unit` says how a change is told: "percent" of the earlier value (income, spending),
    "amount" of money (net savings, which can cross zero, where a percentage means nothing)
    or percentage "points" (the savings rate, itself a percentage).
    """

    label: str
    value: Decimal | None
    previous: Decimal | None
    average: Decimal | None
    unit: str = "percent"
    higher_is_better: bool = True

    @property
    def is_percent(self) -> bool:
        return self.unit == "points"

    def _change(self, now: Decimal | None, then: Decimal | None) -> Decimal | None:
        if now is None or then is None:
            return None
        if self.unit == "amount":
            change = (now - then).quantize(Decimal("0.01"))
        elif self.unit == "points":
            change = (now - then).quantize(Decimal("0.1"))
        elif then == 0:
            return None
        else:
            change = ((now - then) / abs(then) * 100).quantize(Decimal("1"))
        return change if change else ZERO  # never "-0%"

    @property
    def vs_previous(self) -> Decimal | None:
        return self._change(self.value, self.previous)

    @property
    def vs_average(self) -> Decimal | None:
        return self._change(self.value, self.average)

    def tone(self, change: Decimal | None) -> str:
        if change is None or change == 0:
            return ""
        good = (change > 0) == self.higher_is_better
        return "pos" if good else "neg"


def tiles(
    current: CurrencyMonth, previous: CurrencyMonth, history: list[CurrencyMonth]
) -> list[Tile]:
    """Income, expenses, net savings and savings rate, against last month and the 6 before."""

    def avg(values: list[Decimal]) -> Decimal | None:
        return (sum(values, ZERO) / len(values)).quantize(Decimal("0.01")) if values else None

    rates = [m.savings_rate for m in history if m.savings_rate is not None]
    return [
        Tile("Income", current.income, previous.income, avg([m.income for m in history])),
        Tile(
            "Spending",
            current.expenses,
            previous.expenses,
            avg([m.expenses for m in history]),
            higher_is_better=False,
        ),
        Tile(
            "Net savings", current.net, previous.net, avg([m.net for m in history]), unit="amount"
        ),
        Tile(
            "Savings rate",
            current.savings_rate,
            previous.savings_rate,
            avg(rates).quantize(Decimal("0.1")) if rates else None,
            unit="points",
        ),
    ]
