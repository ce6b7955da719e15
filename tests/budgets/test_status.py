import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from accounts.models import User
from budgets.models import Budget, RecurringOccurrence
from budgets.periods import Calendar, user_calendar
from budgets.selectors import budget_history, budget_status, budget_statuses
from budgets.services.budgets import budget_create
from budgets.services.recurring import recurring_create
from ledger.services.transactions import transaction_create, transaction_update
from tests.budgets.conftest import set_profile
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_transaction,
    make_transfer,
)

D = datetime.date
UTC = zoneinfo.ZoneInfo("UTC")


def at(day: datetime.date, hour: int = 12):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False
    )


def test_it_counts_sub_categories_splits_and_refunds_but_not_income_or_transfers(
    alice, checking, food, cafe
):
    salary = make_category(alice, name="Salary", kind="income")
    rent = make_category(alice, name="Rent")
    savings = make_account(alice, name="Savings")
    euro = make_account(alice, currency="EUR")
    with at(D(2025, 3, 10)):
        budget = budget_create(user=alice, category=food, amount="300")
        make_transaction(checking, amount="-40", category=food, date=D(2025, 3, 2))
        make_transaction(checking, amount="-10", category=cafe, date=D(2025, 3, 3))
        make_transaction(checking, amount="5", category=food, date=D(2025, 3, 4))  # refund
        make_transaction(checking, amount="2000", category=salary, date=D(2025, 3, 1))
        make_transaction(checking, amount="-900", category=rent, date=D(2025, 3, 1))
        make_transaction(euro, amount="-99", category=food, date=D(2025, 3, 5))  # other currency
        make_transfer(checking, savings, amount="100", date=D(2025, 3, 5))
        split = make_transaction(checking, amount="-30", date=D(2025, 3, 6))
        make_split(split, [(cafe, "-12"), (rent, "-18")])
        make_transaction(checking, amount="-7", category=food, date=D(2025, 2, 28))  # last month
        status = budget_status(user=alice, budget=budget)
    assert status.spent == Decimal("57")
    assert status.limit == Decimal("300")
    assert status.remaining == Decimal("243")
    assert (status.start, status.end) == (D(2025, 3, 1), D(2025, 4, 1))
    assert status.health == "on-track"


def test_an_all_spending_budget_counts_uncategorized_money_out_only(alice, checking, food):
    with at(D(2025, 3, 10)):
        budget = budget_create(user=alice, amount="1000")
        make_transaction(checking, amount="-40", category=food, date=D(2025, 3, 2))
        make_transaction(checking, amount="-15", date=D(2025, 3, 2))
        make_transaction(checking, amount="50", date=D(2025, 3, 2))  # uncategorized money in
        status = budget_status(user=alice, budget=budget)
    assert budget.category is None
    assert status.spent == Decimal("55")


def test_a_pay_month_runs_from_payday_to_the_day_before_the_next(alice, checking, food):
    alice = set_profile(alice, month_start_day=25)
    with at(D(2025, 3, 24)):
        budget = budget_create(user=alice, category=food, amount="100")
        make_transaction(checking, amount="-1", category=food, date=D(2025, 2, 24))  # before
        make_transaction(checking, amount="-2", category=food, date=D(2025, 2, 25))  # first day
        make_transaction(checking, amount="-4", category=food, date=D(2025, 3, 24))  # last day
        make_transaction(checking, amount="-8", category=food, date=D(2025, 3, 25))  # next
        status = budget_status(user=alice, budget=budget)
    assert (status.start, status.last_day) == (D(2025, 2, 25), D(2025, 3, 24))
    assert status.spent == Decimal("6")
    assert status.days_left == 0
    assert status.pace_percent == 100
    with at(D(2025, 3, 25)):
        assert budget_status(user=alice, budget=budget).spent == Decimal("8")


def test_a_week_starts_on_the_users_first_weekday(alice, checking, food):
    alice = set_profile(alice, first_day_of_week=6)  # Sunday
    with at(D(2025, 1, 15)):  # a Wednesday
        budget = budget_create(user=alice, category=food, amount="70", period="week")
        make_transaction(checking, amount="-9", category=food, date=D(2025, 1, 11))  # Saturday
        make_transaction(checking, amount="-10", category=food, date=D(2025, 1, 12))  # Sunday
        make_transaction(checking, amount="-20", category=food, date=D(2025, 1, 18))  # Saturday
        status = budget_status(user=alice, budget=budget)
    assert (status.start, status.end) == (D(2025, 1, 12), D(2025, 1, 19))
    assert status.spent == Decimal("30")
    assert status.days_elapsed == 4
    assert status.pace_amount == Decimal("40.00")


def test_february_of_a_leap_year_has_29_days(alice, checking, food):
    with at(D(2024, 2, 29)):
        budget = budget_create(user=alice, category=food, amount="290")
        make_transaction(checking, amount="-10", category=food, date=D(2024, 2, 29))
        status = budget_status(user=alice, budget=budget)
    assert status.days == 29
    assert status.days_left == 0
    assert status.spent == Decimal("10")
    with at(D(2024, 2, 14)):
        status = budget_status(user=alice, budget=budget)
    assert status.pace_amount == Decimal("140.00")  # 14 of 29 days


def test_today_is_the_users_day_not_the_servers(alice, checking, food):
    alice = set_profile(alice, timezone="Asia/Tokyo")
    with time_machine.travel(datetime.datetime(2025, 1, 31, 20, 0, tzinfo=UTC), tick=False):
        # 05:00 on 1 February in Tokyo: February's budget period.
        cal = user_calendar(alice)
        assert cal.today == D(2025, 2, 1)
        assert cal.period("month") == (D(2025, 2, 1), D(2025, 3, 1))
    bob_like = set_profile(alice, timezone="America/Los_Angeles")
    with time_machine.travel(datetime.datetime(2025, 2, 1, 5, 0, tzinfo=UTC), tick=False):
        assert user_calendar(bob_like).period("month")[0] == D(2025, 1, 1)


def test_rollover_carries_what_was_left_or_overspent(alice, checking, food):
    with at(D(2025, 1, 10)):
        budget = budget_create(user=alice, category=food, amount="100", rollover=True)
    make_transaction(checking, amount="-80", category=food, date=D(2025, 1, 5))  # 20 left
    make_transaction(checking, amount="-130", category=food, date=D(2025, 2, 5))  # 30 over
    make_transaction(checking, amount="-25", category=food, date=D(2025, 3, 2))
    make_transaction(checking, amount="-500", category=food, date=D(2024, 12, 5))  # before start
    with at(D(2025, 2, 10)):
        assert budget_status(user=alice, budget=budget).carry == Decimal("20")
    with at(D(2025, 3, 10)):
        status = budget_status(user=alice, budget=budget)
    assert status.carry == Decimal("-10")
    assert status.available == Decimal("90")
    assert status.remaining == Decimal("65")


def test_without_rollover_nothing_carries(alice, checking, food):
    with at(D(2025, 1, 10)):
        budget = budget_create(user=alice, category=food, amount="100")
    make_transaction(checking, amount="-10", category=food, date=D(2025, 1, 5))
    with at(D(2025, 3, 10)):
        assert budget_status(user=alice, budget=budget).carry == 0


def test_health_goes_from_on_track_to_at_risk_to_over(alice, checking, food):
    with at(D(2025, 4, 16)):  # day 16 of 30
        budget = budget_create(user=alice, category=food, amount="300")
        make_transaction(checking, amount="-100", category=food, date=D(2025, 4, 2))
        status = budget_status(user=alice, budget=budget)
        assert status.forecast == Decimal("187.50")  # 100 / 16 days * 30
        assert status.health == "on-track"
        make_transaction(checking, amount="-100", category=food, date=D(2025, 4, 3))
        assert budget_status(user=alice, budget=budget).health == "at-risk"
        make_transaction(checking, amount="-101", category=food, date=D(2025, 4, 4))
        status = budget_status(user=alice, budget=budget)
    assert status.health == "over"
    assert status.overspent == Decimal("1")
    assert status.bar_step == 100
    assert status.percent == 100


def test_the_forecast_adds_recurring_bills_still_due(alice, checking, food):
    with at(D(2025, 4, 10)):
        budget = budget_create(user=alice, category=food, amount="300")
        recurring_create(
            user=alice, payee="Veg box", amount="-40", account=checking, category=food,
            start_date=D(2025, 1, 20),
        )  # fmt: skip
        recurring_create(
            user=alice, payee="Gym", amount="-30", account=checking, start_date=D(2025, 1, 20)
        )  # no category: not this budget's
        status = budget_status(user=alice, budget=budget)
    assert status.upcoming == Decimal("40")
    assert status.forecast == Decimal("40.00")


def test_a_bill_already_seen_is_not_forecast_again(alice, checking, food):
    with at(D(2025, 4, 10)):
        budget = budget_create(user=alice, category=food, amount="300")
        item = recurring_create(
            user=alice, payee="Veg box", amount="-40", account=checking, category=food,
            start_date=D(2025, 1, 20),
        )  # fmt: skip
        RecurringOccurrence.objects.create(item=item, date=D(2025, 4, 20), status="seen")
        assert budget_status(user=alice, budget=budget).upcoming == 0


def test_history_has_twelve_periods_ending_with_the_current_one(alice, checking, food):
    with at(D(2025, 6, 15)):
        budget = budget_create(user=alice, category=food, amount="100")
        make_transaction(checking, amount="-10", category=food, date=D(2024, 7, 1))
        make_transaction(checking, amount="-20", category=food, date=D(2025, 6, 1))
        make_transaction(checking, amount="-99", category=food, date=D(2024, 6, 30))  # too old
        points = budget_history(user=alice, budget=budget)
    assert len(points) == 12
    assert points[0].start == D(2024, 7, 1) and points[0].spent == Decimal("10")
    assert points[-1].start == D(2025, 6, 1) and points[-1].spent == Decimal("20")


def test_statuses_ignore_other_users_spending(alice, bob, checking, food, bob_account):
    with at(D(2025, 3, 10)):
        budget_create(user=alice, amount="100")
        make_transaction(bob_account, amount="-50", date=D(2025, 3, 2))
        assert budget_statuses(user=alice)[0].spent == 0
        assert budget_statuses(user=bob) == []
    assert Budget.objects.count() == 1


@pytest.mark.parametrize(
    ("today", "start"),
    [(D(2025, 1, 31), D(2025, 1, 25)), (D(2025, 1, 24), D(2024, 12, 25))],
)
def test_calendar_pay_months_cross_years(today, start):
    assert Calendar(today=today, payday=25).period("month")[0] == start


def test_the_pace_leaves_out_bills_already_paid(alice, checking, food):
    with at(D(2025, 4, 10)):
        budget = budget_create(user=alice, category=food, amount="1000")
        item = recurring_create(
            user=alice, payee="Meal plan", amount="-300", account=checking, category=food,
            start_date=D(2025, 4, 1),
        )  # fmt: skip
        paid = make_transaction(checking, amount="-300", category=food, date=D(2025, 4, 1))
        RecurringOccurrence.objects.create(
            item=item, date=D(2025, 4, 1), status="seen", transaction=paid
        )
        make_transaction(checking, amount="-100", category=food, date=D(2025, 4, 5))
        status = budget_status(user=alice, budget=budget)
    assert status.spent == Decimal("400")
    assert status.bills_spent == Decimal("300")
    assert status.forecast == Decimal("600.00")  # 400 + 100 / 10 days * 20 days left


def test_a_week_across_the_new_year_counts_both_years(alice, checking, food):
    with at(D(2026, 1, 1)):  # a Thursday; the week started on Monday 29 December
        budget = budget_create(user=alice, category=food, amount="70", period="week")
        make_transaction(checking, amount="-1", category=food, date=D(2025, 12, 28))  # before
        make_transaction(checking, amount="-10", category=food, date=D(2025, 12, 29))
        make_transaction(checking, amount="-20", category=food, date=D(2026, 1, 4))
        make_transaction(checking, amount="-40", category=food, date=D(2026, 1, 5))  # next week
        status = budget_status(user=alice, budget=budget)
    assert (status.start, status.last_day) == (D(2025, 12, 29), D(2026, 1, 4))
    assert status.spent == Decimal("30")
    assert (status.days_elapsed, status.days_left) == (4, 3)
    assert status.pace_amount == Decimal("40.00")


def test_weekly_rollover_carries_across_the_new_year(alice, checking, food):
    with at(D(2025, 12, 17)):  # a Wednesday: the budget counts from Monday 15 December
        budget = budget_create(user=alice, category=food, amount="50", period="week",
                               rollover=True)  # fmt: skip
    make_transaction(checking, amount="-30", category=food, date=D(2025, 12, 16))  # 20 left
    make_transaction(checking, amount="-65", category=food, date=D(2025, 12, 24))  # 15 over
    make_transaction(checking, amount="-99", category=food, date=D(2025, 12, 14))  # before start
    with at(D(2026, 1, 2)):  # the third week: 50 + 20 - 15
        status = budget_status(user=alice, budget=budget)
    assert status.start == D(2025, 12, 29)
    assert (status.carry, status.available) == (Decimal("5"), Decimal("55"))


def test_a_pay_month_through_a_leap_february(alice, checking, food):
    alice = set_profile(alice, month_start_day=15)
    with at(D(2024, 3, 14)):
        budget = budget_create(user=alice, category=food, amount="290", rollover=True)
        make_transaction(checking, amount="-7", category=food, date=D(2024, 2, 14))  # before
        make_transaction(checking, amount="-10", category=food, date=D(2024, 2, 29))
        make_transaction(checking, amount="-20", category=food, date=D(2024, 3, 14))
        status = budget_status(user=alice, budget=budget)
    assert (status.start, status.last_day, status.days) == (D(2024, 2, 15), D(2024, 3, 14), 29)
    assert (status.spent, status.days_left, status.pace_percent) == (Decimal("30"), 0, 100)
    with at(D(2024, 3, 15)):  # the next pay month carries the 260 left
        status = budget_status(user=alice, budget=budget)
    assert (status.start, status.days, status.carry) == (D(2024, 3, 15), 31, Decimal("260"))


def test_a_purchase_just_after_midnight_counts_in_the_users_new_month(alice, checking, food):
    alice = set_profile(alice, timezone="Pacific/Auckland")
    # 11:30 UTC on 31 March is 00:30 on 1 April in Auckland (NZDT, UTC+13).
    with time_machine.travel(datetime.datetime(2025, 3, 31, 11, 30, tzinfo=UTC), tick=False):
        budget = budget_create(user=alice, category=food, amount="100")
        make_transaction(checking, amount="-60", category=food, date=D(2025, 3, 31))
        make_transaction(checking, amount="-5", category=food, date=D(2025, 4, 1))
        status = budget_status(user=alice, budget=budget)
    assert budget.start_date == D(2025, 4, 1)
    assert (status.start, status.spent, status.days_elapsed) == (D(2025, 4, 1), Decimal("5"), 1)


def test_rollover_history_is_read_once_and_again_after_any_change(
    alice, checking, food, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with at(D(2024, 1, 10)):
        budget = budget_create(user=alice, category=food, amount="100", rollover=True)
    with django_capture_on_commit_callbacks(execute=True):  # the ledger stamps its changes
        old = make_transaction(checking, amount="-80", category=food, date=D(2024, 1, 5))
        for month in range(2, 13):
            make_transaction(checking, amount="-100", category=food, date=D(2024, month, 5))
    with at(D(2025, 3, 10)):  # 14 earlier months: 1400 - 1180
        alice = User.objects.select_related("profile").get(pk=alice.pk)
        # spending now, the history, the series in it and the last 3 months (for the
        # forecast), recurring items
        with django_assert_num_queries(5):
            assert budget_status(user=alice, budget=budget).carry == Decimal("220")
        with django_assert_num_queries(2):  # the history's sums and series come from the cache
            assert budget_status(user=alice, budget=budget).carry == Decimal("220")
        with django_capture_on_commit_callbacks(execute=True):
            transaction_update(user=alice, transaction=old, amount="-150")
        assert budget_status(user=alice, budget=budget).carry == Decimal("150")
        with django_capture_on_commit_callbacks(execute=True):
            transaction_create(user=alice, account=checking, date=D(2024, 6, 1), amount="-50",
                               category=food)  # fmt: skip
        assert budget_status(user=alice, budget=budget).carry == Decimal("100")


def _rent_and_daily_spending(alice, checking) -> dict[str, Budget]:
    """Rent on the 1st for half a year, electricity on the 20th, groceries every day at an
    even pace, and eating out far too fast this month; today is the 7th of March."""
    housing = make_category(alice, name="Housing")
    rent = make_category(alice, name="Rent", parent=housing)
    utilities = make_category(alice, name="Utilities")
    groceries = make_category(alice, name="Groceries")
    dining = make_category(alice, name="Dining")
    for month in range(9, 16):  # September 2024 to March 2025
        first = D(2024 + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        make_transaction(checking, amount="-1500", payee="Maple Court", category=rent, date=first)
        if first < D(2025, 3, 1):
            make_transaction(
                checking, amount="-80", payee="City Power", category=utilities,
                date=first.replace(day=20),
            )  # fmt: skip
    day = D(2025, 2, 1)
    while day <= D(2025, 3, 7):
        amount = f"-{16 + day.day % 5}"  # 16..20 a day: about 560 a month
        make_transaction(checking, amount=amount, payee="Corner Grocery", category=groceries,
                         date=day)  # fmt: skip
        if day >= D(2025, 3, 1):
            make_transaction(checking, amount="-40", payee="Bistro", category=dining, date=day)
        day += datetime.timedelta(days=1)
    return {
        name: budget_create(user=alice, category=category, amount=amount)
        for name, category, amount in [
            ("housing", housing, "1600"), ("utilities", utilities, "100"),
            ("groceries", groceries, "600"), ("dining", dining, "400"),
        ]
    } | {"all": budget_create(user=alice, amount="3000")}  # fmt: skip


def test_a_monthly_payment_the_history_shows_is_not_extrapolated_at_the_daily_pace(alice, checking):
    with at(D(2025, 3, 7)):
        budgets = _rent_and_daily_spending(alice, checking)
        statuses = {s.budget.pk: s for s in budget_statuses(user=alice)}
    status = {name: statuses[budget.pk] for name, budget in budgets.items()}
    # Rent came on the 1st and comes once a month: on day 7, Housing is on track.
    assert status["housing"].spent == Decimal("1500")
    assert status["housing"].forecast == Decimal("1500.00")
    assert status["housing"].health == "on-track"
    # Nor is it what the month usually comes to at a daily pace: the last 3 months' rent
    # and electricity are bills there too.
    assert (status["housing"].usual, status["utilities"].usual) == (0, 0)
    # Electricity is due on the 20th (not tracked as a recurring bill, but the history shows
    # it): the forecast counts it once.
    assert status["utilities"].upcoming == Decimal("80")
    assert status["utilities"].health == "on-track"
    # Variable spending goes at its pace so far (weighing 6 days of 30 gone: a fifth) blended
    # with the last 3 months: groceries fine, eating out (never before March) too fast.
    assert status["groceries"].health == "on-track"
    assert (status["dining"].usual, status["dining"].history_periods) == (0, 3)
    assert status["dining"].forecast == Decimal("472.00")  # 1240 at its pace * 1/5 + 280 * 4/5
    assert status["dining"].health == "at-risk"
    # All spending: rent once, electricity once, the rest blended. The 3 months before
    # March (90 days) had February's groceries besides the bills.
    february = sum(16 + day % 5 for day in range(1, 29))
    assert status["all"].usual == Decimal(february) / 90 * 31
    variable = status["all"].spent - Decimal("1500")
    blended = variable / 7 * 31 / 5 + max(status["all"].usual, variable) * 4 / 5
    assert status["all"].forecast == (Decimal("1500") + blended + Decimal("80")).quantize(
        Decimal("0.01")
    )


def test_the_series_behind_the_forecast_are_found_again_after_a_ledger_change(
    alice, checking, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with at(D(2025, 3, 7)):
        with django_capture_on_commit_callbacks(execute=True):  # the ledger stamps its changes
            budgets = _rent_and_daily_spending(alice, checking)
        utilities = budgets["utilities"]
        assert budget_status(user=alice, budget=utilities).upcoming == Decimal("80")
        with django_assert_num_queries(2):  # the period's spending, the recurring items
            budget_status(user=alice, budget=utilities)
        # The bill comes early: it is spent, no longer upcoming, and not extrapolated.
        with django_capture_on_commit_callbacks(execute=True):
            make_transaction(checking, amount="-80", payee="City Power", date=D(2025, 3, 6),
                             category=utilities.category)  # fmt: skip
        status = budget_status(user=alice, budget=utilities)
    assert (status.spent, status.upcoming, status.forecast) == (80, 0, 80)
    assert status.health == "on-track"
