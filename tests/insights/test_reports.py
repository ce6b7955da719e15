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
    assert payees.lines["Grocer"].spending == D("40") and payees.lines["Grocer"].income == D("10")
    accounts = reports.report_build(user=alice, period=period, group="account")["USD"]
    assert accounts.lines["Card"].spending == D("45")
    tags = reports.report_build(user=alice, period=period, group="tag")["USD"]
    assert tags.lines["home"].spending == D("40")


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
    assert "2026: spending by category and month" in page and "$90.00" in page


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
