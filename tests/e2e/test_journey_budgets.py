"""Journeys of budgets and bills: a budget passed by a purchase, its alert in the bell (checked
by a real worker process), and a recurring bill on the upcoming page."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.screenshots import shoot

pytestmark = pytest.mark.e2e


def create_budget(page, *, category: str, limit: str, photograph: bool = False) -> None:
    page.goto(reverse("budgets:budget-list"))
    page.get_by_role("link", name="New budget").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New budget")
    page.get_by_label("Category").select_option(label=category)
    expect(page.get_by_label("Period").locator("option:checked")).to_have_text(
        "Monthly (from your payday)"
    )
    page.get_by_label("Limit").fill(limit)
    if photograph:
        shoot(page, "budget-form")
    page.get_by_role("button", name="Create budget").click()
    page.wait_for_url("**/budgets/")


def quick_add(page, *, amount: str, payee: str, category: str) -> None:
    page.locator(".topbar").get_by_role("link", name="Quick add a transaction").click()
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Payee").fill(payee)
    page.get_by_label("Category").fill(category)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Added")).to_contain_text(payee)


def budget_card(page, name: str):
    return page.locator(".budget-card").filter(has=page.get_by_role("heading", name=name))


def test_a_purchase_that_passes_a_budget_turns_it_red(signed_in_page, checking) -> None:
    page = signed_in_page
    create_budget(page, category="🛒 Groceries", limit="100", photograph=True)
    expect(page.get_by_role("status").filter(has_text="Budget")).to_contain_text(
        "Budget for Groceries created."
    )
    card = budget_card(page, "Groceries")
    expect(card.locator(".badge")).to_have_text("On track")
    expect(card.locator(".figures")).to_contain_text("Spent $0.00 of $100.00")
    expect(card.locator(".figures")).to_contain_text("$100.00 left")

    quick_add(page, amount="130", payee="Whole Foods", category="Groceries")
    page.wait_for_url("**/budgets/")
    card = budget_card(page, "Groceries")
    expect(card.locator(".badge")).to_have_text("Over")
    expect(card.locator(".figures")).to_contain_text("Spent $130.00 of $100.00")
    expect(card.locator(".figures .amount.neg")).to_have_text("$30.00")
    summary = page.locator("main .grid .card").first
    expect(summary).to_contain_text("$130.00 spent of $100.00")
    expect(summary).to_contain_text("$30.00 over in total")
    expect(summary).not_to_contain_text("-$30.00")
    shoot(page, "budgets-over")


def test_an_imported_purchase_that_passes_a_budget_rings_the_bell(
    signed_in_page, e2e_user, checking, worker
) -> None:
    from ledger.views import user_today

    page = signed_in_page
    create_budget(page, category="All spending", limit="100")
    bell = page.locator(".topbar .bell")
    expect(bell).to_have_attribute("aria-label", "Notifications")
    expect(bell.locator(".count")).to_have_count(0)

    today = user_today(e2e_user).isoformat()
    statement = f"Date,Description,Amount\r\n{today},HARDWARE PLUS 0042,-130.00\r\n"
    statement += f"{today},CORNER NEWSSTAND,-5.00\r\n"
    page.goto(reverse("banking:import"))
    page.get_by_label("Into account").select_option(label="Everyday checking (USD)")
    page.locator("input[type=file]").set_input_files(
        {"name": "today.csv", "mimeType": "text/csv", "buffer": statement.encode()}
    )
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("button", name="Import 2 transactions").click()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_contain_text(
        "Imported 2 transactions."
    )

    # The worker checks the budgets after the import; the next page shows its alert.
    worker.wait_until_idle()
    assert "budgets.tasks.after_new_transactions" in worker.processed(), worker.output()
    page.reload()
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(bell.locator(".count")).to_have_text("1")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    alert = page.locator(".notification-list li.unread")
    expect(alert).to_have_count(1)
    expect(alert.locator(".title")).to_contain_text("over budget")
    expect(alert).to_contain_text("You have spent $135.00 of $100.00")
    expect(alert).to_contain_text("$35.00 over.")
    shoot(page, "notifications")
    page.get_by_role("button", name="Mark all read").click()
    expect(bell).to_have_attribute("aria-label", "Notifications")
    expect(bell.locator(".count")).to_have_count(0)


def test_a_purchase_added_by_hand_that_passes_a_budget_rings_the_bell(
    signed_in_page, checking, worker
) -> None:
    page = signed_in_page
    create_budget(page, category="🛒 Groceries", limit="100")
    quick_add(page, amount="130", payee="Whole Foods", category="Groceries")
    worker.wait_until_idle()
    assert "budgets.tasks.budget_alerts_check" in worker.processed(), worker.output()
    page.reload()
    bell = page.locator(".topbar .bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    bell.click()
    expect(page.locator(".notification-list li.unread")).to_contain_text(
        "You have spent $130.00 of $100.00"
    )


def test_a_recurring_bill_shows_on_the_upcoming_page(signed_in_page, e2e_user, checking) -> None:
    from ledger.views import user_today

    due = user_today(e2e_user) + datetime.timedelta(days=5)
    page = signed_in_page
    page.goto(reverse("budgets:recurring-list"))
    expect(page.get_by_role("heading", name="No recurring bills yet")).to_be_visible()
    page.get_by_role("link", name="New recurring bill").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New recurring bill")
    page.get_by_label("Payee").fill("Oak Street Apartments")
    page.get_by_label("Amount", exact=True).fill("1450")
    page.get_by_label("Account", exact=True).select_option(label="Everyday checking (USD)")
    page.get_by_label("Category").select_option(label="🔑 Housing › Rent")
    expect(page.get_by_label("Frequency").locator("option:checked")).to_have_text("Every month")
    page.get_by_role("spinbutton", name="Day of the month").fill(str(due.day))
    page.get_by_label("First date").fill(due.isoformat())
    shoot(page, "recurring-form")
    page.get_by_role("button", name="Add recurring bill").click()

    page.wait_for_url("**/recurring/")
    expect(page.get_by_role("status").filter(has_text="added")).to_contain_text(
        "“Oak Street Apartments” added to your recurring bills."
    )
    row = page.locator("tbody tr").filter(has_text="Oak Street Apartments")
    expect(row).to_contain_text(f"Every month, day {due.day}")
    expect(row.locator(".amount")).to_have_text("-$1,450.00")
    expect(page.locator("main h2").first).to_have_text("Tracked · $17,400.00 a year")

    page.get_by_role("link", name="Next 30 days").click()
    # The status badge is in the page twice (phone and desktop layouts); wait for the
    # stylesheet that hides one of them before asking which is visible.
    page.wait_for_url("**/recurring/upcoming/", wait_until="load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Next 30 days")
    upcoming = page.locator("tbody tr")
    expect(upcoming).to_have_count(1)
    expect(upcoming).to_contain_text(f"{due:%a} {due.day} {due:%b}")
    expect(upcoming).to_contain_text("Oak Street Apartments")
    expect(upcoming.locator(".amount")).to_have_text("-$1,450.00")
    expect(upcoming.locator(".badge").filter(visible=True)).to_have_text("Expected")
    total = page.locator(".card").filter(has_text="Bills due · USD")
    expect(total.locator(".big")).to_have_text("$1,450.00")
    expect(total).to_contain_text("0 of 1 seen already")
    shoot(page, "upcoming")
