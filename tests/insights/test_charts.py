"""Dashboard figures as pure units: pay months, transfers, refunds, splits, currencies."""

import datetime
from decimal import Decimal

import pytest

from insights import charts
from insights.periods import parse_month, pay_month_of
from insights.selectors import UNCATEGORIZED, month_aggregate_build
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_transaction,
    make_transfer,
)

D = Decimal
NOV = datetime.date(2026, 11, 1)


def test_a_pay_month_starts_on_the_payday():
    assert pay_month_of(datetime.date(2026, 11, 24), 25) == datetime.date(2026, 10, 25)
    assert pay_month_of(datetime.date(2026, 11, 25), 25) == datetime.date(2026, 11, 25)
    assert pay_month_of(datetime.date(2026, 1, 3), 25) == datetime.date(2025, 12, 25)
    assert parse_month("2024-02", 28) == datetime.date(2024, 2, 28)
    assert parse_month("garbage", 1) is None


@pytest.fixture
def ledger(alice):
    usd = make_account(alice, currency="USD")
    eur = make_account(alice, currency="EUR")
    savings = make_account(alice, currency="USD", type="savings")
    food = make_category(alice, name="Food")
    coffee = make_category(alice, name="Coffee", parent=food)
    salary = make_category(alice, name="Salary", kind="income")
    return {
        "usd": usd,
        "eur": eur,
        "savings": savings,
        "food": food,
        "coffee": coffee,
        "salary": salary,
    }


def test_transfers_are_neither_income_nor_spending(alice, ledger):
    make_transaction(ledger["usd"], amount="3000", date=NOV, category=ledger["salary"])
    make_transaction(ledger["usd"], amount="-100", date=NOV, category=ledger["food"])
    make_transfer(ledger["usd"], ledger["savings"], amount="500", date=NOV)
    month = month_aggregate_build(user_id=alice.pk, start=NOV).currency("USD")
    assert (month.income, month.expenses, month.net) == (D("3000"), D("100"), D("2900"))
    assert month.savings_rate == D("96.7")


def test_refunds_reduce_their_category_instead_of_counting_as_income(alice, ledger):
    make_transaction(ledger["usd"], amount="-80", date=NOV, category=ledger["food"])
    make_transaction(
        ledger["usd"], amount="30", date=NOV + datetime.timedelta(days=2), category=ledger["food"]
    )
    month = month_aggregate_build(user_id=alice.pk, start=NOV).currency("USD")
    assert month.income == 0
    assert month.expenses == D("50")
    assert month.categories[ledger["food"].pk] == D("50")


def test_totals_stay_per_currency(alice, ledger):
    make_transaction(ledger["usd"], amount="-10", date=NOV, category=ledger["food"])
    make_transaction(ledger["eur"], amount="-7", date=NOV, category=ledger["food"])
    agg = month_aggregate_build(user_id=alice.pk, start=NOV)
    assert agg.currency("USD").expenses == D("10")
    assert agg.currency("EUR").expenses == D("7")


def test_splits_count_under_their_parts_categories(alice, ledger):
    txn = make_transaction(ledger["usd"], amount="-60", date=NOV)
    make_split(txn, [(ledger["food"], "-40"), (ledger["coffee"], "-20")])
    month = month_aggregate_build(user_id=alice.pk, start=NOV).currency("USD")
    assert month.expenses == D("60")
    assert month.categories == {ledger["food"].pk: D("40"), ledger["coffee"].pk: D("20")}
    assert UNCATEGORIZED not in month.categories


def test_the_pay_month_decides_which_month_a_day_belongs_to(alice, ledger):
    start = datetime.date(2026, 10, 25)
    make_transaction(ledger["usd"], amount="-1", date=datetime.date(2026, 10, 24))
    make_transaction(ledger["usd"], amount="-2", date=datetime.date(2026, 10, 25))
    make_transaction(ledger["usd"], amount="-4", date=datetime.date(2026, 11, 24))
    make_transaction(ledger["usd"], amount="-8", date=datetime.date(2026, 11, 25))
    month = month_aggregate_build(user_id=alice.pk, start=start).currency("USD")
    assert month.expenses == D("6")


def test_the_category_chart_rolls_sub_categories_into_their_parent(alice, ledger):
    make_transaction(ledger["usd"], amount="-10", date=NOV, category=ledger["food"])
    make_transaction(ledger["usd"], amount="-5", date=NOV, category=ledger["coffee"])
    make_transaction(ledger["usd"], amount="-3", date=NOV)
    month = month_aggregate_build(user_id=alice.pk, start=NOV).currency("USD")
    info = {
        c.pk: charts.CategoryInfo(c.name, c.color, c.parent_id)
        for c in (ledger["food"], ledger["coffee"], ledger["salary"])
    }
    chart = charts.spending_by_category(month, info)
    assert chart["labels"] == ["Food", "Uncategorized"]
    assert chart["values"] == ["15.00", "3.00"]
    assert chart["ids"] == [ledger["food"].pk, UNCATEGORIZED]


def test_cumulative_spending_runs_up_to_today_only(alice, ledger):
    make_transaction(ledger["usd"], amount="-10", date=NOV)
    make_transaction(ledger["usd"], amount="-5", date=NOV + datetime.timedelta(days=2))
    this = month_aggregate_build(user_id=alice.pk, start=NOV).currency("USD")
    last = month_aggregate_build(user_id=alice.pk, start=datetime.date(2026, 10, 1)).currency("USD")
    chart = charts.cumulative_spending(
        this_month=this,
        this_start=NOV,
        last_month=last,
        last_start=datetime.date(2026, 10, 1),
        today=NOV + datetime.timedelta(days=3),
    )
    assert chart["this"] == ["10.00", "10.00", "15.00", "15.00"]
    assert len(chart["last"]) == 31 and len(chart["labels"]) == 31


def test_tiles_compare_with_last_month_and_the_six_month_average():
    from insights.selectors import CurrencyMonth

    now = CurrencyMonth(income=D("1000"), expenses=D("600"))
    before = CurrencyMonth(income=D("800"), expenses=D("800"))
    income, spending, net, rate = charts.tiles(now, before, [before, before])
    assert income.vs_previous == D("25") and income.tone(income.vs_previous) == "pos"
    assert spending.vs_previous == D("-25") and spending.tone(spending.vs_previous) == "pos"
    # Net savings can cross zero, so its change is told in money, not as a percentage.
    assert (net.value, net.unit, net.vs_previous) == (D("400"), "amount", D("400.00"))
    assert net.tone(net.vs_previous) == "pos"
    # The savings rate is a percentage already: its change is in percentage points.
    assert (rate.value, rate.unit, rate.vs_previous, rate.vs_average) == (
        D("40.0"),
        "points",
        D("40.0"),
        D("40.0"),
    )
    nothing_before = charts.tiles(now, CurrencyMonth(), [])
    assert [t.vs_previous for t in nothing_before[:2]] == [None, None]  # no % of zero
    assert [t.vs_average for t in nothing_before] == [None, None, None, None]


def test_net_savings_falling_below_zero_is_told_as_money_lost():
    from insights.selectors import CurrencyMonth

    now = CurrencyMonth(income=D("2275"), expenses=D("3099.33"))
    before = CurrencyMonth(income=D("5300"), expenses=D("3700"))
    net = charts.tiles(now, before, [before])[2]
    assert net.vs_previous == D("-2424.33") and net.tone(net.vs_previous) == "neg"


def test_each_slice_of_the_category_chart_links_to_its_transactions(alice, ledger):
    make_transaction(ledger["usd"], amount="-10", date=NOV, category=ledger["food"])
    make_transaction(ledger["usd"], amount="-3", date=NOV)
    month = month_aggregate_build(user_id=alice.pk, start=NOV).currency("USD")
    info = {
        c.pk: charts.CategoryInfo(c.name, c.color, c.parent_id)
        for c in ledger.values()
        if hasattr(c, "kind")
    }
    chart = charts.spending_by_category(month, info)
    links = charts.category_links([*chart["ids"], None], start=NOV, end=datetime.date(2026, 12, 1))
    dates = "date_from=2026-11-01&date_to=2026-11-30"
    # A category lists all its rows (refunds included, they reduce it); the uncategorized
    # slice only money out (money in without a category is income); "everything else" all
    # the month's spending.
    assert links == [
        f"/transactions/?{dates}&category={ledger['food'].pk}",
        f"/transactions/?{dates}&category=uncategorized&kind=expense",
        f"/transactions/?{dates}&kind=expense",
    ]


def test_a_slice_link_lists_exactly_the_rows_the_slice_adds_up(alice, alice_client, ledger):
    """The doughnut's number and the list it opens agree, refunds and sub-categories included."""
    make_transaction(ledger["usd"], amount="-80", date=NOV, category=ledger["food"], payee="Shop")
    make_transaction(ledger["usd"], amount="30", date=NOV, category=ledger["food"], payee="Refund")
    make_transaction(ledger["usd"], amount="-5", date=NOV, category=ledger["coffee"], payee="Cafe")
    make_transaction(
        ledger["usd"],
        amount="-9",
        date=NOV - datetime.timedelta(days=1),
        category=ledger["food"],
        payee="October shop",
    )
    make_transaction(ledger["usd"], amount="-7", date=NOV, payee="Uncategorized shop")
    month = month_aggregate_build(user_id=alice.pk, start=NOV).currency("USD")
    info = {
        ledger[k].pk: charts.CategoryInfo(ledger[k].name, ledger[k].color, ledger[k].parent_id)
        for k in ("food", "coffee", "salary")
    }
    chart = charts.spending_by_category(month, info)
    link = charts.category_links(chart["ids"], start=NOV, end=datetime.date(2026, 12, 1))[0]
    assert chart["values"][0] == "55.00"
    page = alice_client.get(link).content.decode()
    assert "Shop" in page and "Refund" in page and "Cafe" in page
    assert "October shop" not in page and "Uncategorized shop" not in page
