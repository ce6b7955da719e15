"""The forecast early in a period: the pace so far blended with what the budget's spending
usually comes to over the last complete periods (13 weeks, or 3 pay months), and the health
that follows from it."""

import datetime
from decimal import Decimal

import pytest

from budgets.selectors import budget_status
from budgets.services.budgets import budget_create
from tests.budgets.test_status import D, at
from tests.ledger.factories import make_category, make_transaction

MONDAY = D(2025, 12, 8)  # the first day of a week (alice's weeks start on Monday)
# About $10 a week of coffee in the three weeks before, on no regular day or amount, in a
# ledger that began with a pay day on the first of them.
COFFEE_HISTORY = [
    (D(2025, 11, 18), "4.60", "Bean There"), (D(2025, 11, 21), "5.40", "Daily Grind"),
    (D(2025, 11, 24), "3.90", "Corner Cafe"), (D(2025, 11, 29), "6.10", "Bean There"),
    (D(2025, 12, 2), "5.25", "Kiosk"), (D(2025, 12, 6), "4.75", "Daily Grind"),
]  # fmt: skip


@pytest.fixture
def coffee(alice):
    return make_category(alice, name="Coffee")


def add_coffee_history(alice, checking, coffee) -> None:
    """Three weeks of coffee (30.00), the whole of the user's ledger before this week."""
    salary = make_category(alice, name="Salary", kind="income")
    make_transaction(checking, amount="2500", payee="Payroll", category=salary,
                     date=D(2025, 11, 17))  # fmt: skip
    for day, amount, payee in COFFEE_HISTORY:
        make_transaction(checking, amount=f"-{amount}", payee=payee, category=coffee, date=day)


@pytest.fixture
def coffee_history(alice, checking, coffee) -> None:
    add_coffee_history(alice, checking, coffee)


def weekly_coffee(alice, coffee):
    return budget_create(user=alice, category=coffee, amount="12", period="week")


def test_one_coffee_on_the_first_day_of_a_week_is_on_track_with_its_usual_10_a_week(
    alice, checking, coffee, coffee_history
):
    with at(MONDAY):
        budget = weekly_coffee(alice, coffee)
        make_transaction(checking, amount="-5.58", payee="Bean There", category=coffee,
                         date=MONDAY)  # fmt: skip
        status = budget_status(user=alice, budget=budget)
    assert (status.usual, status.history_periods) == (Decimal("10"), 3)
    assert status.share_passed == 0
    # At the pace of day 1 alone it would be 5.58 * 7 = 39.06: the usual week decides.
    assert status.forecast == Decimal("10.00")
    assert status.health == "on-track"


def test_a_week_learns_from_13_weeks_so_a_few_heavy_ones_do_not_decide(alice, checking, coffee):
    for week in range(1, 14):  # 8 a week, but 16 in each of the last three
        monday = MONDAY - datetime.timedelta(weeks=week)
        for day, amount in enumerate(["4", "4"] if week > 3 else ["5", "6", "5"]):
            date = monday + datetime.timedelta(days=2 * day)
            make_transaction(checking, amount=f"-{amount}", payee=f"Cafe {week}-{day}",
                             category=coffee, date=date)  # fmt: skip
    with at(MONDAY):
        budget = weekly_coffee(alice, coffee)
        make_transaction(checking, amount="-5.58", payee="Bean There", category=coffee,
                         date=MONDAY)  # fmt: skip
        status = budget_status(user=alice, budget=budget)
    assert status.history_periods == 13
    # 128 in 13 weeks, where the last 3 weeks alone say 16 a week.
    assert status.usual.quantize(Decimal("0.01")) == Decimal("9.85")
    assert (status.forecast, status.health) == (Decimal("9.85"), "on-track")


def test_the_pace_weighs_more_as_the_week_goes_on(alice, checking, coffee, coffee_history):
    with at(MONDAY):
        budget = weekly_coffee(alice, coffee)
        make_transaction(checking, amount="-5.58", payee="Bean There", category=coffee,
                         date=MONDAY)  # fmt: skip
    forecasts = []
    for day in range(7):
        with at(MONDAY + datetime.timedelta(days=day)):
            forecasts.append(budget_status(user=alice, budget=budget).forecast)
    # Tuesday: 19.53 at the pace * 1/6 + 10 usual * 5/6; Sunday: the pace alone, 5.58.
    assert forecasts[1] == Decimal("11.59")
    assert forecasts[-1] == Decimal("5.58")
    assert all(f <= Decimal("12") for f in forecasts)


def test_a_week_spending_far_faster_than_usual_is_at_risk_mid_week(
    alice, checking, coffee, coffee_history
):
    with at(MONDAY + datetime.timedelta(days=2)):  # Wednesday: a third of the week passed
        budget = weekly_coffee(alice, coffee)
        for day, amount in [(0, "3.10"), (1, "2.90"), (2, "3.00")]:
            make_transaction(checking, amount=f"-{amount}", payee="Kiosk", category=coffee,
                             date=MONDAY + datetime.timedelta(days=day))  # fmt: skip
        status = budget_status(user=alice, budget=budget)
    # 9 in 3 days is 21 a week: 21 * 1/3 + 10 usual (9 spent already) * 2/3.
    assert status.forecast == Decimal("13.67")
    assert status.health == "at-risk"


def test_a_month_spending_too_fast_is_at_risk_and_one_at_its_usual_pace_is_not(
    alice, checking, food
):
    salary = make_category(alice, name="Salary", kind="income")
    make_transaction(checking, amount="2500", category=salary, date=D(2025, 1, 1))
    for month in (1, 2, 3):  # 300 a month in the three months before April
        for day in (4, 13, 22):
            make_transaction(checking, amount="-100", payee=f"Market {day}", category=food,
                             date=D(2025, month, day))  # fmt: skip
    with at(D(2025, 4, 16)):  # day 16 of 30: the pace weighs 15/29
        budget = budget_create(user=alice, category=food, amount="400")
        make_transaction(checking, amount="-160", payee="Market", category=food,
                         date=D(2025, 4, 2))  # fmt: skip
        steady = budget_status(user=alice, budget=budget)
        make_transaction(checking, amount="-170", payee="Deli", category=food, date=D(2025, 4, 9))
        fast = budget_status(user=alice, budget=budget)
    assert steady.usual == Decimal("300")  # 900 over the 90 days, for 30 days
    assert (steady.forecast, steady.health) == (Decimal("300.00"), "on-track")
    # 330 by day 16 is 618.75 at its pace: * 15/29 + 330 * 14/29.
    assert (fast.forecast, fast.health) == (Decimal("479.35"), "at-risk")


def test_without_history_day_1_is_not_at_risk_on_its_pace_alone(alice, checking, coffee):
    with at(MONDAY):
        budget = weekly_coffee(alice, coffee)
        make_transaction(checking, amount="-5.58", payee="Bean There", category=coffee,
                         date=MONDAY)  # fmt: skip
        status = budget_status(user=alice, budget=budget)
    assert (status.usual, status.history_periods) == (None, 0)
    assert status.forecast == Decimal("39.06")  # the pace so far is all there is
    assert status.health == "on-track"
    with at(MONDAY + datetime.timedelta(days=2)):  # a third of the week: the pace counts
        status = budget_status(user=alice, budget=budget)
    assert (status.forecast, status.health) == (Decimal("13.02"), "at-risk")


def test_without_history_day_1_is_at_risk_once_80_percent_is_spent(alice, checking, coffee):
    with at(MONDAY):
        budget = weekly_coffee(alice, coffee)
        make_transaction(checking, amount="-9.50", category=coffee, date=MONDAY)
        assert budget_status(user=alice, budget=budget).health == "on-track"  # 79%
        make_transaction(checking, amount="-0.10", category=coffee, date=MONDAY)
        assert budget_status(user=alice, budget=budget).health == "at-risk"  # 80%


@pytest.mark.parametrize("history", [True, False])
def test_spent_over_the_limit_is_over_whatever_the_history(
    alice, checking, coffee, history, request
):
    if history:
        request.getfixturevalue("coffee_history")
    with at(MONDAY):
        budget = weekly_coffee(alice, coffee)
        make_transaction(checking, amount="-12.01", category=coffee, date=MONDAY)
        status = budget_status(user=alice, budget=budget)
    assert (status.usual is not None) is history
    assert status.health == "over"


def test_history_starts_where_the_ledger_does(alice, checking, coffee, food):
    # The ledger began 10 days before this week: enough for a week's history, not a month's.
    make_transaction(checking, amount="-4", payee="Bean There", category=coffee,
                     date=MONDAY - datetime.timedelta(days=10))  # fmt: skip
    make_transaction(checking, amount="-6", payee="Kiosk", category=coffee,
                     date=MONDAY - datetime.timedelta(days=3))  # fmt: skip
    with at(MONDAY):
        weekly = budget_status(user=alice, budget=weekly_coffee(alice, coffee))
        monthly = budget_status(user=alice, budget=budget_create(user=alice, category=food,
                                                                  amount="300"))  # fmt: skip
    assert (weekly.usual, weekly.history_periods) == (Decimal("7"), 1)  # 10 in 10 days
    assert (monthly.usual, monthly.history_periods) == (None, 0)


def test_the_history_is_cached_until_the_ledger_changes(
    alice, checking, coffee, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the ledger stamps its changes
        add_coffee_history(alice, checking, coffee)
    with at(MONDAY):
        budget = weekly_coffee(alice, coffee)
        assert budget_status(user=alice, budget=budget).usual == Decimal("10")
        with django_assert_num_queries(2):  # the week's spending, the recurring items
            budget_status(user=alice, budget=budget)
        with django_capture_on_commit_callbacks(execute=True):
            make_transaction(checking, amount="-9", payee="Cake shop", category=coffee,
                             date=D(2025, 12, 3))  # fmt: skip
        assert budget_status(user=alice, budget=budget).usual == Decimal("13")
