import datetime
import zoneinfo

import time_machine
from django.utils.module_loading import import_string
from django_q.tasks import async_task

from budgets.models import Notification
from budgets.services.budgets import budget_create
from budgets.services.recurring import recurring_create
from config.schedules import SCHEDULES
from ledger.models import Transaction
from tests.ledger.factories import make_transaction

D = datetime.date
UTC = zoneinfo.ZoneInfo("UTC")


def test_the_budgets_schedules_are_declared_and_importable(db):
    ours = {p.name: p.func for p in SCHEDULES if p.func.startswith("budgets.")}
    assert ours == {
        "billfold:recurring-post": "budgets.tasks.recurring_post_due",
        "billfold:budget-alerts": "budgets.tasks.budget_alerts_sweep",
    }
    for func in ours.values():
        assert import_string(func)() == 0  # nothing to do, nothing done


def test_the_tasks_work_through_django_q_by_dotted_path(alice, checking, food):
    with time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=UTC), tick=False):
        recurring_create(user=alice, payee="Gym", amount="-30", account=checking,
                         start_date=D(2025, 3, 1), auto_post=True)  # fmt: skip
        budget_create(user=alice, category=food, amount="10")
        make_transaction(checking, amount="-9", category=food, date=D(2025, 3, 2))
        async_task("budgets.tasks.recurring_post_due", "2025-04-01", sync=True)
        async_task("budgets.tasks.budget_alerts_check", alice.pk, sync=True)
        async_task("budgets.tasks.budget_alerts_check", 987654, sync=True)  # no such user
    # Made on the 10th: only April's date is posted, never the 1 March before it.
    assert list(Transaction.objects.filter(source="recurring").values_list("date", flat=True)) == [
        D(2025, 4, 1)
    ]
    assert Notification.objects.for_user(alice).count() == 1
