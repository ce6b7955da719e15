"""Journey of the review queue: categorize one transaction, make it a rule ("always categorize
payee X as Y") that sorts the payee's other transactions, and accept a suggestion."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.checks import assert_no_horizontal_overflow
from tests.e2e.screenshots import shoot

pytestmark = pytest.mark.e2e


@pytest.fixture
def to_review(e2e_user, checking) -> dict:
    """Two charges of a local coffee roaster, and a streaming charge with a learned suggestion.

    The payees are unknown to the built-in merchant book, so nothing categorizes them first.
    """
    from insights.categorize import suggestions_save
    from ledger.models import Category
    from ledger.services.transactions import transaction_create
    from ledger.views import user_today

    today = user_today(e2e_user)
    made = {}
    for days, payee, amount in [
        (3, "Hollow Oak Roasters", "-4.75"),
        (2, "Hollow Oak Roasters", "-6.10"),
        (1, "Lumenfield Media", "-15.49"),
    ]:
        made[(payee, amount)] = transaction_create(
            user=e2e_user,
            account=checking,
            date=today - datetime.timedelta(days=days),
            amount=amount,
            payee=payee,
        )
    subscriptions = Category.objects.for_user(e2e_user).get(name="Subscriptions")
    streaming = made[("Lumenfield Media", "-15.49")]
    suggestions_save(
        user=e2e_user, guesses={streaming.pk: (subscriptions.pk, 0.62)}, source="learned"
    )
    return made


def review_rows(page):
    return page.locator("[data-review-row]")


def test_a_rule_made_from_a_transaction_sorts_the_others_and_a_suggestion_is_accepted(
    signed_in_page, to_review
) -> None:
    page = signed_in_page
    page.goto(reverse("insights:review"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Review categories")
    rows = review_rows(page)
    expect(rows).to_have_count(3)
    streaming = rows.filter(has_text="Lumenfield Media")
    expect(streaming).to_contain_text("-$15.49")
    expect(streaming).to_contain_text("Entertainment › Subscriptions")
    expect(streaming).to_contain_text("0.62")
    shoot(page, "review")

    # Pick a category for the older coffee; the page offers to make it a rule.
    older = rows.filter(has_text="-$4.75")
    older.get_by_label("Category for Hollow Oak Roasters").select_option(
        label="Food & Dining › Coffee"
    )
    older.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Categorized")).to_contain_text(
        "Categorized as Food & Dining › Coffee."
    )
    offer = page.locator("section.card").filter(has_text="Always categorize")
    expect(offer).to_contain_text(
        "Always categorize Hollow Oak Roasters as Food & Dining › Coffee?"
    )
    expect(review_rows(page)).to_have_count(2)

    offer.get_by_role("button", name="Make this a rule").click()
    expect(page.get_by_role("status").filter(has_text="New rule")).to_contain_text(
        "New rule: Hollow Oak Roasters → Coffee."
    )
    # The rule ran over the history: the other coffee left the queue.
    rows = review_rows(page)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Lumenfield Media")

    # Accept the suggestion: nothing is left to review.
    rows.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status").filter(has_text="accepted")).to_contain_text(
        "Category accepted."
    )
    expect(page.get_by_role("heading", name="Nothing to review")).to_be_visible()

    page.goto(reverse("ledger:rule-list"))
    rule = page.locator("tbody tr").filter(has_text="Hollow Oak Roasters → Coffee")
    expect(rule).to_have_count(1)
    expect(rule).to_contain_text("Hollow Oak Roasters")
    expect(rule.locator(".badge")).to_contain_text("Coffee")
    shoot(page, "rules")

    page.goto(reverse("ledger:transaction-list"))
    listed = page.locator("table.transactions tbody tr")
    expect(listed.filter(has_text="Hollow Oak Roasters").filter(has_text="Coffee")).to_have_count(2)
    expect(listed.filter(has_text="Lumenfield Media")).to_contain_text("Subscriptions")
    expect(page.locator(".badge.warn").filter(has_text="Uncategorized")).to_have_count(0)


def test_the_review_queue_fits_a_phone(signed_in_page, to_review) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(reverse("insights:review"))
    rows = review_rows(page)
    expect(rows).to_have_count(3)
    assert_no_horizontal_overflow(page)
    # Nor does the list scroll sideways inside its box: every row's controls are in view.
    assert page.locator(".table-wrap").evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth")
    for row in rows.all():
        for control in row.locator("select, button").all():
            box = control.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, (
                f"{control.inner_text() or 'picker'} at {box}"
            )
        assert row.bounding_box()["height"] < 200  # one compact card, not a tall table row

    # The keyboard still works on the cards: j moves, c goes to the picker, Enter saves.
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    expect(rows.nth(1)).to_contain_text("-$6.10")
    page.keyboard.press("c")
    picker = rows.nth(1).get_by_label("Category for Hollow Oak Roasters")
    expect(picker).to_be_focused()
    picker.select_option(label="Food & Dining › Coffee")
    picker.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Categorized")).to_contain_text(
        "Categorized as Food & Dining › Coffee."
    )
    expect(review_rows(page)).to_have_count(2)


def test_the_rule_editor_lists_recent_matches_and_warns_of_a_slow_pattern(
    signed_in_page, checking, e2e_user
) -> None:
    from ledger.services.transactions import transaction_create
    from ledger.views import user_today

    today = user_today(e2e_user)
    for payee in ("Hollow Oak Roasters", "Lumenfield Media", "," * 40):
        transaction_create(user=e2e_user, account=checking, date=today, amount="-4.75", payee=payee)
    page = signed_in_page
    page.goto(reverse("ledger:rule-create"))
    page.locator("#id_cond-0-field").select_option("payee")
    page.locator("#id_cond-0-op").select_option("contains")
    page.locator("#id_cond-0-value").fill("hollow oak")
    page.get_by_role("button", name="Show recent matches").click()
    status = page.locator("[data-rule-test-status]")
    expect(status).to_have_text("Recent matches (up to 20):")
    table = page.locator("[data-rule-test-table]")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Hollow Oak Roasters")
    expect(table.locator("td.amount")).to_have_text("-$4.75")  # as on the other pages
    expect(page.locator("[data-rule-test-warning]")).to_be_hidden()

    # A pattern the time limit has to stop: the matches still come, with a warning.
    page.locator("#id_cond-0-op").select_option("regex")
    page.locator("#id_cond-0-value").fill(r"^(.*?,){11}P")
    page.get_by_role("button", name="Show recent matches").click()
    expect(page.locator("[data-rule-test-warning]")).to_contain_text("took too long")
    expect(status).to_have_text("No recent transaction matches these conditions.")
