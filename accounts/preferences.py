"""The signed-in user's display preferences, active for one request.

Like `django.utils.timezone.activate`: `PreferencesMiddleware` (accounts/middleware.py) sets
the user's number format here for the request, and the formatters of ledger/money.py read it.
Outside a request (emails, tasks, management commands) and in the API, the default holds.
"""

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_NUMBER_FORMAT = "en"

_number_format: ContextVar[str] = ContextVar("number_format", default=DEFAULT_NUMBER_FORMAT)


def get_number_format() -> str:
    """The number format in effect: the signed-in user's during a page request, else "en"."""
    return _number_format.get()


@contextmanager
def override_number_format(number_format: str | None) -> Iterator[None]:
    """Write numbers in `number_format` inside the block (None: the default)."""
    token = _number_format.set(number_format or DEFAULT_NUMBER_FORMAT)
    try:
        yield
    finally:
        _number_format.reset(token)


def zone_or_none(name: str) -> zoneinfo.ZoneInfo | None:
    """The time zone called `name`, or None for a name this machine does not know."""
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
