"""The dashboard page: figures, empty state, isolation, cache invalidation, query count."""

import datetime

import pytest
from django.urls import reverse

from insights.periods import current_pay_month
from tests.ledger.factories import make_account, make_category, make_transaction, make_transactions


@pytest.fixture
def today(alice):
    start, today, _ = current_pay_month(alice)
    return today


def test_a_new_user_sees_how_to_start_not_empty_charts(alice_client):
    page = alice_client.get(reverse("insights:dashboard")).content.decode()
    assert "Add a transaction" in page and "Import a file" in page and "Connect a bank" in page
    assert "chart-categories" not in page


def test_the_dashboard_shows_this_months_figures(alice, alice_client, today):
    account = make_account(alice, name="Everyday", opening_balance="100")
    salary = make_category(alice, name="Salary", kind="income")
    food = make_category(alice, name="Food")
    make_transaction(account, amount="2000", date=today, category=salary, payee="Employer")
    make_transaction(account, amount="-123.45", date=today, category=food, payee="Grocer")
    page = alice_client.get(reverse("insights:dashboard")).content.decode()
    assert "$2,000.00" in page  # income tile
    assert "$123.45" in page  # spending tile
    assert "$1,876.55" in page  # net savings tile
    assert "93.8%" in page  # savings rate
    assert "Grocer" in page and "Everyday" in page
    assert "$1,976.55" in page  # the account balance (opening 100 + 1876.55)
    # Recent transactions: day then month, as on every other page ("6 Dec", not "Dec 6").
    assert f"{today.day} {today:%b} · Grocer" in page


def test_a_change_shows_on_the_next_page_load(
    alice, alice_client, today, django_capture_on_commit_callbacks
):
    account = make_account(alice)
    food = make_category(alice, name="Food")
    with django_capture_on_commit_callbacks(execute=True):
        make_transaction(account, amount="-10.00", date=today, category=food)
    assert "$10.00" in alice_client.get("/").content.decode()
    # A plain save (like every service does) invalidates the cached month once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        make_transaction(account, amount="-5.00", date=today, category=food)
    assert "$15.00" in alice_client.get("/").content.decode()


def test_a_rolled_back_write_leaves_the_cache_alone_and_later_writes_still_count(
    alice, alice_client, today, django_capture_on_commit_callbacks
):
    from django.db import transaction

    account = make_account(alice)
    with django_capture_on_commit_callbacks(execute=True):
        make_transaction(account, amount="-10.00", date=today)
    assert "$10.00" in alice_client.get("/").content.decode()
    try:
        with transaction.atomic():
            make_transaction(account, amount="-99.00", date=today)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    with django_capture_on_commit_callbacks(execute=True):
        make_transaction(account, amount="-5.00", date=today)
    assert "$15.00" in alice_client.get("/").content.decode()


def test_another_users_money_never_shows(alice, bob, bob_client, today):
    account = make_account(alice)
    make_transaction(account, amount="-777.77", date=today, payee="Alice's secret")
    page = bob_client.get("/").content.decode()
    assert "777.77" not in page and "secret" not in page
    # Bob with money of his own sees only his: the cached months are per user.
    make_transaction(make_account(bob, name="Bob's"), amount="-12.34", date=today, payee="Bob's")
    page = bob_client.get("/").content.decode()
    assert "$12.34" in page and "777.77" not in page and "secret" not in page
    data = bob_client.get("/api/v1/insights/summary").json()
    assert data["charts"]["payees"] == {"labels": ["Bob's"], "values": ["12.34"]}


def test_each_currency_is_shown_on_its_own_and_never_added_up(alice, alice_client, today):
    make_transaction(make_account(alice), amount="-10.00", date=today, payee="Here")
    make_transaction(
        make_account(alice, currency="EUR"), amount="-7.00", date=today, payee="Abroad"
    )
    page = alice_client.get("/").content.decode()
    assert "amounts in USD" in page and "$10.00" in page and "$17.00" not in page
    page = alice_client.get("/?currency=EUR").content.decode()
    assert "amounts in EUR" in page and "€7.00" in page


@pytest.mark.parametrize(
    "query", ["?month=0001-01", "?month=9999-12", "?month=soon", "?currency=XYZ", "?currency=<b>"]
)
def test_odd_addresses_fall_back_to_this_month_in_a_real_currency(
    alice, alice_client, today, query
):
    make_transaction(make_account(alice), amount="-10.00", date=today)
    response = alice_client.get("/" + query)
    assert response.status_code == 200
    page = response.content.decode()
    assert today.strftime("%B %Y") in page and "amounts in USD" in page


def test_the_api_refuses_odd_months_and_currencies(alice_client):
    for params in ({"month": "0001-01"}, {"month": "2026-13"}, {"currency": "<b>"}):
        response = alice_client.get("/api/v1/insights/summary", params)
        assert response.status_code == 400 and response.json()["detail"]


def test_net_savings_change_is_told_in_money_and_the_rate_in_points(alice, alice_client, today):
    from insights.periods import current_pay_month, shift

    start, _, _ = current_pay_month(alice)
    account = make_account(alice)
    salary = make_category(alice, name="Salary", kind="income")
    make_transaction(account, amount="1000", date=shift(start, -1), category=salary)
    make_transaction(account, amount="-900", date=shift(start, -1))
    make_transaction(account, amount="1000", date=today, category=salary)
    make_transaction(account, amount="-1200", date=today)
    page = alice_client.get("/").content.decode()
    assert "-$200.00" in page  # net savings now
    assert "-$300.00</span> vs last month" in page  # from +100 to -200
    assert "-30.0 pts</span> vs last month" in page  # from 10% to -20%


def test_older_months_can_be_browsed(alice, alice_client, today):
    account = make_account(alice)
    last_year = today - datetime.timedelta(days=400)
    make_transaction(account, amount="-42.00", date=last_year, payee="Old shop")
    make_transaction(account, amount="-1.00", date=today)
    page = alice_client.get(f"/?month={last_year:%Y-%m}").content.decode()
    assert last_year.strftime("%B %Y") in page
    assert "$42.00" in page


@pytest.mark.parametrize("rows", [10, 500])
def test_the_dashboard_runs_a_constant_number_of_queries(
    alice, alice_client, today, rows, django_assert_max_num_queries
):
    from budgets.services.budgets import budget_create
    from budgets.services.recurring import recurring_create

    account = make_account(alice)
    food = make_category(alice, name="Food")
    make_transactions(account, rows, start=today - datetime.timedelta(days=300), category=food)
    budget_create(user=alice, amount="500", category=food)
    budget_create(user=alice, amount="2000")
    recurring_create(
        user=alice,
        payee="Rent",
        amount="-900",
        account=account,
        start_date=today,
        day_of_month=today.day,
    )
    with django_assert_max_num_queries(24):
        alice_client.get("/")  # cold: builds 12 months
    with django_assert_max_num_queries(12):
        response = alice_client.get("/")  # warm: cached months
    assert response.status_code == 200


def test_it_needs_login_and_get(client, alice_client):
    assert client.get("/").status_code == 302
    assert alice_client.post("/").status_code == 405


def test_the_month_follows_the_users_payday(alice, alice_client):
    import time_machine

    from accounts.services import profile_get_or_create

    profile = profile_get_or_create(alice)
    profile.month_start_day = 25
    profile.save()
    account = make_account(alice, opening_balance="1000")
    make_transaction(account, amount="-1.00", date=datetime.date(2026, 11, 24), payee="Before")
    make_transaction(account, amount="-20.00", date=datetime.date(2026, 11, 25), payee="Payday")
    make_transaction(account, amount="-300.00", date=datetime.date(2026, 12, 24), payee="Last")
    with time_machine.travel(datetime.datetime(2026, 12, 2, 12, tzinfo=datetime.UTC), tick=False):
        page = alice_client.get("/").content.decode()
        assert "<h1>November 2026</h1>" in page and "25 Nov – 24 Dec 2026" in page
        assert "$320.00" in page and "$321.00" not in page  # the 24th of November is October's
        assert 'href="?month=2026-10"' in page and "?month=2026-12" not in page  # no future
        previous = alice_client.get("/?month=2026-10").content.decode()
    assert "25 Oct – 24 Nov 2026" in previous and "$1.00" in previous
