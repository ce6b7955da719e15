"""Journeys of a person's account: sign up with email verification, onboarding, log out and in."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.e2e.screenshots import shoot

pytestmark = pytest.mark.e2e


def confirmation_link(mailoutbox, email: str) -> str:
    messages = [m for m in mailoutbox if email in m.to]
    assert messages, f"no email was sent to {email}"
    match = re.search(r"https?://\S+/auth/confirm-email/\S+/", messages[-1].body)
    assert match, f"no confirmation link in:\n{messages[-1].body}"
    return match.group(0)


def submit_form_with_password(page) -> None:
    page.locator("main form:has(input[type=password]) button[type=submit]").first.click()


def log_out(page) -> None:
    page.locator(".user-menu summary").click()
    page.locator(".user-menu").get_by_role("button", name="Log out").click()


def log_in(page, email: str, password: str) -> None:
    page.goto(reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    submit_form_with_password(page)


def test_a_new_person_signs_up_verifies_onboards_and_logs_back_in(
    page, mailoutbox, live_server, transactional_db
) -> None:
    email = "dana@example.com"
    page.goto(reverse("account_signup"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    submit_form_with_password(page)

    page.wait_for_url("**/auth/confirm-email/")
    assert "verif" in page.locator("main").inner_text().lower()

    page.goto(confirmation_link(mailoutbox, email))
    assert email in page.locator("main").inner_text()
    page.locator("main").get_by_role("button", name=re.compile("confirm", re.I)).click()

    # Confirming signs the person in; the app asks for currency, timezone and payday first.
    page.wait_for_url("**/onboarding/**")
    shoot(page, "onboarding")
    page.get_by_label("Display name").fill("Dana")
    page.get_by_label("Base currency").select_option(value="EUR")
    page.get_by_label("Your month starts on day").fill("25")
    page.get_by_role("button", name="Start using Billfold").click()

    page.wait_for_url(live_server.url + reverse("insights:dashboard"))
    expect(page.get_by_role("status").filter(has_text="Welcome to Billfold")).to_be_visible()
    assert page.locator(".side-nav a[aria-current=page]").inner_text().strip() == "Dashboard"
    page.get_by_role("button", name="Dismiss this message").click()
    assert page.get_by_text("Welcome to Billfold!").count() == 0

    log_out(page)
    page.wait_for_url("**/auth/login/**")
    assert page.locator(".sidebar").count() == 0

    log_in(page, email, PASSWORD)
    page.wait_for_url(live_server.url + reverse("insights:dashboard"))
    assert page.locator(".user-menu").get_by_text(email).count() == 1

    # The onboarding choices are kept: in Settings, and as the default of a new budget.
    page.goto(reverse("accounts:settings"))
    expect(page.get_by_label("Display name")).to_have_value("Dana")
    expect(page.get_by_label("Base currency")).to_have_value("EUR")
    expect(page.get_by_label("Your month starts on day")).to_have_value("25")
    page.goto(reverse("budgets:budget-create"))
    expect(page.get_by_label("Currency")).to_have_value("EUR")


def test_a_wrong_password_says_so_and_keeps_the_person_out(page, e2e_user, problems) -> None:
    problems.allow(400)
    log_in(page, e2e_user.email, "not the password")
    main = page.locator("main")
    main.get_by_text(re.compile("not correct", re.I)).wait_for()
    assert page.locator(".sidebar").count() == 0
    assert page.get_by_label("Email").input_value() == e2e_user.email
    shoot(page, "login-error")
