"""Budget periods (weeks from the user's first weekday, months from their payday) and the
dates a recurring item falls on. Pure functions of dates: no database."""

import calendar
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from insights.periods import next_month, pay_month_of, shift
from ledger.filters import add_months, user_today

WEEK = "week"
MONTH = "month"


@dataclass(frozen=True)
class Calendar:
    """What decides a user's periods: today (in their timezone), payday, first weekday."""

    today: datetime.date
    payday: int = 1
    week_start: int = 0  # Python weekday: 0 Monday, 5 Saturday, 6 Sunday

    def period(
        self, kind: str, day: datetime.date | None = None
    ) -> tuple[datetime.date, datetime.date]:
        """(start, end) of the week or pay month containing `day` (today by default); end
        exclusive."""
        day = day or self.today
        if kind == WEEK:
            start = day - datetime.timedelta(days=(day.weekday() - self.week_start) % 7)
            return start, start + datetime.timedelta(days=7)
        start = pay_month_of(day, self.payday)
        return start, next_month(start)

    def step(self, kind: str, start: datetime.date, count: int) -> datetime.date:
        """The start of the period `count` periods after (or before) the one at `start`."""
        if kind == WEEK:
            return start + datetime.timedelta(days=7 * count)
        return shift(start, count)

    def periods(self, kind: str, count: int) -> list[tuple[datetime.date, datetime.date]]:
        """The last `count` periods, oldest first, ending with the current one."""
        current, _ = self.period(kind)
        starts = [self.step(kind, current, -n) for n in range(count - 1, -1, -1)]
        return [(s, self.step(kind, s, 1)) for s in starts]


def user_calendar(user) -> Calendar:
    today, payday = user_today(user)
    profile = getattr(user, "profile", None)
    return Calendar(
        today=today, payday=payday, week_start=getattr(profile, "first_day_of_week", 0) or 0
    )


def _month_day(year: int, month: int, day: int | None, last: bool) -> datetime.date:
    length = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, length if last or day is None else min(day, length))


def occurrence_dates(
    *,
    frequency: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    day_of_month: int | None = None,
    last_day: bool = False,
    since: datetime.date,
    until: datetime.date,
) -> Iterator[datetime.date]:
    """The dates of a schedule from `since` up to and including `until`.

    Monthly and quarterly items fall on `day_of_month` (the start's day by default); a day
    the month does not have (31 in April, 30 in February) falls on the month's last day.
    Yearly items keep the start's month and day (29 February falls on the 28th otherwise).
    """
    stop = min(until, end_date) if end_date else until
    if frequency in ("weekly", "biweekly"):
        step = 7 if frequency == "weekly" else 14
        skip = max(0, (since - start_date).days // step)
        day = start_date + datetime.timedelta(days=skip * step)
        while day <= stop:
            if day >= since:
                yield day
            day += datetime.timedelta(days=step)
        return
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency]
    anchor = start_date.replace(day=1)
    wanted_day = start_date.day if day_of_month is None and frequency == "yearly" else day_of_month
    wanted_day = wanted_day or start_date.day
    skip = max(0, ((since.year - anchor.year) * 12 + since.month - anchor.month) // months - 1)
    index = skip
    while True:
        month = add_months(anchor, index * months)
        day = _month_day(month.year, month.month, wanted_day, last_day and frequency != "yearly")
        if day > stop:
            return
        if day >= since and day >= start_date:
            yield day
        index += 1
