import datetime

import pytest

from accounts.models import Profile
from ledger.filters import TransactionFilterSet, period_bounds
from ledger.models import Transaction
from tests.ledger.factories import make_transaction

D = datetime.date


@pytest.mark.parametrize(
    ("period", "today", "start_day", "expected"),
    [
        ("month", D(2025, 3, 15), 1, (D(2025, 3, 1), D(2025, 4, 1))),
        ("last-month", D(2025, 1, 15), 1, (D(2024, 12, 1), D(2025, 1, 1))),
        ("quarter", D(2025, 5, 31), 1, (D(2025, 4, 1), D(2025, 7, 1))),
        ("last-quarter", D(2025, 2, 1), 1, (D(2024, 10, 1), D(2025, 1, 1))),
        ("year", D(2025, 5, 31), 1, (D(2025, 1, 1), D(2026, 1, 1))),
        ("last-year", D(2025, 5, 31), 1, (D(2024, 1, 1), D(2025, 1, 1))),
        ("payday-month", D(2025, 3, 10), 25, (D(2025, 2, 25), D(2025, 3, 25))),
        ("payday-month", D(2025, 3, 25), 25, (D(2025, 3, 25), D(2025, 4, 25))),
        ("last-payday-month", D(2025, 1, 10), 25, (D(2024, 11, 25), D(2024, 12, 25))),
    ],
)
def test_period_bounds(period, today, start_day, expected):
    assert period_bounds(period, today=today, month_start_day=start_day) == expected


def test_the_payday_month_follows_the_users_profile(alice, checking, time_machine):
    time_machine.move_to(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC))
    Profile.objects.update_or_create(user=alice, defaults={"month_start_day": 25})
    alice.refresh_from_db()
    inside = make_transaction(checking, date=D(2025, 2, 25))
    make_transaction(checking, date=D(2025, 2, 24))
    filterset = TransactionFilterSet(
        {"period": "payday-month"}, queryset=Transaction.objects.for_user(alice), user=alice
    )
    assert list(filterset.qs) == [inside]


def test_the_filterset_works_without_a_request_for_exports_and_tasks(alice, checking):
    make_transaction(checking, payee="Coffee Shop", notes="")
    make_transaction(checking, payee="Bakery", notes="coffee beans")
    make_transaction(checking, payee="Books")
    filterset = TransactionFilterSet(
        {"q": "coffee", "account": [str(checking.pk)], "ordering": "payee"},
        queryset=Transaction.objects.for_user(alice),
        user=alice,
    )
    assert filterset.is_valid(), filterset.errors
    assert [t.payee for t in filterset.qs] == ["Bakery", "Coffee Shop"]


def test_sorting_by_amount_keeps_a_stable_order(alice_client, checking):
    a = make_transaction(checking, amount="-5")
    b = make_transaction(checking, amount="-5")
    c = make_transaction(checking, amount="-50")
    qs = TransactionFilterSet(
        {"ordering": "amount"}, queryset=Transaction.objects.all(), user=checking.user
    ).qs
    assert list(qs) == [c, a, b]
