"""Faults with a real worker: a qcluster process killed with SIGKILL in the middle of a large
import and in the middle of a bank sync, then started again.

Each batch runs in one database transaction, so the kill leaves nothing of it behind; the
task was never acknowledged, so the ORM broker hands it out again once its lock (Q_RETRY
seconds) runs out, and the restarted worker finishes it: every row exactly once. The
restarted worker logs JSON, and its sync record carries the id of the request that queued it.
"""

import contextvars
import io
import itertools
import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django_q.conf import Conf
from django_q.models import OrmQ

from accounts.models import User
from banking.connections import BankItem
from banking.models import ImportFile
from banking.services.imports import import_commit, import_start
from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync_queue
from config.logs import request_id_var
from ledger.models import ImportBatch, Transaction
from ledger.selectors import accounts_with_balance
from tests import processes
from tests.banking.plaid_standin import CLIENT_ID, SECRET, PlaidStandIn, plaid_transaction
from tests.ledger.factories import make_account
from tests.platform.conftest import clean_env, session_database_url
from tests.reliability.conftest import balances_equal_their_sums

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ENCRYPTION_KEY = Fernet.generate_key().decode()
RETRY_SECONDS = 4  # how long the broker waits before handing an unacknowledged task out again
IMPORT_ROWS = 10_000
SYNC_TRANSACTIONS = 400


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> Path:
    """The worker process stores and reads uploads under its BILLFOLD_VAR_DIR: the same folder."""
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def queue_for_real(monkeypatch) -> None:
    """Tests run django-q2 tasks inline (Q_CLUSTER sync); here they go to the ORM broker, as
    in production, for the worker process to take."""
    monkeypatch.setattr(Conf, "SYNC", False)


class Worker:
    """`manage.py qcluster` in its own process group, started and killed by the test."""

    count = itertools.count(1)  # each worker writes a log file of its own

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.env = clean_env(
            tmp_path,
            SECRET_KEY=settings.SECRET_KEY,  # task packages are signed with it
            DATABASE_URL=session_database_url(),
            Q_BROKER="orm",
            Q_WORKERS="1",
            Q_TIMEOUT="120",
            Q_RETRY=str(RETRY_SECONDS),
            Q_LOG_LEVEL="INFO",
            **env,
        )
        self.log = tmp_path / f"qcluster-{next(Worker.count)}.log"
        self.process: subprocess.Popen | None = None

    def output(self) -> str:
        return self.log.read_text()

    def start(self) -> None:
        self.process = processes.qcluster(env=self.env, log=self.log)

    def kill(self) -> None:
        """SIGKILL the cluster and every process it forked: no clean-up code runs."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()  # a graceful stop would wait for the follow-up tasks: not needed here

    def wait_for(self, what: str, condition: Callable[[], bool], seconds: float = 90) -> None:
        assert self.process is not None
        processes.wait_until(
            condition, process=self.process, log=self.log, what=what, timeout=seconds, interval=0.05
        )


@pytest.fixture
def worker_factory(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def make(**env: str) -> Worker:
        worker = Worker(tmp_path, **env)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()


def statement(rows: int) -> bytes:
    lines = ["Date,Payee,Description,Amount"]
    lines += [
        f"2025-{1 + n % 12:02d}-{1 + n % 28:02d},Shop {n},Card payment,-{1 + n % 90}.{n % 100:02d}"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_a_worker_killed_in_the_middle_of_an_import_leaves_nothing_and_the_retry_finishes_it(
    alice: User, worker_factory, queue_for_real
) -> None:
    account = make_account(alice, name="Checking", opening_balance="5000.00")
    data = statement(IMPORT_ROWS)
    batch = import_start(
        user=alice,
        file=io.BytesIO(data),
        file_name="year.csv",
        account=account,
        background=False,  # the preview here; the commit goes to the worker
    )
    assert batch.state == ImportBatch.State.PREVIEW
    assert import_commit(batch=batch, background=True) is None
    assert OrmQ.objects.count() == 1
    expected_total = sum(
        (Decimal(line.rsplit(",", 1)[1]) for line in data.decode().splitlines()[1:]), Decimal("0")
    )

    # Small chunks: the worker reports its progress (a committed side write) after each.
    first = worker_factory(IMPORT_CHUNK_ROWS="500")
    first.start()

    def started() -> bool:
        return ImportBatch.objects.filter(pk=batch.pk, progress_done__gt=0).exists()

    first.wait_for("progress of the commit", started)
    first.kill()

    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PROCESSING, batch.meta
    assert 0 < batch.progress_done < IMPORT_ROWS  # it really was in the middle
    assert Transaction.objects.filter(account=account).count() == 0  # nothing half written
    assert OrmQ.objects.count() == 1  # never acknowledged: it will be handed out again

    second = worker_factory()
    second.start()

    def committed() -> bool:
        return ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.COMMITTED).exists()

    second.wait_for("the retried import", committed)

    batch.refresh_from_db()
    assert batch.added == IMPORT_ROWS
    rows = Transaction.objects.filter(account=account)
    assert rows.count() == IMPORT_ROWS
    assert rows.values("fingerprint").distinct().count() == IMPORT_ROWS
    assert not ImportFile.objects.filter(batch_id=batch.pk).exists()  # the upload is gone
    balances_equal_their_sums(alice)
    account = accounts_with_balance(user=alice).get(pk=account.pk)
    assert account.balance == Decimal("5000.00") + expected_total


def test_a_worker_killed_in_the_middle_of_a_sync_leaves_nothing_and_the_retry_finishes_it(
    alice: User, worker_factory, queue_for_real, settings
) -> None:
    with PlaidStandIn() as plaid:
        plaid_env = {
            "PLAID_CLIENT_ID": CLIENT_ID,
            "PLAID_SECRET": SECRET,
            "PLAID_HOST": plaid.url,
            "PLAID_SYNC_PAGE_SIZE": "50",
            "BANK_SYNC_BACKOFF_SECONDS": "0",
            "FIELD_ENCRYPTION_KEYS": ENCRYPTION_KEY,
        }
        settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = CLIENT_ID, SECRET
        settings.PLAID_HOST = plaid.url
        settings.FIELD_ENCRYPTION_KEYS = [ENCRYPTION_KEY]
        public, remote = plaid.new_item()
        item = bank_item_connect(user=alice, provider_name="plaid", public_token=public)
        bank_accounts_map(
            user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()}
        )
        for n in range(SYNC_TRANSACTIONS):
            plaid.add(
                remote,
                plaid_transaction(
                    transaction_id=f"t{n}",
                    account_id="acc-checking",
                    amount=f"{1 + n % 50}.{n % 100:02d}",
                    date=f"2026-10-{1 + n % 28:02d}",
                    name=f"MERCHANT {n}",
                ),
            )
        ledger = Transaction.objects.filter(account__bank_links__item=item)
        # Each page after half a second: 8 pages of 50, about 4 s for the whole sync.
        pages = SYNC_TRANSACTIONS // 50
        plaid.sync_faults.update(
            {plaid.sync_calls + n: ("delay", 0.5) for n in range(1, pages + 1)}
        )
        # Queued as if by a request: the worker's JSON log lines carry that request's id.
        context = contextvars.copy_context()
        context.run(request_id_var.set, "req-sync-fault")
        context.run(bank_item_sync_queue, item=item, reason="test")
        assert OrmQ.objects.count() == 1

        first = worker_factory(**plaid_env)
        first.start()
        first.wait_for("the third page of the sync", lambda: plaid.sync_calls >= 3)
        first.kill()

        item.refresh_from_db()
        assert ledger.count() == 0  # the pages read so far were never written
        assert item.cursor == ""  # and the cursor did not move
        assert OrmQ.objects.count() == 1

        plaid.sync_faults.clear()
        second = worker_factory(**plaid_env, LOG_FORMAT="json", LOG_LEVEL="INFO")
        second.start()
        second.wait_for(
            "the retried sync",
            lambda: BankItem.objects.filter(pk=item.pk, cursor=f"cur-{SYNC_TRANSACTIONS}").exists(),
        )

    assert ledger.count() == SYNC_TRANSACTIONS
    assert ledger.values("external_id").distinct().count() == SYNC_TRANSACTIONS
    item.refresh_from_db()
    assert item.last_added == SYNC_TRANSACTIONS
    balances_equal_their_sums(alice)
    second.stop()
    records = [json.loads(line) for line in second.output().splitlines() if line.startswith("{")]
    synced = [r for r in records if r["logger"] == "billfold.banking.sync"]
    assert synced, second.output()[-3000:]
    assert synced[-1]["request_id"] == "req-sync-fault"
    assert synced[-1]["sync"]["added"] == SYNC_TRANSACTIONS
