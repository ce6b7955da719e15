"""Load: the JSON API and the main pages under gunicorn (2 workers, production settings) on
127.0.0.1, with 50 connections for LOAD_TEST_SECONDS, mixing reads and writes.

Zero errors (every read 200, every write 201, no connection dropped), and afterwards the
transactions in the database are exactly the successful POSTs: none lost, none doubled, and
the balance is the opening balance plus what was posted.

CI runs it for 10 seconds; `LOAD_TEST_SECONDS=60 make test PYTEST_ARGS=tests/reliability/test_load.py`
(on PostgreSQL) is the full minute. Throughput and latency are judged by `make bench`.
"""

import http.client
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from accounts.tokens import api_token_create
from ledger.models import Account, Transaction
from ledger.selectors import accounts_with_balance
from tests.ledger.factories import make_account
from tests.platform.conftest import session_database_url
from tests.reliability.conftest import onboard
from tests.reliability.live import gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECONDS = float(os.environ.get("LOAD_TEST_SECONDS", "10"))
CONNECTIONS = 50
MAX_REQUESTS_PER_CONNECTION = 100_000  # a bound besides the clock
AMOUNT = Decimal("-1.25")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    # The per-user write limit would answer 429 long before this test is done.
    with gunicorn(
        tmp_path, database_url=session_database_url(), API_THROTTLE_WRITES="1000000/min"
    ) as port:
        yield port


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    posted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def record(self, kind: str, status: int, took: float, detail: str = "") -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            self.seconds[kind] += took
            if detail and len(self.errors) < 20:
                self.errors.append(detail)


@dataclass(frozen=True)
class Target:
    port: int
    token: str
    cookie: str
    account: int


# One connection's round: two writes in every six requests.
ROUND = ("api-list", "write", "api-me", "page-transactions", "write", "page-dashboard")


def connection_loop(index: int, target: Target, stop_at: float, tally: Tally) -> None:
    api = {"Authorization": f"Bearer {target.token}", "Content-Type": "application/json"}
    page = {"Cookie": f"sessionid={target.cookie}"}
    conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
    for n in range(MAX_REQUESTS_PER_CONNECTION):
        if time.monotonic() >= stop_at:
            break
        kind = ROUND[(n + index) % len(ROUND)]
        payee = f"load {index}-{n}"
        if kind == "write":
            body = json.dumps(
                {
                    "account": target.account,
                    "date": "2025-03-01",
                    "amount": str(AMOUNT),
                    "payee": payee,
                }
            )
            method, path, headers, expected = "POST", "/api/v1/transactions", api, 201
        else:
            body = None
            method, path, headers, expected = {
                "api-list": ("GET", "/api/v1/transactions?page_size=50", api, 200),
                "api-me": ("GET", "/api/v1/me", api, 200),
                "page-transactions": ("GET", "/transactions/", page, 200),
                "page-dashboard": ("GET", "/", page, 200),
            }[kind]
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            tally.record(
                kind, 0, time.monotonic() - started, f"{method} {path}: {type(exc).__name__}: {exc}"
            )
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
            continue
        ok = response.status == expected
        detail = "" if ok else f"{method} {path} -> {response.status}: {content[:300]!r}"
        tally.record(kind, response.status, time.monotonic() - started, detail)
        if ok and kind == "write":
            with tally.lock:
                tally.posted.append(payee)
    conn.close()


def test_fifty_connections_of_reads_and_writes_lose_and_double_nothing(
    alice: User, server: int
) -> None:
    onboard(alice)
    account = make_account(alice, name="Checking", opening_balance="1000.00")
    _, token = api_token_create(user=alice, name="load")
    browser = Client()
    browser.force_login(alice)
    target = Target(server, token, browser.cookies["sessionid"].value, account.pk)
    tally = Tally()
    stop_at = time.monotonic() + SECONDS

    threads = [
        threading.Thread(target=connection_loop, args=(i, target, stop_at, tally))
        for i in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    assert not any(thread.is_alive() for thread in threads), "a connection hung"

    by_kind = Counter()
    for (kind, _), count in tally.statuses.items():
        by_kind[kind] += count
    mean_ms = {kind: round(1000 * tally.seconds[kind] / n) for kind, n in by_kind.items()}
    print(  # noqa: T201
        f"load: {sum(by_kind.values())} requests in {SECONDS:.0f} s over {CONNECTIONS} "
        f"connections ({dict(by_kind)}; mean ms {mean_ms}), {len(tally.posted)} posted"
    )
    assert tally.errors == [], "\n".join(tally.errors)
    assert all(by_kind[kind] > 0 for kind in ROUND), by_kind
    written = Transaction.objects.filter(account=account)
    assert written.count() == len(tally.posted)
    assert sorted(written.values_list("payee", flat=True)) == sorted(tally.posted)
    balance = accounts_with_balance(user=alice).get(pk=account.pk).balance
    assert balance == Decimal("1000.00") + AMOUNT * len(tally.posted)
    assert Account.objects.filter(user=alice).count() == 1
