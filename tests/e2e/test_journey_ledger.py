"""Journeys of the ledger: quick add with the keyboard alone, edit / split / delete, CSV export."""

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.checks import assert_accessible_basics
from tests.e2e.screenshots import shoot

pytestmark = pytest.mark.e2e

# What has the keyboard focus: enough to say which field it is in an assertion message.
FOCUSED = """() => {
  const el = document.activeElement;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
          type: el.type || "", value: el.value || "", label: label.trim(),
          quickAdd: el.matches("a.quick-add")};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, wanted, *, limit: int = 60) -> dict:
    """Press Tab until `wanted(focused element)` holds; fails if the keyboard never gets there."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if wanted(now):
            return now
        seen.append(now["id"] or now["name"] or now["tag"])
    raise AssertionError(f"Tab never reached the element; it went through {seen}")


def add_transaction(user, account, *, payee: str, amount: str, day=None, category=None):
    from ledger.services.transactions import transaction_create
    from ledger.views import user_today

    return transaction_create(
        user=user,
        account=account,
        date=day or user_today(user),
        amount=amount,
        payee=payee,
        category=category,
    )


def category(user, name: str):
    from ledger.models import Category

    return Category.objects.for_user(user).get(name=name)


def test_quick_add_with_the_keyboard_alone_shows_up_in_the_list_and_on_the_dashboard(
    signed_in_page, checking, live_server
) -> None:
    page = signed_in_page
    page.goto(reverse("ledger:transaction-list"))
    expect(page.get_by_role("heading", name="No transactions yet")).to_be_visible()

    # From the top of the page, Tab reaches the top bar's "Quick add" and Enter opens it.
    tab_to(page, lambda el: el["quickAdd"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/transactions/quick-add/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a transaction")
    shoot(page, "quick-add")

    # The amount has the focus; each Tab moves to the next field in reading order.
    assert focused(page)["name"] == "amount", focused(page)
    page.keyboard.type("42.50")
    page.keyboard.press("Tab")
    kind = focused(page)
    assert (kind["name"], kind["value"]) == ("direction", "expense"), kind
    assert kind["label"].startswith("Money out"), kind
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "payee", focused(page)
    page.keyboard.type("Corner Bakery")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "category", focused(page)
    page.keyboard.type("Groceries")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "account", focused(page)
    account = page.get_by_label("Account", exact=True).locator("option:checked").inner_text()
    assert account == "Everyday checking (USD)", "the only account is preselected"
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "date", focused(page)
    page.keyboard.press("Enter")

    # Back where the person came from, with the new row and a confirmation.
    page.wait_for_url(live_server.url + reverse("ledger:transaction-list"))
    expect(page.get_by_role("status")).to_contain_text("Added -$42.50 at Corner Bakery.")
    row = page.locator("table.transactions tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Corner Bakery")
    expect(row).to_contain_text("Groceries")
    expect(row.locator("td.amount")).to_have_text("-$42.50")
    expect(page.locator(".totals")).to_contain_text("USD · 1 transaction")
    expect(page.locator(".totals")).to_contain_text("Net -$42.50")

    page.goto(reverse("insights:dashboard"))
    spending = page.locator(".tile").filter(has=page.get_by_role("heading", name="Spending"))
    expect(spending.locator(".tile-value")).to_have_text("$42.50")
    latest = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Latest transactions")
    )
    expect(latest.locator("li")).to_have_count(1)
    expect(latest).to_contain_text("Corner Bakery")
    expect(latest.locator(".amount")).to_have_text("-$42.50")
    accounts = page.locator("section.card").filter(has=page.get_by_role("heading", name="Accounts"))
    expect(accounts).to_contain_text("Everyday checking")
    expect(accounts.locator("li .amount")).to_have_text("$957.50")
    shoot(page, "dashboard-with-data")


def test_edit_split_across_two_categories_and_delete_with_confirmation(
    signed_in_page, e2e_user, checking, live_server
) -> None:
    add_transaction(e2e_user, checking, payee="TARGET 00123", amount="-120.00")
    add_transaction(e2e_user, checking, payee="City Parking", amount="-8.00")
    page = signed_in_page
    page.goto(reverse("ledger:transaction-list"))
    expect(page.locator(".totals")).to_contain_text("USD · 2 transactions")
    expect(page.locator(".totals")).to_contain_text("Net -$128.00")

    # Edit: a readable payee and a category.
    page.get_by_role("link", name="TARGET 00123").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit transaction")
    expect(page.get_by_label("Amount")).to_have_value("120.00")
    shoot(page, "transaction-edit")
    page.get_by_label("Payee").fill("Target")
    page.get_by_label("Category").select_option(label="🛍️ Shopping")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/transactions/**")
    target = page.locator("table.transactions tbody tr").filter(has_text="Target")
    expect(target).to_contain_text("Shopping")
    expect(target.locator("td.amount")).to_have_text("-$120.00")

    # Split it: the editor keeps count of what is left to assign while typing.
    target.get_by_role("link", name="Target").click()
    page.get_by_role("link", name="Split", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Split transaction")
    remainder = page.locator("[data-split-remainder]")
    amounts = page.locator("[data-split-amount]")
    categories = page.locator("select[name$='-category']")
    expect(amounts).to_have_count(2)
    # The first part starts as the whole transaction, in its category.
    expect(amounts.nth(0)).to_have_value("120.00")
    expect(categories.nth(0).locator("option:checked")).to_have_text("🛍️ Shopping")
    expect(remainder).to_have_text("0.00")
    amounts.nth(0).fill("80")
    expect(remainder).to_have_text("40.00")
    expect(remainder).to_have_class(re.compile(r"\bneg\b"))
    categories.nth(1).select_option(label="🛒 Groceries")
    amounts.nth(1).fill("45")
    expect(remainder).to_have_text("-5.00")
    amounts.nth(1).fill("40")
    expect(remainder).to_have_text("0.00")
    expect(remainder).to_have_class(re.compile(r"\bpos\b"))
    shoot(page, "transaction-split")
    page.get_by_role("button", name="Save split").click()

    expect(page.get_by_role("status")).to_contain_text("Split into 2 parts.")
    page.goto(reverse("ledger:transaction-list"))
    target = page.locator("table.transactions tbody tr").filter(has_text="Target")
    expect(target).to_contain_text("Split · 2")
    target.get_by_role("link", name="Target").click()
    parts = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Split into 2 parts")
    )
    expect(parts.locator("li")).to_have_count(2)
    expect(parts.locator("li").filter(has_text="Shopping").locator(".amount")).to_have_text(
        "-$80.00"
    )
    expect(parts.locator("li").filter(has_text="Groceries").locator(".amount")).to_have_text(
        "-$40.00"
    )

    # Delete the other one, through its confirmation page.
    page.goto(reverse("ledger:transaction-list"))
    page.get_by_role("link", name="City Parking").click()
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this transaction?")
    expect(page.locator("main")).to_contain_text("City Parking")
    expect(page.locator("main .amount")).to_have_text("-$8.00")
    expect(page.locator("main")).to_contain_text("This cannot be undone.")
    shoot(page, "transaction-delete")
    page.get_by_role("button", name="Delete").click()

    page.wait_for_url("**/transactions/**")
    expect(page.locator("table.transactions tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="City Parking")).to_have_count(0)
    expect(page.locator(".totals")).to_contain_text("USD · 1 transaction")
    expect(page.locator(".totals")).to_contain_text("Net -$120.00")


def test_the_transactions_csv_export_holds_what_the_list_shows(
    signed_in_page, e2e_user, checking
) -> None:
    add_transaction(
        e2e_user,
        checking,
        payee="Whole Foods",
        amount="-63.20",
        category=category(e2e_user, "Groceries"),
    )
    add_transaction(
        e2e_user,
        checking,
        payee="ACME Corp payroll",
        amount="2500.00",
        category=category(e2e_user, "Salary"),
    )
    page = signed_in_page
    page.goto(reverse("ledger:transaction-list"))
    expect(page.locator(".totals")).to_contain_text("Net $2,436.80")

    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert re.fullmatch(
        r"billfold-transactions-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename
    )
    with open(download.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    by_payee = {row["payee"]: row for row in rows}
    assert set(by_payee) == {"Whole Foods", "ACME Corp payroll"}
    assert by_payee["Whole Foods"]["amount"] == "-63.20"
    assert by_payee["Whole Foods"]["category"] == "Groceries"
    assert by_payee["Whole Foods"]["account"] == "Everyday checking"
    assert by_payee["ACME Corp payroll"]["amount"] == "2500.00"
    assert by_payee["ACME Corp payroll"]["currency"] == "USD"


def test_the_split_editor_labels_every_input(signed_in_page, e2e_user, checking) -> None:
    txn = add_transaction(e2e_user, checking, payee="Costco", amount="-90.00")
    page = signed_in_page
    page.goto(reverse("ledger:transaction-split", args=[txn.pk]))
    assert_accessible_basics(page)
