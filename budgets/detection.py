"""Find subscriptions in the history: series of payments to the same (normalised) payee from
the same account, at a regular interval, for a fixed price or a similar amount (within 10%).

`detect_series` is a pure function of rows, so it is tested on synthetic histories;
`series_detect` runs it over the user's last 15 months (cached until their ledger changes);
`subscriptions_detect` leaves out what is tracked already.
"""

import datetime
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from typing import NamedTuple

from django.core.cache import cache

from ledger import changes
from ledger.filters import add_months

NOISE = {
    "pos", "card", "payment", "purchase", "debit", "dd", "direct", "sepa", "ach", "www", "com",
    "inc", "ltd", "llc", "gmbh", "the", "online", "recurring", "subscription", "bill", "co",
}  # fmt: skip
# name, typical days between payments, how far one interval may stray, payments per year
FREQUENCIES = [
    ("weekly", 7, 2, 52),
    ("biweekly", 14, 3, 26),
    ("monthly", 30.44, 4, 12),
    ("quarterly", 91.3, 10, 4),
    ("yearly", 365.25, 15, 1),
]
SIMILAR = Decimal("0.10")


def normalise_payee(text: str) -> str:
    """'NETFLIX.COM 866-579 CA' and 'Netflix' -> 'netflix'."""
    words = re.findall(r"[a-z]+", (text or "").lower().replace("'", ""))
    kept = [w for w in words if w not in NOISE and len(w) > 1]
    return " ".join(kept[:3])


def payees_similar(a: str, b: str) -> bool:
    left, right = normalise_payee(a), normalise_payee(b)
    if not left or not right:
        return False
    if left == right or left in right or right in left:
        return True
    return SequenceMatcher(None, left, right).ratio() >= 0.8


class Row(NamedTuple):
    id: int
    date: datetime.date
    amount: Decimal  # signed: negative is money out
    payee: str
    account_id: int
    category_id: int | None
    currency: str


@dataclass
class PriceChange:
    old: Decimal
    new: Decimal
    date: datetime.date

    def __str__(self) -> str:
        return f"went from {self.old:.2f} to {self.new:.2f} in {self.date:%B %Y}"


@dataclass
class Series:
    key: str
    payee: str
    account_id: int
    category_id: int | None
    currency: str
    frequency: str
    amount: Decimal  # the latest, signed
    fixed: bool
    count: int
    first_date: datetime.date
    last_date: datetime.date
    next_date: datetime.date
    per_year: int
    price_changes: list[PriceChange]
    # (transaction id, date) of each payment of the series, oldest first.
    payments: tuple[tuple[int, datetime.date], ...] = ()

    @property
    def token(self) -> str:
        """Names the series in a "track it" form or API call."""
        return f"{self.account_id}:{self.frequency}:{self.key}"

    @property
    def yearly_cost(self) -> Decimal:
        return abs(self.amount) * self.per_year

    @property
    def price_change(self) -> PriceChange | None:
        return self.price_changes[-1] if self.price_changes else None


def _frequency(intervals: list[int]) -> tuple[str, float, int] | None:
    median = statistics.median(intervals)
    for name, days, slack, per_year in FREQUENCIES:
        if abs(median - days) <= slack:
            regular = sum(1 for i in intervals if abs(i - days) <= slack)
            if regular >= max(1, 0.8 * len(intervals)):
                return name, days, per_year
            return None
    return None


def _runs(amounts: list[Decimal]) -> list[tuple[Decimal, int, int]]:
    """(amount, first index, length) of each run of equal consecutive amounts."""
    runs: list[tuple[Decimal, int, int]] = []
    for index, amount in enumerate(amounts):
        if runs and runs[-1][0] == amount:
            value, first, length = runs[-1]
            runs[-1] = (value, first, length + 1)
        else:
            runs.append((amount, index, 1))
    return runs


def _prices(rows: list[Row]) -> tuple[bool, list[PriceChange]] | None:
    """(fixed price?, price changes) or None when the amounts do not look like one bill."""
    amounts = [abs(r.amount) for r in rows]
    runs = _runs(amounts)
    inner_ok = all(length >= 2 for _, _, length in runs[1:-1])
    if len(runs) <= 3 and inner_ok and runs[-1][2] >= 1 and max(r[2] for r in runs) >= 2:
        changes = [
            PriceChange(old=runs[i - 1][0], new=runs[i][0], date=rows[runs[i][1]].date)
            for i in range(1, len(runs))
        ]
        return True, changes
    middle = statistics.median(amounts)
    if middle and all(abs(a - middle) <= middle * SIMILAR for a in amounts):
        return False, []
    return None


def detect_series(rows: Iterable[Row], *, today: datetime.date) -> list[Series]:
    """Series in money-out rows; one-offs, irregular spending and stopped series are left out."""
    groups: dict[tuple[int, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if row.amount >= 0:
            continue
        key = normalise_payee(row.payee)
        if key:
            groups[(row.account_id, row.currency, key)].append(row)
    found = []
    for (account_id, currency, key), members in groups.items():
        members.sort(key=lambda r: (r.date, r.id))
        if len(members) < 2:
            continue
        intervals = [(b.date - a.date).days for a, b in zip(members, members[1:], strict=False)]
        if min(intervals) == 0:
            continue
        frequency = _frequency(intervals)
        if frequency is None:
            continue
        name, days, per_year = frequency
        if len(members) < (2 if name == "yearly" else 3):
            continue
        prices = _prices(members)
        if prices is None:
            continue
        fixed, changes = prices
        last = members[-1]
        if (today - last.date).days > days * 1.5 + 5:  # stopped
            continue
        if name in ("monthly", "quarterly", "yearly"):
            months = {"monthly": 1, "quarterly": 3, "yearly": 12}[name]
            upcoming = add_months(last.date, months)
        else:
            upcoming = last.date + datetime.timedelta(days=int(days))
        found.append(
            Series(
                key=key,
                payee=Counter(r.payee for r in members).most_common(1)[0][0],
                account_id=account_id,
                category_id=Counter(r.category_id for r in members).most_common(1)[0][0],
                currency=currency,
                frequency=name,
                amount=last.amount,
                fixed=fixed,
                count=len(members),
                first_date=members[0].date,
                last_date=last.date,
                next_date=upcoming,
                per_year=per_year,
                price_changes=changes,
                payments=tuple((r.id, r.date) for r in members),
            )
        )
    found.sort(key=lambda s: (-s.yearly_cost, s.payee.lower()))
    return found


HISTORY_DAYS = 460  # 15 months: a yearly bill shows twice
SERIES_CACHE_SECONDS = 60 * 60 * 24


@dataclass
class Detected:
    """The series in a user's history, and the parent of each category they are filed in
    (a budget on "Housing" counts a series filed under "Rent")."""

    series: list[Series]
    parents: dict[int, int | None]
    # The first money out in those months: where the user's ledger begins, as far as the
    # budgets' history goes.
    first_day: datetime.date | None = None


def series_detect(*, user, today: datetime.date | None = None) -> Detected:
    """Every series in the user's last 15 months, tracked or not: one query, cached per user
    and day until their ledger changes (the change stamp is in the key)."""
    from ledger.filters import user_today
    from ledger.models import Transaction

    today = today or user_today(user)[0]
    key = f"budgets:series:v2:{user.pk}:{today}:{changes.user_stamp(user_id=user.pk)}"
    found = cache.get(key)
    if found is not None:
        return found
    rows = (
        Transaction.objects.for_user(user)
        .filter(date__gte=today - datetime.timedelta(days=HISTORY_DAYS), date__lte=today)
        .filter(amount__lt=0, transfer__isnull=True)
        .order_by()
        .values_list(
            "id", "date", "amount", "payee", "account_id", "category_id", "account__currency",
            "category__parent_id",
        )
    )  # fmt: skip
    parents: dict[int, int | None] = {}
    history = []
    for *row, parent_id in rows:
        history.append(Row(*row))
        if row[5] is not None:
            parents[row[5]] = parent_id
    series = detect_series(history, today=today)
    used = {s.category_id for s in series}
    found = Detected(
        series=series,
        parents={k: v for k, v in parents.items() if k in used},
        first_day=min((row.date for row in history), default=None),
    )
    cache.set(key, found, SERIES_CACHE_SECONDS)
    return found


def is_tracked(series: Series, tracked: Iterable[tuple[int, str]]) -> bool:
    """Whether one of the (account id, payee) of active recurring items follows the series."""
    return any(a == series.account_id and payees_similar(p, series.payee) for a, p in tracked)


def subscriptions_detect(*, user, today: datetime.date | None = None) -> list[Series]:
    """The user's subscriptions found in the last 15 months that no active recurring item
    tracks yet (two queries, one when the detection is cached)."""
    from budgets.models import RecurringItem

    series = series_detect(user=user, today=today).series
    tracked = list(RecurringItem.objects.for_user(user).active().values_list("account_id", "payee"))
    return [s for s in series if not is_tracked(s, tracked)]
