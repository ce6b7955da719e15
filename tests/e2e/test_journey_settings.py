"""Journeys of the settings: an API token used from a script, and two-factor sign-in (TOTP)."""

import json
import time
import urllib.error
import urllib.request

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from tests.accounts.test_mfa import totp_code
from tests.e2e.conftest import PASSWORD
from tests.e2e.screenshots import shoot
from tests.e2e.test_journeys_accounts import log_in, log_out

pytestmark = pytest.mark.e2e


def call_api(url: str, token: str) -> tuple[int, dict]:
    """A script's request: no browser, no cookies, only the token."""
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_an_api_token_is_shown_once_and_lets_a_script_read_the_api(
    signed_in_page, e2e_user, live_server
) -> None:
    page = signed_in_page
    page.goto(reverse("accounts:settings"))
    page.locator("main").get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/settings/tokens/")
    expect(page.get_by_role("heading", name="No API tokens yet")).to_be_visible()
    page.get_by_label("Name").fill("home server backup script")
    page.get_by_role("button", name="Create token").click()

    shown = page.get_by_role("status").filter(has_text="Your new token")
    expect(shown).to_contain_text("it is shown only this once")
    token = page.locator("#new-token").inner_text().strip()
    assert len(token) >= 32, token
    row = page.locator("tbody tr").filter(has_text="home server backup script")
    expect(row).to_have_count(1)
    prefix = row.locator("code").inner_text().rstrip("…")
    assert token.startswith(prefix), (token, prefix)
    expect(row).to_contain_text("Never")

    status, body = call_api(f"{live_server.url}/api/v1/me", token)
    assert status == 200, body
    assert body["email"] == e2e_user.email
    status, _ = call_api(f"{live_server.url}/api/v1/me", token[:-1] + "x")
    assert status == 401

    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    assert token not in page.content(), "the secret is shown only once"
    row = page.locator("tbody tr").filter(has_text="home server backup script")
    expect(row).to_contain_text("ago")
    shoot(page, "settings-tokens")


def test_two_factor_sign_in_with_an_authenticator_code(
    signed_in_page, e2e_user, live_server
) -> None:
    from allauth.account.models import EmailAddress

    # Signed-in users have confirmed their address; the e2e user was made without the link.
    EmailAddress.objects.create(user=e2e_user, email=e2e_user.email, verified=True, primary=True)
    page = signed_in_page
    page.goto(reverse("accounts:security"))
    security = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Two-factor authentication")
    )
    expect(security.locator(".badge")).to_have_text("Off")
    shoot(page, "settings-security")
    security.get_by_role("link", name="Turn on two-factor authentication").click()

    if "/reauthenticate/" in page.url:  # allauth asks for the password before this change
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/2fa/totp/activate/**")
    expect(page.locator("main img[src^='data:image/svg+xml']")).to_be_visible()
    secret = page.get_by_label("Authenticator secret").input_value()
    assert len(secret) >= 16, secret
    shoot(page, "totp-activate")
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/2fa/totp/activate/" not in url)

    page.goto(reverse("accounts:security"))
    expect(security.locator(".badge")).to_have_text("On")

    log_out(page)
    page.wait_for_url("**/auth/login/**")
    log_in(page, e2e_user.email, PASSWORD)
    page.wait_for_url("**/2fa/authenticate/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    shoot(page, "totp-authenticate")

    # The activation code may not be replayed: sign in with the next 30-second step's code,
    # with the server's clock moved on to it.
    later = time.time() + 30
    with time_machine.travel(later, tick=True):
        page.get_by_label("Code").fill(totp_code(secret, at=later))
        page.get_by_role("button", name="Verify and sign in").click()
        page.wait_for_url(live_server.url + reverse("insights:dashboard"))
    assert page.locator(".user-menu").get_by_text(e2e_user.email).count() == 1
