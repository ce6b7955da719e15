"""Journey of reports: this month's spending by category, exported as CSV."""

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.screenshots import shoot
from tests.e2e.test_journey_ledger import add_transaction, category

pytestmark = pytest.mark.e2e


def test_a_report_of_this_month_is_exported_as_csv(signed_in_page, e2e_user, checking) -> None:
    groceries = category(e2e_user, "Groceries")
    add_transaction(e2e_user, checking, payee="Whole Foods", amount="-63.20", category=groceries)
    add_transaction(e2e_user, checking, payee="Safeway", amount="-36.80", category=groceries)
    add_transaction(
        e2e_user,
        checking,
        payee="ACME Corp payroll",
        amount="2500.00",
        category=category(e2e_user, "Salary"),
    )
    page = signed_in_page
    page.goto(reverse("insights:reports"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    usd = page.locator("section.card").filter(has=page.get_by_role("heading", name="USD"))
    expect(usd).to_contain_text("Spent $100.00 · earned $2,500.00")
    line = usd.locator("tbody tr").filter(has_text="Groceries")
    expect(line.locator("td.num").first).to_have_text("$100.00")
    shoot(page, "reports")

    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert re.fullmatch(r"billfold-report-.+\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    by_label = {row[next(iter(row))]: row for row in rows}
    grocery_rows = [row for label, row in by_label.items() if "Groceries" in label]
    assert len(grocery_rows) == 1, rows
    assert grocery_rows[0]["Currency"] == "USD"
    assert grocery_rows[0]["Spending"] == "100.00"
    salary = [row for label, row in by_label.items() if "Salary" in label]
    assert salary and salary[0]["Income"] == "2500.00", rows
