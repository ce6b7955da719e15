import datetime
import zoneinfo

import time_machine
from django.core import mail

from budgets.models import BudgetAlert, Notification
from budgets.services.alerts import budget_alerts_check, queue_budget_alerts
from budgets.services.budgets import budget_create, budget_settings_update
from budgets.tasks import budget_alerts_sweep
from tests.ledger.factories import make_transaction

D = datetime.date
UTC = zoneinfo.ZoneInfo("UTC")


def at(day):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False
    )


def test_each_threshold_alerts_once_per_period(alice, checking, food):
    with at(D(2025, 3, 10)):
        budget = budget_create(user=alice, category=food, amount="100")
        make_transaction(checking, amount="-50", category=food, date=D(2025, 3, 2))
        assert budget_alerts_check(user=alice) == []
        make_transaction(checking, amount="-31", category=food, date=D(2025, 3, 3))
        first = budget_alerts_check(user=alice)
        for _ in range(3):  # more transactions, more checks: no repeat
            make_transaction(checking, amount="-1", category=food, date=D(2025, 3, 4))
            assert budget_alerts_check(user=alice) == []
        make_transaction(checking, amount="-20", category=food, date=D(2025, 3, 5))
        second = budget_alerts_check(user=alice)
        assert budget_alerts_check(user=alice) == []
    assert [n.title for n in first] == ["Food: 80% of the budget spent"]
    assert [n.title for n in second] == ["Food: over budget"]
    assert "$104.00 of $100.00" in second[0].body
    assert second[0].url == f"/budgets/{budget.pk}/"
    assert set(BudgetAlert.objects.values_list("threshold", flat=True)) == {80, 100}
    with at(D(2025, 4, 10)):  # a new period alerts again
        make_transaction(checking, amount="-90", category=food, date=D(2025, 4, 2))
        assert len(budget_alerts_check(user=alice)) == 1
    assert Notification.objects.for_user(alice).count() == 3


def test_crossing_two_thresholds_at_once_sends_one_notification(alice, checking, food):
    with at(D(2025, 3, 10)):
        budget_create(user=alice, category=food, amount="100")
        make_transaction(checking, amount="-150", category=food, date=D(2025, 3, 2))
        created = budget_alerts_check(user=alice)
    assert len(created) == 1
    assert BudgetAlert.objects.count() == 2


def test_thresholds_and_email_follow_the_users_settings(
    alice, checking, food, django_capture_on_commit_callbacks
):
    budget_settings_update(user=alice, thresholds=[50], email_alerts=True)
    with at(D(2025, 3, 10)):
        budget_create(user=alice, category=food, amount="100")
        make_transaction(checking, amount="-55", category=food, date=D(2025, 3, 2))
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            created = budget_alerts_check(user=alice)
        assert mail.outbox == []  # the email waits for the commit
        for callback in callbacks:
            callback()
    assert [n.title for n in created] == ["Food: 50% of the budget spent"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    assert "Food: 50% of the budget spent" in mail.outbox[0].body


def test_no_email_unless_opted_in(alice, checking, food, django_capture_on_commit_callbacks):
    with at(D(2025, 3, 10)):
        budget_create(user=alice, category=food, amount="100")
        make_transaction(checking, amount="-100", category=food, date=D(2025, 3, 2))
        with django_capture_on_commit_callbacks(execute=True):
            assert len(budget_alerts_check(user=alice)) == 1
    assert mail.outbox == []


def test_the_task_runs_after_commit_and_the_sweep_covers_everyone(
    alice, bob, checking, food, bob_account, bob_category, django_capture_on_commit_callbacks
):
    with at(D(2025, 3, 10)):
        budget_create(user=alice, category=food, amount="100")
        budget_create(user=bob, category=bob_category, amount="10")
        make_transaction(checking, amount="-90", category=food, date=D(2025, 3, 2))
        make_transaction(bob_account, amount="-10", category=bob_category, date=D(2025, 3, 2))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            queue_budget_alerts(user_id=alice.pk)
        assert len(callbacks) == 1
        assert Notification.objects.for_user(alice).count() == 1
        assert budget_alerts_sweep() == 1  # bob's; alice's already sent
    assert Notification.objects.for_user(bob).count() == 1


def test_an_archived_budget_does_not_alert(alice, checking, food):
    with at(D(2025, 3, 10)):
        budget = budget_create(user=alice, category=food, amount="100")
        budget.is_archived = True
        budget.save()
        make_transaction(checking, amount="-200", category=food, date=D(2025, 3, 2))
        assert budget_alerts_check(user=alice) == []


def test_a_new_budget_already_passed_alerts_after_commit(
    alice, checking, food, django_capture_on_commit_callbacks
):
    with at(D(2025, 3, 10)):
        make_transaction(checking, amount="-95", category=food, date=D(2025, 3, 2))
        with django_capture_on_commit_callbacks(execute=True):
            budget_create(user=alice, category=food, amount="100")
    assert [n.title for n in Notification.objects.for_user(alice)] == [
        "Food: 80% of the budget spent"
    ]
