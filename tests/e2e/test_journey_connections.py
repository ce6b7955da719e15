"""Journey of bank sync: connect the demo bank, link its accounts, sync again with the progress
indicator, and see the new transactions. The syncs are done by a real worker process."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.screenshots import shoot

pytestmark = pytest.mark.e2e

LAST_RUN = re.compile(r"(\d+) added, (\d+) updated, (\d+) removed\.")


def listed_count(page) -> int:
    """How many transactions the list says it holds (its USD totals card)."""
    page.goto(reverse("ledger:transaction-list"))
    heading = page.locator(".totals h2").filter(has_text="USD").inner_text()
    return int(re.search(r"(\d+) transactions?", heading.replace(",", "")).group(1))


def test_the_demo_bank_connects_syncs_with_progress_and_brings_new_transactions(
    signed_in_page, checking, worker
) -> None:
    page = signed_in_page
    page.goto(reverse("banking:connections"))
    expect(page.get_by_role("heading", name="No banks connected yet")).to_be_visible()
    page.get_by_role("button", name="Connect the demo bank").click()

    # Where each of the bank's accounts goes: the checking into ours, the card into a new one.
    page.wait_for_url("**/connections/*/accounts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Link Demo Bank accounts")
    expect(page.get_by_role("status")).to_contain_text("Demo Bank connected.")
    page.get_by_label("Demo Everyday Checking ••0001").select_option(
        label="Use Everyday checking (USD)"
    )
    card = page.get_by_label("Demo Rewards Card ••0002")
    expect(card.locator("option:checked")).to_have_text(
        "Create a new account “Demo Rewards Card” (USD)"
    )
    shoot(page, "connection-accounts")
    page.get_by_role("button", name="Save and sync").click()

    page.wait_for_url("**/connections/")
    expect(page.get_by_role("status")).to_contain_text(
        "Accounts linked. The first sync is on its way."
    )
    connection = page.locator(".connection").filter(has_text="Demo Bank")
    expect(connection).to_contain_text("Demo Everyday Checking ••0001 → Everyday checking")
    expect(connection).to_contain_text("Demo Rewards Card ••0002 → Demo Rewards Card")
    # The worker does the first sync; the page follows it without a reload (or, when the
    # worker was quicker than the page, shows its result).
    last_run = connection.locator("[data-role=last-run]")
    expect(last_run).to_contain_text("Last synced", timeout=30_000)
    expect(connection.locator("[data-role=progress]")).to_be_hidden()
    expect(connection.locator("[data-role=status]")).to_have_text("Connected")
    first_added = int(LAST_RUN.search(last_run.inner_text()).group(1))
    assert first_added > 0, "the first sync brings the demo bank's history"
    shoot(page, "connections-synced")
    before = listed_count(page)
    assert before == first_added

    # Sync again. The request is held until the progress indicator has been seen.
    page.goto(reverse("banking:connections"))
    page.evaluate("window.notReloaded = true")
    held = []
    page.route("**/connections/*/sync/", lambda route: held.append(route))
    progress = connection.locator("[data-role=progress]")
    expect(progress).to_be_hidden()
    connection.get_by_role("button", name="Sync now").click()
    expect(progress).to_be_visible()
    expect(progress.locator("[data-role=progress-text]")).to_have_text("Waiting for the worker…")
    expect(progress.get_by_text("Syncing…")).to_be_visible()
    page.wait_for_function("window.notReloaded === true")
    assert len(held) == 1
    held[0].continue_()

    # Queued, then picked up and run by the worker; the page polls until it is done.
    expect(progress).to_be_hidden(timeout=30_000)
    expect(last_run).to_contain_text("Last synced just now:")
    assert page.evaluate("window.notReloaded") is True, "the page was not reloaded"
    added, _, removed = (int(n) for n in LAST_RUN.search(last_run.inner_text()).groups())
    assert added > 0, "every demo sync brings a fresh purchase"
    page.unroute("**/connections/*/sync/")
    worker.wait_until_idle()
    assert worker.processed().count("banking.tasks.bank_sync_item") == 2, worker.output()

    assert listed_count(page) == before + added - removed
    expect(page.locator("table.transactions tbody tr").first).to_contain_text(
        re.compile("Everyday checking|Demo Rewards Card")
    )


def test_after_a_sync_the_message_and_reconnect_follow_the_item_without_a_reload(
    signed_in_page, e2e_user
) -> None:
    from banking.connections import BankItem
    from banking.services.sync import bank_accounts_map, bank_item_connect

    item = bank_item_connect(user=e2e_user, provider_name="demo", public_token="demo")
    bank_accounts_map(
        user=e2e_user, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()}
    )
    BankItem.objects.filter(pk=item.pk).update(cursor="v1:not-a-day:x")  # the bank will refuse it

    page = signed_in_page
    page.goto(reverse("banking:connections"))
    page.evaluate("window.notReloaded = true")
    connection = page.locator(".connection").filter(has_text="Demo Bank")
    status = connection.locator("[data-role=status]")
    message = connection.locator("[data-role=message]")
    reconnect = connection.get_by_role("button", name="Reconnect")
    expect(status).to_have_text("Connected")
    expect(message).to_be_hidden()
    expect(reconnect).to_be_hidden()

    connection.get_by_role("button", name="Sync now").click()
    expect(status).to_have_text("Error")
    expect(message).to_contain_text("The last sync failed:")
    expect(reconnect).to_be_visible()

    BankItem.objects.filter(pk=item.pk).update(cursor="")  # the bank answers again
    connection.get_by_role("button", name="Sync now").click()
    expect(status).to_have_text("Connected")
    expect(message).to_be_hidden()
    expect(reconnect).to_be_hidden()
    assert page.evaluate("window.notReloaded") is True, "the page was not reloaded"
