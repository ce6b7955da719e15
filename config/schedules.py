"""Every periodic task of Billfold, declared in one place and created idempotently.

To add one, append a ``Periodic`` to ``SCHEDULES`` with a name starting "billfold:" and the
task's dotted path; `manage.py billfold_setup` (run by `make run`, the Docker entrypoint and
the Procfile release step) creates or updates the django-q2 Schedule rows. A schedule that is
removed from this list is deleted from the database the next time it runs.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django_q.models import Schedule

PREFIX = "billfold:"


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    schedule_type: str  # Schedule.MINUTES, HOURLY, DAILY, WEEKLY, MONTHLY, CRON, ...
    minutes: int | None = None  # with Schedule.MINUTES
    cron: str | None = None  # with Schedule.CRON, e.g. "0 6 * * *" (server time zone)
    kwargs: dict[str, Any] = field(default_factory=dict)
    # False keeps frequent, uneventful runs out of the Successful tasks list; failures are
    # always recorded.
    save_results: bool = True


SCHEDULES: list[Periodic] = [
    Periodic(
        name="billfold:heartbeat",
        func="config.tasks.heartbeat",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        save_results=False,
    ),
    # The AI summary of each user's month, once the month has closed (only with an LLM).
    Periodic(
        name="billfold:ai-summaries",
        func="insights.tasks.summaries_for_closed_months",
        schedule_type=Schedule.DAILY,
        save_results=False,
    ),
    # Each bank item syncs every BANK_SYNC_INTERVAL_HOURS; this only looks for due ones.
    Periodic(
        name="billfold:bank-sync-due",
        func="banking.tasks.bank_sync_due",
        schedule_type=Schedule.MINUTES,
        minutes=15,
        save_results=False,
    ),
    # Posts due recurring bills; catches up on days missed. Idempotent: safe to run often.
    Periodic(
        name="billfold:recurring-post",
        func="budgets.tasks.recurring_post_due",
        schedule_type=Schedule.HOURLY,
    ),
    # Safety net for budget alerts (they are also queued after imports, syncs and edits).
    Periodic(
        name="billfold:budget-alerts",
        func="budgets.tasks.budget_alerts_sweep",
        schedule_type=Schedule.DAILY,
    ),
]


@dataclass(frozen=True)
class SchedulesResult:
    created: list[str]
    updated: list[str]
    removed: list[str]


def _fields(periodic: Periodic) -> dict[str, Any]:
    kwargs = dict(periodic.kwargs)
    if not periodic.save_results:
        kwargs["q_options"] = {**kwargs.get("q_options", {}), "save": False}
    return {
        "func": periodic.func,
        "schedule_type": periodic.schedule_type,
        "minutes": periodic.minutes,
        "cron": periodic.cron,
        "args": None,
        "kwargs": repr(kwargs) if kwargs else None,
        "repeats": -1,
    }


@transaction.atomic
def ensure_schedules(*, schedules: list[Periodic] | None = None) -> SchedulesResult:
    """Create or update the Schedule row of every declared task; delete retired ones."""
    schedules = SCHEDULES if schedules is None else schedules
    names = [periodic.name for periodic in schedules]
    if len(set(names)) != len(names):
        raise ValueError(f"Schedule names must be unique: {names}")
    created, updated = [], []
    for periodic in schedules:
        if not periodic.name.startswith(PREFIX):
            raise ValueError(f"Schedule name {periodic.name!r} must start with {PREFIX!r}.")
        wanted = _fields(periodic)
        row = Schedule.objects.filter(name=periodic.name).first()
        if row is None:
            Schedule.objects.create(name=periodic.name, **wanted)
            created.append(periodic.name)
        elif any(getattr(row, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(row, key, value)
            row.save()
            updated.append(periodic.name)
    retired = Schedule.objects.filter(name__startswith=PREFIX).exclude(name__in=names)
    removed = sorted(retired.values_list("name", flat=True))
    retired.delete()
    return SchedulesResult(created=created, updated=updated, removed=removed)
