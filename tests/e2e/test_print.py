"""Printing: every page prints black on white, whatever the screen's theme."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BLACK, WHITE, MUTED = "rgb(0, 0, 0)", "rgb(255, 255, 255)", "rgb(68, 70, 79)"


def _style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(
        f"(node) => getComputedStyle(node).getPropertyValue({prop!r})"
    )


@pytest.fixture
def budget(e2e_user, checking):
    from budgets.services.budgets import budget_create
    from ledger.filters import user_today
    from ledger.models import Category
    from ledger.services.transactions import transaction_create

    groceries = Category.objects.for_user(e2e_user).get(name="Groceries")
    today = user_today(e2e_user)[0]
    transaction_create(user=e2e_user, account=checking, date=today, amount="-80.00",
                       payee="FreshMart", category=groceries)  # fmt: skip
    transaction_create(user=e2e_user, account=checking, date=today - datetime.timedelta(days=40),
                       amount="-20.00", payee="FreshMart", category=groceries)  # fmt: skip
    return budget_create(user=e2e_user, category=groceries, amount="100")


@pytest.mark.parametrize("theme", ["system", "dark"])
def test_pages_print_black_on_white_in_the_dark_theme(signed_in_page, budget, theme) -> None:
    page = signed_in_page
    page.emulate_media(color_scheme="dark")
    if theme == "dark":  # the choice saved by the theme switch, not the system's
        page.goto(reverse("insights:dashboard"))
        page.evaluate("localStorage.setItem('billfold-theme', 'dark')")
    pages = [
        reverse("insights:dashboard"),
        reverse("ledger:transaction-list"),
        reverse("budgets:budget-list"),
        reverse("budgets:budget-detail", args=[budget.pk]),
        reverse("budgets:recurring-upcoming"),
    ]
    for url in pages:
        page.emulate_media(media="screen")
        page.goto(url)
        assert _style(page, "body", "color") != BLACK, url  # the screen is dark
        page.emulate_media(media="print")
        assert _style(page, "body", "color") == BLACK, url
        assert _style(page, "body", "background-color") == WHITE, url
        assert _style(page, "h1", "color") == BLACK, url
        assert _style(page, ".muted", "color") == MUTED, url
        expect(page.locator(".sidebar")).to_be_hidden()
    # The budget's chart, drawn in the screen's colours, is drawn again in the paper's.
    page.emulate_media(media="screen")
    page.goto(reverse("budgets:budget-detail", args=[budget.pk]))
    legend = (
        "() => Chart.getChart(document.getElementById('budget-history-chart'))"
        ".options.plugins.legend.labels.color"
    )
    assert _eventually(page, legend, "#a3a5b0")  # the dark theme's muted text
    page.emulate_media(media="print")
    assert _eventually(page, legend, "#44464f")  # the paper's


def _eventually(page, script: str, wanted: str) -> bool:
    """Whether `script` gives `wanted` within a few seconds (the page's CSP forbids the
    string evaluation wait_for_function needs)."""
    for _ in range(60):
        if page.evaluate(script) == wanted:
            return True
        page.wait_for_timeout(50)
    return False
