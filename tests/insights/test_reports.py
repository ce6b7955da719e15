"""Reports: periods, grouping, comparison, the year matrix, CSV export, isolation."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from insights import reports
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_tag,
    make_transaction,
    make_transfer,
)

D = Decimal


def test_periods_cover_month_quarter_year_and_custom_ranges():
    today = datetime.date(2026, 11, 22)
    assert reports.period_for("month", today=today) == reports.Period(
        datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)
    )
    assert reports.period_for("month", today=today, payday=25).start == datetime.date(2026, 10, 25)
    assert reports.period_for("quarter", today=today).start == datetime.date(2026, 10, 1)
    year = reports.period_for("year", today=today, anchor="2024-06")
    assert (year.start, year.end) == (datetime.date(2024, 1, 1), datetime.date(2025, 1, 1))
    custom = reports.period_for("custom", today=today, start="2026-01-10", end="2026-01-20")
    assert custom.last_day == datetime.date(2026, 1, 20)
    assert custom.previous() == reports.Period(
        datetime.date(2025, 12, 30), datetime.date(2026, 1, 10)
    )
    assert year.year_before().start == datetime.date(2023, 1, 1)
    with pytest.raises(reports.ReportError, match="before the start"):
        reports.period_for("custom", today=today, start="2026-02-01", end="2026-01-01")
    with pytest.raises(reports.ReportError):
        reports.period_for("fortnight", today=today)


@pytest.fixture
def books(alice):
    usd = make_account(alice, name="Checking")
    card = make_account(alice, name="Card", type="credit_card")
    food = make_category(alice, name="Food")
    coffee = make_category(alice, name="Coffee", parent=food)
    salary = make_category(alice, name="Salary", kind="income")
    day = datetime.date(2026, 3, 10)
    make_transaction(usd, amount="3000", date=day, category=salary, payee="Employer")
    make_transaction(
        card, amount="-40", date=day, category=food, payee="Grocer", tags=[make_tag(alice, "home")]
    )
    make_transaction(card, amount="-5", date=day, category=coffee, payee="Cafe")
    make_transaction(card, amount="10", date=day, category=food, payee="Grocer")  # refund
    split = make_transaction(usd, amount="-30", date=day, payee="Market")
    make_split(split, [(food, "-20"), (coffee, "-10")])
    make_transfer(usd, card, amount="100", date=day)
    make_transaction(
        usd, amount="-25", date=datetime.date(2026, 2, 10), category=food, payee="Grocer"
    )
    make_transaction(
        usd, amount="-50", date=datetime.date(2025, 3, 10), category=food, payee="Grocer"
    )
    return {"food": food, "coffee": coffee}


def test_grouping_by_category_rolls_up_children_and_nets_refunds(alice, books):
    period = reports.Period(datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))
    usd = reports.report_build(user=alice, period=period, group="category")["USD"]
    lines = {line.label: line for line in usd.lines.values()}
    # 40 + 5 + 20 + 10 spent, minus the 10 refund; the transfer is not spending.
    assert lines["Food"].spending == D("65")
    assert lines["Salary"].income == D("3000")
    assert usd.spending == D("65") and usd.income == D("3000")


def test_grouping_by_sub_category_payee_account_and_tag(alice, books):
    period = reports.Period(datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))
    sub = reports.report_build(user=alice, period=period, group="subcategory")["USD"]
    assert {x.label: x.spending for x in sub.lines.values() if x.spending} == {
        "Food": D("50"),
        "Coffee": D("15"),
    }
    payees = reports.report_build(user=alice, period=period, group="payee")["USD"]
    # The Grocer's refund of a food purchase reduces what was spent there: it is not income.
    assert payees.lines["Grocer"].spending == D("30") and payees.lines["Grocer"].income == 0
    assert payees.lines["Market"].spending == D("30")  # split into two categories, one payee
    accounts = reports.report_build(user=alice, period=period, group="account")["USD"]
    assert accounts.lines["Card"].spending == D("35")
    assert accounts.lines["Checking"].spending == D("30")
    tags = reports.report_build(user=alice, period=period, group="tag")["USD"]
    assert tags.lines["home"].spending == D("40")
    assert tags.lines[""].label == "(none)" and tags.lines[""].spending == D("25")


@pytest.mark.parametrize("group", list(reports.GROUPS))
def test_every_grouping_gives_the_same_period_totals(alice, books, group):
    period = reports.Period(datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))
    usd = reports.report_build(user=alice, period=period, group=group)["USD"]
    assert (usd.spending, usd.income) == (D("65"), D("3000"))


def test_a_transaction_with_two_tags_is_in_both_lines_but_spent_once(alice):
    account = make_account(alice)
    make_transaction(
        account,
        amount="-12",
        date=datetime.date(2026, 3, 3),
        tags=[make_tag(alice, "trip"), make_tag(alice, "work")],
    )
    period = reports.Period(datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))
    usd = reports.report_build(user=alice, period=period, group="tag")["USD"]
    assert usd.lines["trip"].spending == usd.lines["work"].spending == D("12")
    assert usd.spending == D("12")


def test_comparison_with_the_previous_period_and_last_year(alice, alice_client, books):
    page = alice_client.get(reverse("insights:reports"), {"period": "month", "month": "2026-03"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "March 2026" in body and "February 2026" in body and "March 2025" in body
    # Food: 65 now vs 25 in February (+160%) and 50 a year before (+30%).
    assert "+160%" in body and "+30%" in body


def test_the_csv_export_neutralises_formulas(alice, alice_client):
    account = make_account(alice)
    make_transaction(account, amount="-9", date=datetime.date(2026, 3, 3), payee="=HYPERLINK(1)")
    response = alice_client.get(
        reverse("insights:reports"),
        {"period": "month", "month": "2026-03", "group": "payee", "format": "csv"},
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "'=HYPERLINK(1),USD,9.00,0.00,-9.00" in text


def test_the_year_view_has_a_column_per_month_and_totals(alice, alice_client, books):
    matrix = reports.year_matrix(user=alice, year=2026)[0]
    food = next(row for row in matrix.rows if row[0] == "Food")
    assert food[1][1] == D("25") and food[1][2] == D("65") and food[2] == D("90")
    page = alice_client.get(reverse("insights:report-year"), {"year": "2026"}).content.decode()
    assert "2026: spending by category and month" in page and "$90<" in page


def test_the_year_view_writes_whole_amounts_in_the_users_number_format(alice, alice_client, books):
    from accounts.models import Profile

    Profile.objects.filter(user=alice).update(number_format="eu")
    rent = make_category(alice, name="Rent")
    make_transaction(
        make_account(alice), amount="-1725.40", date=datetime.date(2026, 4, 1), category=rent
    )
    page = alice_client.get(reverse("insights:report-year"), {"year": "2026"}).content.decode()
    assert "$1.725<" in page and "$90<" in page
    assert "$1<" not in page  # not cut at the thousands separator


def test_bad_parameters_get_a_plain_message_not_a_500(alice_client):
    response = alice_client.get(reverse("insights:reports"), {"period": "custom", "start": "x"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
    api = alice_client.get("/api/v1/reports", {"group": "nonsense"})
    assert api.status_code == 400 and "grouping" in api.json()["detail"]


def test_reports_show_only_the_users_own_money(bob_client, books):
    body = bob_client.get(
        reverse("insights:reports"), {"period": "month", "month": "2026-03"}
    ).content.decode()
    assert "Grocer" not in body and "3,000" not in body
    assert (
        bob_client.get("/api/v1/reports", {"period": "month", "month": "2026-03"}).json()[
            "currencies"
        ]
        == {}
    )


def test_the_reports_api_returns_lines_with_comparisons(alice_client, books):
    data = alice_client.get("/api/v1/reports", {"period": "month", "month": "2026-03"}).json()
    food = next(line for line in data["currencies"]["USD"]["lines"] if line["label"] == "Food")
    assert (food["spending"], food["previous"], food["year_before"]) == ("65.00", "25.00", "50.00")


def test_periods_are_named_the_way_people_say_them():
    today = datetime.date(2026, 11, 22)
    assert reports.period_for("month", today=today).label == "November 2026"
    assert reports.period_for("quarter", today=today).label == "Q4 2026"
    assert reports.period_for("year", today=today).label == "2026"
    assert reports.period_for("month", today=today, payday=25).label == (
        "25 Oct 2026 – 24 Nov 2026"
    )
    custom = reports.period_for("custom", today=today, start="2026-06-01", end="2026-08-15")
    assert custom.label == "1 Jun 2026 – 15 Aug 2026"
    assert custom.previous().label == "17 Mar 2026 – 31 May 2026"


def test_a_yearly_report_is_compared_once_with_the_year_before(alice_client, books):
    body = alice_client.get(
        reverse("insights:reports"), {"period": "year", "month": "2026-01"}
    ).content.decode()
    assert "Compared with 2025. Transfers" in body
    assert 'name="month" type="month" value="2026-01"' in body


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "start": "0001-01-01", "end": "0001-02-01"},
        {"period": "month", "month": "0001-01"},
        {"period": "year", "month": "9999-01"},
        {"period": "quarter", "month": "2026-13"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_get_a_message_not_a_500(alice_client, params):
    page = alice_client.get(reverse("insights:reports"), params)
    assert page.status_code == 400 and 'role="alert"' in page.content.decode()
    api = alice_client.get("/api/v1/reports", params)
    assert api.status_code == 400 and api.json()["detail"]


def test_the_year_view_counts_uncategorized_spending_in_a_month_money_also_came_in(alice):
    account = make_account(alice)
    make_transaction(account, amount="-100", date=datetime.date(2026, 5, 2))
    make_transaction(account, amount="150", date=datetime.date(2026, 5, 3))  # income, not a refund
    food = make_category(alice, name="Food")
    make_transaction(account, amount="-60", date=datetime.date(2026, 5, 4), category=food)
    make_transaction(account, amount="20", date=datetime.date(2026, 5, 5), category=food)
    matrix = reports.year_matrix(user=alice, year=2026)[0]
    rows = {label: (cells[4], total) for label, cells, total in matrix.rows}
    assert rows == {"Uncategorized": (D("100"), D("100")), "Food": (D("40"), D("40"))}
    assert matrix.grand_total == D("140")


def test_the_reports_api_converts_only_with_the_users_rates(alice, alice_client):
    from insights.summaries import ExchangeRate

    make_transaction(make_account(alice), amount="-100", date=datetime.date(2026, 3, 3))
    make_transaction(
        make_account(alice, currency="EUR"), amount="-50", date=datetime.date(2026, 3, 3)
    )
    params = {"period": "month", "month": "2026-03"}
    data = alice_client.get("/api/v1/reports", params).json()
    assert data["converted"] is None
    assert {c: v["spending"] for c, v in data["currencies"].items()} == {
        "USD": "100.00",
        "EUR": "50.00",
    }
    ExchangeRate.objects.create(user=alice, currency="EUR", rate=D("1.1"))
    data = alice_client.get("/api/v1/reports", params).json()
    assert data["converted"] == {
        "currency": "USD",
        "spending": "155.00",
        "income": "0.00",
        "rates": {"EUR": "1.10000000"},
    }
    assert data["currencies"]["EUR"]["spending"] == "50.00"  # still per currency as well
