"""Change stamps: which of a user's months changed, so cached aggregates know when to rebuild.

Readers (the dashboard, reports) cache month aggregates under a key that includes the
month's stamp; any write that touches a month bumps its stamp, so the next page load sees
the change. Row saves and deletes stamp themselves (signals below); bulk writes
(bulk_create, bulk_update, QuerySet.update) must call `ledger_touched` with the dates they
touched. The stamps live in the cache: losing them only means rebuilding aggregates.
"""

import datetime
from collections.abc import Iterable

from django.core.cache import caches
from django.db import connection, transaction
from django.utils.connection import ConnectionProxy

STAMP_TIMEOUT = 60 * 60 * 24 * 30
# Stamps must be seen alike by every process (web and worker): the "shared" cache. A proxy,
# like django.core.cache.cache, so it follows the CACHES setting if that changes.
cache = ConnectionProxy(caches, "shared")


def _month_key(user_id: int, month: datetime.date) -> str:
    return f"ledger:stamp:{user_id}:{month:%Y-%m}"


def _user_key(user_id: int) -> str:
    return f"ledger:stamp:{user_id}:all"


def ledger_touched(*, user_id: int, dates: Iterable[datetime.date | None]) -> None:
    """Mark the calendar months of `dates` (and the user as a whole) as changed.

    Inside a database transaction the marks are collected and applied once, on commit (a
    bulk delete of 100k rows stamps each month once, and a rollback stamps nothing).
    """
    months = {d.replace(day=1) for d in dates if d is not None}
    if not connection.in_atomic_block:
        _bump(user_id, months)
        return
    # Join the user's flush already waiting for this commit; a rolled-back transaction
    # took its callbacks with it, so then a new one is registered.
    for _savepoints, func, _robust in reversed(connection.run_on_commit):
        if isinstance(func, _Flush) and not func.done and func.user_id == user_id:
            func.months |= months
            return
    transaction.on_commit(_Flush(user_id, months))


class _Flush:
    """Applies one user's marks when the transaction commits."""

    __slots__ = ("done", "months", "user_id")

    def __init__(self, user_id: int, months: set[datetime.date]) -> None:
        self.user_id, self.months, self.done = user_id, set(months), False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            _bump(self.user_id, self.months)


def _bump(user_id: int, months: set[datetime.date]) -> None:
    for key in [_user_key(user_id)] + [_month_key(user_id, m) for m in months]:
        try:
            cache.incr(key)
        except ValueError:  # not there yet (or evicted): any fresh value is a new stamp
            cache.set(key, _fresh(), STAMP_TIMEOUT)


def _fresh() -> int:
    # Unique across evictions: a stamp that vanished must not come back with an old value.
    return int(datetime.datetime.now().timestamp() * 1_000_000)


def stamps(*, user_id: int, months: Iterable[datetime.date]) -> dict[datetime.date, int]:
    """The current stamp of each calendar month (created on first use)."""
    months = [m.replace(day=1) for m in months]
    keys = {_month_key(user_id, m): m for m in months}
    found = cache.get_many(list(keys))
    missing = {k: _fresh() for k in keys if k not in found}
    if missing:
        cache.set_many(missing, STAMP_TIMEOUT)
        found.update(missing)
    return {keys[k]: v for k, v in found.items()}


def user_stamp(*, user_id: int) -> int:
    value = cache.get(_user_key(user_id))
    if value is None:
        value = _fresh()
        cache.set(_user_key(user_id), value, STAMP_TIMEOUT)
    return value


def on_transaction_saved(sender, instance, **kwargs) -> None:
    dates = [instance.date]
    previous = getattr(instance, "_loaded_date", None)
    if previous and previous != instance.date:
        dates.append(previous)
    ledger_touched(user_id=instance.user_id, dates=dates)


def on_transaction_loaded(sender, instance, **kwargs) -> None:
    # Remember the date as loaded, so moving a transaction to another month stamps both.
    instance._loaded_date = instance.__dict__.get("date")
