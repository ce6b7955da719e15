"""The Content-Security-Policy in a real browser: nothing it blocks on the pages we serve."""

import os
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.e2e


@pytest.fixture
def chromium_page(live_server) -> Iterator:
    executable = chromium_path()
    if not executable:
        pytest.skip("Chromium not found: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.console_messages = []
        page.on("console", lambda message: page.console_messages.append(message.text))
        page.on("pageerror", lambda error: page.console_messages.append(str(error)))
        yield page
        browser.close()


def test_swagger_ui_runs_under_the_policy(chromium_page, live_server) -> None:
    chromium_page.goto(f"{live_server.url}/api/docs/")
    chromium_page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)

    assert "Billfold API" in chromium_page.inner_text(".swagger-ui .info .title")
    assert not [text for text in chromium_page.console_messages if "Content Security" in text]


def test_the_sign_in_page_breaks_no_rule_of_the_policy(chromium_page, live_server) -> None:
    chromium_page.goto(f"{live_server.url}/auth/login/")
    chromium_page.wait_for_load_state("networkidle")

    assert not [text for text in chromium_page.console_messages if "Content Security" in text]
    manifest = chromium_page.evaluate(
        "fetch('/static/manifest.webmanifest').then(r => r.json()).then(m => m.name)"
    )
    assert manifest == "Billfold"
