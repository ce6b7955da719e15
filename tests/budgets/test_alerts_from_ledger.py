"""A purchase added by hand that passes a budget's threshold rings the bell after commit."""

import pytest

from budgets.models import Notification
from budgets.services.budgets import budget_create
from insights.periods import current_pay_month
from ledger.services.transactions import transaction_create, transactions_bulk_update_category
from tests.ledger.factories import make_account, make_category, make_transaction


@pytest.fixture
def food_budget(alice):
    food = make_category(alice, name="Food")
    budget_create(user=alice, amount="100", category=food)
    return food


def test_a_manual_purchase_over_the_limit_notifies_once(
    alice, food_budget, django_capture_on_commit_callbacks
):
    account = make_account(alice)
    _, today, _ = current_pay_month(alice)
    with django_capture_on_commit_callbacks(execute=True):
        transaction_create(
            user=alice, account=account, date=today, amount="-85", category=food_budget
        )
    assert Notification.objects.filter(user=alice).count() == 1  # the 80% threshold
    with django_capture_on_commit_callbacks(execute=True):
        transaction_create(
            user=alice, account=account, date=today, amount="-30", category=food_budget
        )
        transaction_create(
            user=alice, account=account, date=today, amount="-1", category=food_budget
        )
    assert Notification.objects.filter(user=alice).count() == 2  # 100%, once


def test_recategorizing_in_bulk_checks_the_budgets_too(
    alice, food_budget, django_capture_on_commit_callbacks
):
    account = make_account(alice)
    _, today, _ = current_pay_month(alice)
    row = make_transaction(account, amount="-150", date=today)
    with django_capture_on_commit_callbacks(execute=True):
        transactions_bulk_update_category(user=alice, ids=[row.pk], category=food_budget)
    (note,) = Notification.objects.filter(user=alice)  # straight past 100%: one alert
    assert "over budget" in note.title
