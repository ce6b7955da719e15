"""End-to-end harness: Debian's Chromium driven by Playwright against the app served for real.

The app runs in pytest-django's live_server (a real HTTP server in a thread of this process,
so `mailoutbox` sees the mail it sends). Background tasks run inline, except in the journeys
that take the `worker` fixture: there a real django-q2 worker process (`manage.py qcluster`)
does them from the test database, as in production (tests/e2e/worker.py).

Every test gets a fresh browser context; a `problems` recorder fails the test when the
browser console logs an error, a script throws, any request fails or answers >= 400 (tests
that expect one say so with `problems.allow(status)`), or a page comes without the app's
Content-Security-Policy (which is what turns an inline script or style="..." into a console
error here).

Run alone with `make e2e` (pytest -m e2e). Add a journey: a test module here with
`pytestmark = pytest.mark.e2e`, the `page` (signed out) or `signed_in_page` fixture (plus
`checking` for default categories and an account, and `worker` when what the user waits for
is done in the background), and `shoot(page, "name")` from tests/e2e/screenshots.py for the
pages it reaches. Journeys live in test_journey_*.py.
"""

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests import processes
from tests.e2e.worker import Worker, queued_not_inline, use_shared_folder
from tests.e2e.worker import start as start_worker

CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "a quiet ledger 7 horses"


def chromium_path() -> str | None:
    configured = os.environ.get("E2E_CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents and "e2e" not in item.keywords:
            raise pytest.UsageError(f"{item.nodeid}: every e2e test needs @pytest.mark.e2e")


# Package scope: Playwright's sync API allows one instance per thread, so the browser closes
# when the e2e package is done, before other marked suites (tests/platform) start their own.
@pytest.fixture(scope="package")
def browser() -> Iterator:
    executable = chromium_path()
    if not executable:
        pytest.skip("Chromium not found: apt-get install -y chromium (never `playwright install`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed: pip install -e '.[dev]'")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in
    # a thread with a running loop unless told it is safe (it is: the loop is Playwright's own).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class BrowserProblems:
    """What went wrong in the browser during a test: console errors, failed requests."""

    messages: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    def allow(self, *statuses: int) -> None:
        """This test expects responses with these statuses (e.g. 404 on purpose, 400 on a bad form)."""
        self.allowed_statuses.update(statuses)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        status = re.search(r"status of (\d{3})", text)
        if status and int(status.group(1)) in self.allowed_statuses:
            return
        self.messages.append(f"console error: {text} ({message.location.get('url', '')})")

    def on_page_error(self, error) -> None:
        self.messages.append(f"uncaught script error: {error}")

    def on_request_failed(self, request) -> None:
        failure = request.failure or ""
        # A navigation that replaces an unfinished request (a click during a load) aborts it.
        if "ERR_ABORTED" in failure and request.resource_type != "document":
            return
        self.messages.append(f"request failed: {request.method} {request.url}: {failure}")

    def on_response(self, response) -> None:
        request = response.request
        if request.resource_type == "document" and "script-src 'self'" not in (
            response.headers.get("content-security-policy") or ""
        ):
            self.messages.append(f"no Content-Security-Policy on {request.method} {response.url}")
        if response.status < 400 or response.status in self.allowed_statuses:
            return
        self.messages.append(f"HTTP {response.status} for {request.method} {response.url}")


@pytest.fixture
def problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def context(browser, live_server, problems: BrowserProblems) -> Iterator:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=DESKTOP,
        locale="en-US",
        timezone_id="UTC",
        color_scheme="light",
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context, problems: BrowserProblems) -> Iterator:
    """A signed-out page; the test fails if the browser saw an error or a failed request."""
    page = context.new_page()
    page.on("console", problems.on_console)
    page.on("pageerror", problems.on_page_error)
    page.on("requestfailed", problems.on_request_failed)
    page.on("response", problems.on_response)
    yield page
    page.close()
    if problems.messages:
        pytest.fail("The browser reported problems:\n" + "\n".join(problems.messages))


@pytest.fixture
def e2e_user(transactional_db):
    """A user who has finished onboarding (profile in USD)."""
    from accounts.models import User
    from accounts.services import profile_get_or_create

    user = User.objects.create_user("casey@example.com", PASSWORD)
    profile_get_or_create(user)
    return user


def sign_in(context, user, live_server_url: str) -> None:
    """Starts a session for `user` without the login form (journeys test the form itself)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server_url, "httpOnly": True}]
    )


@pytest.fixture
def signed_in_page(page, context, e2e_user, live_server):
    sign_in(context, e2e_user, live_server.url)
    return page


@pytest.fixture
def checking(e2e_user):
    """The signed-in user's default categories and a checking account holding $1,000.00."""
    from ledger.services.accounts import account_create
    from ledger.services.categories import categories_create_defaults

    categories_create_defaults(user=e2e_user)
    return account_create(user=e2e_user, name="Everyday checking", opening_balance="1000.00")


@pytest.fixture
def worker(live_server, settings, monkeypatch, tmp_path: Path) -> Iterator[Worker]:
    """A real qcluster process doing the live server's background tasks. The test fails if
    one of them failed; the worker is stopped, once the queue is empty, before the test
    database is flushed."""
    from django_q.models import Failure

    var_dir = tmp_path / "var"
    use_shared_folder(settings, var_dir)
    queued_not_inline(monkeypatch)
    running = start_worker(var_dir, tmp_path / "qcluster.log")
    try:
        yield running
        running.wait_until_idle()
    finally:
        processes.stop(running.process)
    failed = [f"{task.func}: {task.result}" for task in Failure.objects.all()]
    assert not failed, "background tasks failed:\n" + "\n".join(failed) + running.output()
