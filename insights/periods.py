"""Pay months: a user's month starts on their payday (Profile.month_start_day, 1-28).

The pay month named "November 2026" runs from 2026-11-<payday> up to 2026-12-<payday>.
"""

import datetime

from ledger.filters import add_months, user_today

# Years a page may ask for: wide enough for any real history, and far enough from the ends of
# the calendar that a year of months either side never overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def month_start(year: int, month: int, payday: int) -> datetime.date:
    return datetime.date(year, month, max(1, min(payday, 28)))


def pay_month_of(day: datetime.date, payday: int) -> datetime.date:
    """The start of the pay month that contains `day`."""
    start = month_start(day.year, day.month, payday)
    return add_months(start, -1) if day < start else start


def next_month(start: datetime.date) -> datetime.date:
    return add_months(start, 1)


def shift(start: datetime.date, months: int) -> datetime.date:
    return add_months(start, months)


def current_pay_month(user) -> tuple[datetime.date, datetime.date, int]:
    """(start of the user's current pay month, today, payday) in the user's timezone."""
    today, payday = user_today(user)
    return pay_month_of(today, payday), today, payday


def parse_month(value: str | None, payday: int) -> datetime.date | None:
    """'2026-11' -> the start of that pay month; None for anything unreadable."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return None
        return month_start(year, month, payday)
    except ValueError:
        return None


def calendar_months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The calendar months (first days) that [start, end) overlaps."""
    months, cursor = [], start.replace(day=1)
    while cursor < end:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    return months
