"""Every main page: it renders in the browser without errors, passes the accessibility basics,
fits a phone, and is photographed at 1280/375 px in light and dark (test-artifacts/screenshots/).

Add a page here when you build it; journeys that reach deeper pages call shoot() themselves.
"""

from pathlib import Path

import pytest
from django import forms
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.checks import assert_accessible_basics
from tests.e2e.screenshots import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e

SIGNED_OUT_PAGES = {
    "login": "account_login",
    "signup": "account_signup",
    "password-reset": "account_reset_password",
}
SIGNED_IN_PAGES = {
    "dashboard": ("insights:dashboard", "Dashboard"),
    "transactions": ("ledger:transaction-list", "Transactions"),
    "review-empty": ("insights:review", "Review"),
    "accounts": ("ledger:account-list", "Accounts"),
    "budgets": ("budgets:budget-list", "Budgets"),
    "import": ("banking:import", "Import"),
    "connections": ("banking:connections", "Connections"),
    "insights": ("insights:insights", "Insights"),
    "settings": ("accounts:settings", "Settings"),
}


def app_policy() -> dict[str, str]:
    """The Content-Security-Policy header the app sends, for HTML a test serves itself."""
    from django.conf import settings

    from config.middleware import build_policy

    return {"Content-Security-Policy": build_policy(settings.CSP_EXTRA)}


@pytest.mark.parametrize("name", SIGNED_OUT_PAGES)
def test_signed_out_page_looks_right(page, name: str) -> None:
    page.goto(reverse(SIGNED_OUT_PAGES[name]))
    assert page.locator("main#content h1").count() == 1
    assert page.locator(".sidebar").count() == 0, "signed-out pages use the centered card"
    assert_accessible_basics(page)
    shoot(page, name)


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_page_looks_right(signed_in_page, name: str) -> None:
    page = signed_in_page
    url_name, nav_label = SIGNED_IN_PAGES[name]
    page.goto(reverse(url_name))
    current = page.locator(".side-nav a[aria-current=page]")
    assert current.count() == 1, "exactly one section is highlighted"
    assert current.inner_text().strip() == nav_label
    assert_accessible_basics(page)
    shoot(page, name)


def test_unknown_page_shows_a_friendly_404(signed_in_page, problems) -> None:
    problems.allow(404)
    page = signed_in_page
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "We can’t find that page"
    shoot(page, "error-404")
    page.get_by_role("link", name="Go to the dashboard").click()
    page.wait_for_url("**/")


class KitchenSinkForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(help_text="Negative for money out, e.g. -12.50.")
    payee = forms.CharField(max_length=80)
    category = forms.ChoiceField(
        choices=[("", "Uncategorized"), ("1", "Groceries")], required=False
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    cleared = forms.BooleanField(required=False, label="Cleared")
    kind = forms.ChoiceField(
        choices=[("expense", "Expense"), ("income", "Income")], widget=forms.RadioSelect
    )

    def clean(self):
        raise forms.ValidationError("The account is archived; pick another one.")


class KitchenSinkFilters(forms.Form):
    search = forms.CharField(required=False, label="Search")
    account = forms.ChoiceField(choices=[("", "All accounts")], required=False)
    uncategorized = forms.BooleanField(required=False, label="Uncategorized only")


def test_the_design_system_kitchen_sink(signed_in_page, e2e_user, live_server) -> None:
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.core.paginator import Paginator
    from django.template import engines
    from django.test import RequestFactory

    request = RequestFactory().get("/transactions/?q=rent&page=2")
    request.user = e2e_user
    source = (Path(__file__).parent / "kitchen_sink.html").read_text()
    html = (
        engines["django"]
        .from_string(source)
        .render(
            {
                "form": KitchenSinkForm(data={"amount": "twelve", "payee": "", "kind": "expense"}),
                "filters": KitchenSinkFilters(),
                "page_obj": Paginator(list(range(120)), 50).page(2),
                "messages": [
                    Message(constants.SUCCESS, "Imported 42 transactions from statement.csv."),
                    Message(constants.ERROR, "Sync failed: the bank asked you to sign in again."),
                ],
            },
            request,
        )
    )
    page = signed_in_page
    page.route(
        "**/__kitchen_sink__",
        lambda route: route.fulfill(
            status=200, body=html, content_type="text/html", headers=app_policy()
        ),
    )
    page.goto("/__kitchen_sink__")
    page.wait_for_function("window.Chart && window.Billfold")
    # What a page script does (from a static file, in the scripts block, with defer).
    page.evaluate(
        """() => {
            const colors = Billfold.chartColors();
            new Chart(document.getElementById("ks-chart"), {
                type: "bar",
                data: {
                    labels: ["Jun", "Jul", "Aug", "Sep", "Oct", "Nov"],
                    datasets: [
                        {label: "Spent", data: [1810, 2140, 1960, 2480, 2010, 1284],
                         backgroundColor: colors.series[0]},
                        {label: "Income", data: [3200, 3200, 3350, 3200, 3200, 3200],
                         backgroundColor: colors.series[1]},
                    ],
                },
                options: {
                    animation: false, maintainAspectRatio: false,
                    color: colors.muted,
                    scales: {x: {grid: {color: colors.grid}, ticks: {color: colors.muted}},
                             y: {grid: {color: colors.grid}, ticks: {color: colors.muted}}},
                },
            });
        }"""
    )
    assert_accessible_basics(page)
    shoot(page, "kitchen-sink")

    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_role("button", name="Delete account").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("1,204 transactions")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.screenshot(path=str(SCREENSHOTS / "kitchen-sink-dialog-375-light.png"))
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert page.url.endswith("/__kitchen_sink__"), "cancelled: nothing was posted"

    page.get_by_role("button", name="Dismiss this message").first.click()
    expect(page.get_by_role("status")).to_have_count(0)


def test_the_500_page_stands_alone_and_is_styled(page, problems) -> None:
    from django.test import RequestFactory
    from django.views.defaults import server_error

    # Django renders 500.html with an empty context, as here; serve that HTML from the app's
    # origin so its static files load (and the CSP applies) as in production.
    html = server_error(RequestFactory().get("/")).content.decode()
    problems.allow(500)
    page.route(
        "**/__server_error__",
        lambda route: route.fulfill(
            status=500, body=html, content_type="text/html", headers=app_policy()
        ),
    )
    page.goto("/__server_error__")
    assert page.get_by_role("heading", level=1).inner_text() == "Something went wrong on our side"
    assert page.evaluate("getComputedStyle(document.body).display") == "flex", "app.css loaded"
    shoot(page, "error-500")


def test_the_theme_toggle_remembers_the_choice(signed_in_page) -> None:
    page = signed_in_page
    page.goto(reverse("insights:dashboard"))
    html = page.locator("html")
    assert html.get_attribute("data-theme") is None, "follows the system by default"
    background_light = page.evaluate("getComputedStyle(document.body).backgroundColor")

    page.locator(".sidebar").get_by_role("button", name="Dark theme").click()
    assert html.get_attribute("data-theme") == "dark"
    page.reload()
    assert html.get_attribute("data-theme") == "dark", "the choice survives a reload"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background_light
    pressed = page.locator(".sidebar [data-theme-choice=dark]").get_attribute("aria-pressed")
    assert pressed == "true"

    page.locator(".sidebar").get_by_role("button", name="System theme").click()
    page.reload()
    assert html.get_attribute("data-theme") is None


def test_the_keyboard_reaches_the_content_first(signed_in_page) -> None:
    page = signed_in_page
    page.goto(reverse("insights:dashboard"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_on_a_phone_the_menu_opens_and_closes(signed_in_page) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(reverse("insights:dashboard"))
    sidebar_link = page.locator(".side-nav").get_by_role("link", name="Connections")
    expect(sidebar_link).to_be_hidden()
    expect(page.locator(".bottom-nav")).to_be_visible()

    page.locator(".bottom-nav").get_by_role("button", name="More").click()
    expect(sidebar_link).to_be_visible()
    page.keyboard.press("Escape")
    expect(sidebar_link).to_be_hidden()

    page.locator(".bottom-nav").get_by_role("button", name="More").click()
    sidebar_link.click()
    page.wait_for_url("**/connections/")
    assert page.locator(".side-nav a[aria-current=page]").text_content().strip() == "Connections"


def test_the_harness_catches_inline_styles_and_scripts(signed_in_page, problems) -> None:
    page = signed_in_page
    response = page.goto(reverse("insights:dashboard"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
        }"""
    )
    assert page.evaluate("window.inlineRan") is None
    page.wait_for_timeout(100)
    caught = [m for m in problems.messages if "Content Security Policy" in m]
    assert len(caught) == 2, problems.messages
    problems.messages.clear()
