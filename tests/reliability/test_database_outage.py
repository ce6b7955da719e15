"""The database going away under a running server (gunicorn, production settings), and
coming back: requests meanwhile get the 503 page (JSON under /api/), never a traceback or a
500, and the server recovers by itself, with no restart.

Two faults: every connection dropped at once (what a database restart does to its clients),
and the database unreachable for a moment (a TCP proxy in front of PostgreSQL refuses and
cuts connections, then lets them through again).
"""

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.tokens import api_token_create
from tests.platform.conftest import session_database_url
from tests.reliability.conftest import onboard
from tests.reliability.live import TcpProxy, gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Visitor:
    """alice, by API token and by session cookie, against the live server."""

    def __init__(self, port: int, user: User) -> None:
        onboard(user)
        _, token = api_token_create(user=user, name="outage")
        browser = Client()
        browser.force_login(user)
        self.port = port
        self.api = {"Authorization": f"Bearer {token}"}
        self.page = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}

    def get(self, path: str) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers=self.api if path.startswith("/api/") else self.page)
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
        conn.close()
        return response.status, response.getheader("Content-Type", ""), body

    def round(self) -> list[tuple[str, int, str, str]]:
        """Enough requests that both workers answer some of each kind."""
        return [(path, *self.get(path)) for path in ("/api/v1/me", "/transactions/") * 4]


def _outage_answers(answers: list[tuple[str, int, str, str]]) -> list[str]:
    """The answers that are neither a success nor the friendly 503."""
    wrong = []
    for path, status, content_type, body in answers:
        if status == 200:
            continue
        friendly = status == 503 and (
            "cannot reach its database" in body
            if path.startswith("/api/")
            else "Billfold is temporarily unavailable" in body
            and content_type.startswith("text/html")
        )
        if not friendly or "Traceback" in body:
            wrong.append(f"{path} -> {status}: {body[:200]}")
    return wrong


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    db = connection.settings_dict
    proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
    yield proxy
    proxy.close()


def test_a_database_restart_drops_every_connection_and_the_server_carries_on(
    alice: User, tmp_path: Path
) -> None:
    with gunicorn(tmp_path, database_url=session_database_url()) as port:
        visitor = Visitor(port, alice)
        assert all(status == 200 for _, status, _, _ in visitor.round())

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (dropped,) = cursor.fetchone()
        after = visitor.round()

    assert dropped >= 1  # the workers' persistent connections
    assert _outage_answers(after) == []
    assert [status for _, status, _, _ in after[-2:]] == [200, 200]


def test_an_unreachable_database_gives_503_pages_and_recovery_needs_no_restart(
    alice: User, tmp_path: Path, proxy: TcpProxy
) -> None:
    db = connection.settings_dict
    through_proxy = session_database_url().replace(f":{db.get('PORT') or 5432}/", f":{proxy.port}/")
    with gunicorn(tmp_path, database_url=through_proxy) as port:
        visitor = Visitor(port, alice)
        assert all(status == 200 for _, status, _, _ in visitor.round())

        proxy.cut()
        during = visitor.round()
        proxy.restore()
        after = visitor.round()

    assert [status for _, status, _, _ in during] == [503] * len(during)
    assert _outage_answers(during) == []
    assert _outage_answers(after) == []
    assert [status for _, status, _, _ in after[-4:]] == [200] * 4
