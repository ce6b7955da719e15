"""Statistical insights, exchange rates, and the insights API."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from insights import reports
from insights.stats import insights_for
from insights.summaries import ExchangeRate
from tests.ledger.factories import make_account, make_category, make_transaction

NOW = datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)


@pytest.fixture
def history(alice):
    account = make_account(alice, name="Checking")
    food = make_category(alice, name="Food")
    salary = make_category(alice, name="Salary", kind="income")
    for month in range(1, 11):  # January to October 2026
        day = datetime.date(2026, month, 5)
        make_transaction(account, amount="4000", date=day, category=salary, payee="Employer")
        make_transaction(
            account,
            amount="-100" if month < 10 else "-400",
            date=day,
            category=food,
            payee="Grocer",
        )
        make_transaction(
            account, amount="-30", date=day + datetime.timedelta(days=1), payee="Barber"
        )
    make_transaction(account, amount="-250", date=datetime.date(2026, 11, 15), payee="Barber")
    make_transaction(
        account, amount="-90", date=datetime.date(2026, 11, 16), category=food, payee="Grocer"
    )
    return {"food": food}


def test_insights_find_top_categories_changes_and_unusual_spending(alice, history):
    with time_machine.travel(NOW, tick=False):
        found = insights_for(user=alice)
    top = [i.title for i in found if i.kind == "top-category"]
    assert top == ["Uncategorized: $250.00 this month", "Food: $90.00 this month"]
    payees = [(i.title, i.detail) for i in found if i.kind == "top-payee"]
    assert payees == [
        ("Barber: $250.00 this month", "1 payment, 74% of your spending so far this month."),
        ("Grocer: $90.00 this month", "1 payment, 26% of your spending so far this month."),
    ]
    change = next(i for i in found if i.kind == "change")
    assert change.title == "Food went up by $300.00"
    assert "+300%" in change.detail and f"category={history['food'].pk}" in change.link
    # The link covers the baseline (July to September) and the month against it (October).
    assert "date_from=2026-07-01&date_to=2026-10-31" in change.link
    unusual = next(i for i in found if i.kind == "unusual")
    assert unusual.title == "$250.00 at Barber on 15 Nov" and "$30.00" in unusual.detail
    assert "q=Barber" in unusual.link


def test_each_insight_links_to_the_transactions_behind_it(alice, alice_client, history):
    with time_machine.travel(NOW, tick=False):
        found: dict = {}
        for insight in insights_for(user=alice):
            found.setdefault(insight.kind, insight)  # the first (biggest) of each kind
        pages = {kind: alice_client.get(i.link).content.decode() for kind, i in found.items()}
    # October's 400 on food and the 100s of the three months before it.
    assert pages["change"].count("Grocer") >= 4 and "$400.00" in pages["change"]
    assert "Barber" in pages["unusual"] and "$250.00" in pages["unusual"]
    assert "Barber" in pages["top-payee"] and "Grocer" not in pages["top-payee"]


def test_a_new_subscription_and_a_price_rise_are_told(alice):
    account = make_account(alice)
    for month in (8, 9, 10, 11):
        make_transaction(
            account, amount="-15.49", date=datetime.date(2026, month, 3), payee="StreamFlix"
        )
    for month in range(1, 12):  # a year at 9.99, then 12.99 since October
        price = "-12.99" if month >= 10 else "-9.99"
        make_transaction(account, amount=price, date=datetime.date(2026, month, 8), payee="Tunes")
    with time_machine.travel(NOW, tick=False):
        found = {i.kind: i for i in insights_for(user=alice)}
    new = found["new-subscription"]
    assert new.title == "New monthly payment: StreamFlix"
    assert new.detail.startswith("$15.49 since 3 Aug 2026, about $185.88 a year.")
    assert "q=StreamFlix" in new.link
    rise = found["price-rise"]
    assert rise.title == "Tunes now costs $12.99"
    assert rise.detail == "It was $9.99 before 8 Oct 2026: $36.00 more a year."
    assert rise.amount == Decimal("3.00") and "q=Tunes" in rise.link


def test_a_subscription_already_tracked_is_not_news(alice):
    from budgets.services.recurring import recurring_create

    account = make_account(alice)
    for month in (8, 9, 10, 11):
        make_transaction(
            account, amount="-15.49", date=datetime.date(2026, month, 3), payee="StreamFlix"
        )
    with time_machine.travel(NOW, tick=False):
        assert [i for i in insights_for(user=alice) if i.kind == "new-subscription"]
    recurring_create(
        user=alice,
        payee="StreamFlix",
        amount="-15.49",
        account=account,
        start_date=datetime.date(2026, 12, 3),
        day_of_month=3,
    )
    with time_machine.travel(NOW, tick=False):
        assert not [i for i in insights_for(user=alice) if i.kind == "new-subscription"]


def test_the_insights_page_lists_them_with_links(alice_client, history):
    with time_machine.travel(NOW, tick=False):
        page = alice_client.get(reverse("insights:insights")).content.decode()
    assert "Food went up by $300.00" in page and "/transactions/?" in page


def test_a_new_user_gets_an_encouraging_empty_state(alice_client):
    page = alice_client.get(reverse("insights:insights")).content.decode()
    assert "Nothing to say yet" in page


def test_conversion_happens_only_with_the_users_own_rates(alice, alice_client):
    usd, eur = make_account(alice, currency="USD"), make_account(alice, currency="EUR")
    make_transaction(usd, amount="-100", date=datetime.date(2026, 3, 3))
    make_transaction(eur, amount="-50", date=datetime.date(2026, 3, 3))
    params = {"period": "month", "month": "2026-03"}
    page = alice_client.get(reverse("insights:reports"), params).content.decode()
    assert "give a rate" in page and "converted" not in page
    period = reports.Period(datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))
    totals = reports.report_build(user=alice, period=period, group="category")
    assert reports.convert_totals(totals, base="USD", rates={}) is None

    alice_client.post(reverse("insights:rate-set"), {"currency": "EUR", "rate": "1.10"})
    assert ExchangeRate.objects.get(user=alice).rate == Decimal("1.10")
    page = alice_client.get(reverse("insights:reports"), params).content.decode()
    assert "spent $155.00" in page and "(converted)" in page


@pytest.mark.parametrize("bad", ["-1", "0", "abc", "1e99", "1.123456789"])
def test_bad_rates_are_refused_with_a_message(alice, alice_client, bad):
    response = alice_client.post(
        reverse("insights:rate-set"), {"currency": "EUR", "rate": bad}, follow=True
    )
    assert "positive number" in response.content.decode()
    assert not ExchangeRate.objects.filter(user=alice).exists()


def test_the_summary_api_gives_tiles_and_chart_series(alice_client, history):
    with time_machine.travel(NOW, tick=False):
        data = alice_client.get("/api/v1/insights/summary", {"month": "2026-10"}).json()
    tiles = {t["label"]: t for t in data["tiles"]}
    assert tiles["Income"]["value"] == "4000.00" or tiles["Income"]["value"].startswith("4000")
    assert data["charts"]["categories"]["labels"][0] == "Food"
    assert len(data["charts"]["months"]["labels"]) == 12
    assert alice_client.get("/api/v1/insights/summary", {"month": "oops"}).status_code == 400


def test_the_insights_api_lists_statistics_and_the_ai_state(alice_client, bob_client, history):
    with time_machine.travel(NOW, tick=False):
        data = alice_client.get("/api/v1/insights").json()
        assert any(i["kind"] == "change" for i in data["insights"])
        assert bob_client.get("/api/v1/insights").json()["insights"] == []


def test_the_insight_endpoints_need_login(client):
    for url in ("/api/v1/insights", "/api/v1/insights/summary", "/api/v1/reports"):
        assert client.get(url).status_code == 401
    assert client.get(reverse("insights:insights")).status_code == 302
