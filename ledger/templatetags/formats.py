"""`{% load formats %}`: the one way pages write dates and counts for people.

Dates, in lists and sentences alike: `{{ d|day }}` -> "6 Dec 2026"; `{{ d|day_month }}` ->
"6 Dec" where the year is plain from the page (a month's dashboard, a column with the year
under the day); `{{ dt|day_time }}` -> "6 Dec 2026, 14:05", in the current time zone. A date
kept as an ISO string (an import's preview rows, stored as JSON) is read too. Form values,
`<time datetime>`, CSV and the API stay ISO 8601.

Counts of rows: `{% count n %}` -> "5,500", grouped as the active number format (the
signed-in user's, Settings; see ledger/templatetags/money.py) groups amounts: "5.500",
"5 500", "5'500".
"""

import datetime

from django import template
from django.template.defaultfilters import date as date_filter

from ledger.money import format_count

register = template.Library()

DAY = "j M Y"
DAY_MONTH = "j M"
DAY_TIME = "j M Y, H:i"


def _readable(value, fmt: str) -> str:
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            return value  # not a date after all: shown as it is, never hidden
        if fmt != DAY_TIME:
            value = value.date()
    if value is None or value == "":
        return ""
    return date_filter(value, fmt)


@register.filter(expects_localtime=True)
def day(value) -> str:
    """6 Dec 2026."""
    return _readable(value, DAY)


@register.filter(expects_localtime=True)
def day_month(value) -> str:
    """6 Dec: only where the page already says which year."""
    return _readable(value, DAY_MONTH)


@register.filter(expects_localtime=True)
def day_time(value) -> str:
    """6 Dec 2026, 14:05 (a moment, in the current time zone)."""
    return _readable(value, DAY_TIME)


@register.simple_tag
def count(value) -> str:
    """A count of rows, grouped in the active number format: 5500 -> 5,500."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    return format_count(number)
