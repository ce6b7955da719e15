"""Reports: any period, grouped by category, sub-category, payee, account or tag, compared
with the previous period and the same period a year before; and a yearly month matrix.

Totals are per currency; transfers are left out; refunds reduce their category.
"""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth

from insights.periods import FIRST_YEAR, LAST_YEAR, next_month, shift
from insights.summaries import ExchangeRate
from ledger.filters import add_months
from ledger.models import Category, Transaction, TransactionSplit
from ledger.models.accounts import MONEY

ZERO = Decimal("0")
GROUPS = {
    "category": "Category",
    "subcategory": "Sub-category",
    "payee": "Payee",
    "account": "Account",
    "tag": "Tag",
}
PERIODS = {"month": "Month", "quarter": "Quarter", "year": "Year", "custom": "Custom range"}


class ReportError(ValueError):
    """Parameters a report cannot use; the message is for the user."""


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # exclusive

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def previous(self) -> "Period":
        months = _months_between(self.start, self.end)
        if months:
            return Period(shift(self.start, -months), self.start)
        length = self.end - self.start
        return Period(self.start - length, self.start)

    def year_before(self) -> "Period":
        return Period(add_months(self.start, -12), add_months(self.end, -12))

    @property
    def label(self) -> str:
        start = self.start
        if start.day == 1 and self.end == next_month(start):
            return start.strftime("%B %Y")
        if start.day == 1 and start.month % 3 == 1 and self.end == add_months(start, 3):
            return f"Q{(start.month - 1) // 3 + 1} {start.year}"
        if (start.day, start.month) == (1, 1) and self.end == add_months(start, 12):
            return str(start.year)
        last = self.last_day
        return f"{start.day} {start:%b %Y} – {last.day} {last:%b %Y}"


def _months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from start to end when both fall on the same day of the month, else 0."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months if months > 0 and add_months(start, months) == end else 0


def period_for(
    kind: str,
    *,
    today: datetime.date,
    payday: int = 1,
    start: str = "",
    end: str = "",
    anchor: str = "",
) -> Period:
    """The period a report covers. `anchor` (YYYY-MM) picks a month/quarter/year other than now."""
    if kind == "custom":
        try:
            first = datetime.date.fromisoformat(start)
            last = datetime.date.fromisoformat(end)
        except ValueError:
            raise ReportError("Give both dates of a custom range as YYYY-MM-DD.") from None
        if not (first.year >= FIRST_YEAR and last.year <= LAST_YEAR):
            raise ReportError(f"Pick dates between {FIRST_YEAR} and {LAST_YEAR}.")
        if last < first:
            raise ReportError("The end date is before the start date.")
        if (last - first).days > 3700:
            raise ReportError("A custom range can cover ten years at most.")
        return Period(first, last + datetime.timedelta(days=1))
    base = today
    if anchor:
        try:
            year, month = (int(p) for p in anchor.split("-"))
            base = datetime.date(year, month, 1)
        except ValueError:
            raise ReportError("Pick the month as YYYY-MM.") from None
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ReportError(f"Pick a month between {FIRST_YEAR} and {LAST_YEAR}.")
    if kind == "month":
        day = max(1, min(payday, 28))
        first = base.replace(day=day)
        if not anchor and base < first:
            first = add_months(first, -1)
        return Period(first, next_month(first))
    if kind == "quarter":
        first = base.replace(day=1, month=(base.month - 1) // 3 * 3 + 1)
        return Period(first, add_months(first, 3))
    if kind == "year":
        return Period(datetime.date(base.year, 1, 1), datetime.date(base.year + 1, 1, 1))
    raise ReportError(f"Unknown period {kind!r}: use month, quarter, year or custom.")


@dataclass
class Line:
    key: str
    label: str
    income: Decimal = ZERO
    spending: Decimal = ZERO  # positive: money spent, net of refunds

    @property
    def net(self) -> Decimal:
        return self.income - self.spending


@dataclass
class CurrencyReport:
    currency: str
    lines: dict[str, Line] = field(default_factory=dict)
    # The period's own totals, when the lines can overlap (a transaction with two tags is in
    # both lines, but spent once).
    totals: Line | None = None

    def line(self, key: str, label: str) -> Line:
        if key not in self.lines:
            self.lines[key] = Line(key, label)
        return self.lines[key]

    @property
    def income(self) -> Decimal:
        if self.totals is not None:
            return self.totals.income
        return sum((line.income for line in self.lines.values()), ZERO)

    @property
    def spending(self) -> Decimal:
        if self.totals is not None:
            return self.totals.spending
        return sum((line.spending for line in self.lines.values()), ZERO)

    def sorted_lines(self) -> list[Line]:
        return sorted(
            self.lines.values(), key=lambda line: (-line.spending, -line.income, line.label)
        )


def _money(condition: Q) -> Coalesce:
    return Coalesce(
        Sum("amount", filter=condition), Value(ZERO), output_field=DecimalField(**MONEY)
    )


def _group_field(group: str | None, *, split: bool) -> str | None:
    prefix = "transaction__" if split else ""
    if group is None:
        return None
    if group in ("category", "subcategory"):
        return "category_id"
    return {
        "payee": f"{prefix}payee",
        "account": f"{prefix}account__name",
        "tag": f"{prefix}tags__name",
    }[group]


def _rows(*, user, period: Period, group: str | None) -> list[tuple]:
    """(currency, group value, category kind, money in, money out) of the period, in two
    queries: whole transactions, and the parts of split ones (each under its own category)."""
    has_splits = Exists(TransactionSplit.objects.filter(transaction_id=OuterRef("pk")))
    whole = (
        Transaction.objects.for_user(user)
        .filter(date__gte=period.start, date__lt=period.end, transfer__isnull=True)
        .filter(~has_splits)
        .order_by()
    )
    parts = TransactionSplit.objects.filter(
        transaction__user=user,
        transaction__date__gte=period.start,
        transaction__date__lt=period.end,
        transaction__transfer__isnull=True,
    ).order_by()
    sums = {"pos": _money(Q(amount__gt=0)), "neg": _money(Q(amount__lt=0))}
    whole_key, part_key = _group_field(group, split=False), _group_field(group, split=True)
    whole_fields = ["account__currency", *([whole_key] if whole_key else []), "category__kind"]
    part_fields = [
        "transaction__account__currency",
        *([part_key] if part_key else []),
        "category__kind",
    ]
    rows = [
        *whole.values_list(*whole_fields).annotate(**sums),
        *parts.values_list(*part_fields).annotate(**sums),
    ]
    if group is None:
        return [(currency, None, kind, pos, neg) for currency, kind, pos, neg in rows]
    return rows


def _add(line: Line, kind: str | None, pos: Decimal, neg: Decimal) -> None:
    if kind == "expense":  # refunds (money in) reduce the spending of their category
        line.spending -= pos + neg
    elif kind == "income":  # and money given back reduces the income
        line.income += pos + neg
    else:  # uncategorized: money in is income, money out is spending
        line.income += pos
        line.spending -= neg


def report_build(*, user, period: Period, group: str) -> dict[str, CurrencyReport]:
    """The period's totals per currency and group: two queries (whole rows, split parts),
    two more for the tag grouping, whose lines overlap. Every grouping counts money the same
    way, so the period's totals do not depend on how it is grouped."""
    if group not in GROUPS:
        raise ReportError(f"Unknown grouping {group!r}: use {', '.join(GROUPS)}.")
    categories = {c.pk: c for c in Category.objects.for_user(user)}
    reports: dict[str, CurrencyReport] = {}
    for currency, value, kind, pos, neg in _rows(user=user, period=period, group=group):
        report = reports.setdefault(currency, CurrencyReport(currency))
        if group in ("category", "subcategory"):
            category = categories.get(value)
            if category is not None and group == "category" and category.parent_id:
                category = categories.get(category.parent_id, category)
            key, label = (
                (str(category.pk), category.name) if category else ("none", "Uncategorized")
            )
        else:
            key, label = str(value or ""), value or "(none)"
        _add(report.line(key, label), kind, pos, neg)
    if group == "tag":
        for report in reports.values():
            report.totals = Line("", "")
        for currency, _, kind, pos, neg in _rows(user=user, period=period, group=None):
            if currency in reports:
                _add(reports[currency].totals, kind, pos, neg)
    return reports


@dataclass
class ComparedLine:
    line: Line
    previous: Decimal | None
    year_before: Decimal | None

    @staticmethod
    def _change(now: Decimal, then: Decimal | None) -> Decimal | None:
        if then is None or then == 0:
            return None
        change = ((now - then) / abs(then) * 100).quantize(Decimal("1"))
        return change if change else ZERO  # never "-0%"

    @property
    def vs_previous(self) -> Decimal | None:
        return self._change(self._value, self.previous)

    @property
    def vs_year_before(self) -> Decimal | None:
        return self._change(self._value, self.year_before)

    @property
    def _value(self) -> Decimal:
        return self.line.spending if self.line.spending else self.line.income


def compare(
    now: dict[str, CurrencyReport],
    previous: dict[str, CurrencyReport],
    year_before: dict[str, CurrencyReport],
) -> dict[str, list[ComparedLine]]:
    def value(reports, currency, key, spending: bool):
        line = reports.get(currency, CurrencyReport(currency)).lines.get(key)
        if line is None:
            return ZERO
        return line.spending if spending else line.income

    out: dict[str, list[ComparedLine]] = {}
    for currency, report in now.items():
        out[currency] = [
            ComparedLine(
                line,
                value(previous, currency, line.key, bool(line.spending)),
                value(year_before, currency, line.key, bool(line.spending)),
            )
            for line in report.sorted_lines()
        ]
    return out


@dataclass
class Matrix:
    currency: str
    months: list[datetime.date]
    rows: list[tuple[str, list[Decimal], Decimal]]  # label, spending per month, total
    totals: list[Decimal]
    grand_total: Decimal


def year_matrix(*, user, year: int) -> list[Matrix]:
    """Spending per top-level category and calendar month of one year, per currency."""
    categories = {c.pk: c for c in Category.objects.for_user(user)}
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    sums = {"pos": _money(Q(amount__gt=0)), "neg": _money(Q(amount__lt=0))}
    has_splits = Exists(TransactionSplit.objects.filter(transaction_id=OuterRef("pk")))
    whole = (
        Transaction.objects.for_user(user)
        .filter(date__gte=start, date__lt=end, transfer__isnull=True)
        .filter(~has_splits)
        .order_by()
        .annotate(month=ExtractMonth("date"))
        .values_list("account__currency", "category_id", "month")
        .annotate(**sums)
    )
    parts = (
        TransactionSplit.objects.filter(
            transaction__user=user,
            transaction__date__gte=start,
            transaction__date__lt=end,
            transaction__transfer__isnull=True,
        )
        .order_by()
        .annotate(month=ExtractMonth("transaction__date"))
        .values_list("transaction__account__currency", "category_id", "month")
        .annotate(**sums)
    )
    grid: dict[str, dict[str, list[Decimal]]] = defaultdict(dict)
    for currency, category_id, month, pos, neg in [*whole, *parts]:
        category = categories.get(category_id)
        if category is not None and category.kind == "income":
            continue
        if category is None:
            spent = -neg  # uncategorized money in is income, not a refund of anything
            if not spent:
                continue
        else:
            spent = -(pos + neg)  # refunds reduce their category
            if category.parent_id in categories:
                category = categories[category.parent_id]
        label = category.name if category else "Uncategorized"
        cells = grid[currency].setdefault(label, [ZERO] * 12)
        cells[month - 1] += spent
    months = [datetime.date(year, m, 1) for m in range(1, 13)]
    result = []
    for currency, lines in sorted(grid.items()):
        ordered = sorted(lines.items(), key=lambda kv: (-sum(kv[1], ZERO), kv[0]))
        table = [(label, cells, sum(cells, ZERO)) for label, cells in ordered]
        totals = [sum((cells[i] for _, cells, _ in table), ZERO) for i in range(12)]
        result.append(Matrix(currency, months, table, totals, sum(totals, ZERO)))
    return result


def month_name(month: int) -> str:
    return calendar.month_abbr[month]


@dataclass
class Converted:
    base: str
    spending: Decimal
    income: Decimal
    rates: dict[str, Decimal]


def user_rates(user) -> tuple[str, dict[str, Decimal]]:
    """The user's base currency, and the rates into it that they gave themselves."""
    base = getattr(getattr(user, "profile", None), "base_currency", "") or "USD"
    return base, dict(ExchangeRate.objects.for_user(user).values_list("currency", "rate"))


def convert_totals(
    totals: dict[str, CurrencyReport], *, base: str, rates: dict[str, Decimal]
) -> Converted | None:
    """The report's totals in the base currency, only when the user gave a rate for every
    other currency in it (never a guessed or fetched rate). None otherwise."""
    others = [c for c in totals if c != base]
    if not others or any(c not in rates for c in others):
        return None
    spending = income = ZERO
    used = {}
    for currency, report in totals.items():
        rate = Decimal(1) if currency == base else rates[currency]
        if currency != base:
            used[currency] = rate
        spending += report.spending * rate
        income += report.income * rate
    return Converted(base, spending, income, used)
