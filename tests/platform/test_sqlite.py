"""SQLite, the embedded default: the web server and the worker write to one file at once."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.models import Heartbeat


@pytest.fixture
def sqlite_only(transactional_db) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking only")


def test_a_transaction_that_reads_then_writes_waits_for_another_writer_instead_of_failing(
    sqlite_only,
) -> None:
    # The worker's heartbeat (update_or_create: read, then insert) ran into "database is
    # locked" when another task wrote in between. Transactions that take the write lock when
    # they begin wait for each other (up to the busy timeout) instead.
    read_done, other_wrote = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def read_then_write() -> None:
        try:
            with transaction.atomic():
                list(Heartbeat.objects.all())
                read_done.set()
                other_wrote.wait(timeout=2)  # the other writer waits for us, or writes now
                Heartbeat.objects.create(name="first", seen_at=timezone.now())
        except Exception as exc:  # reported below, with the test's own assertion
            errors.append(exc)
        finally:
            connection.close()

    def write() -> None:
        try:
            read_done.wait(timeout=10)
            Heartbeat.objects.create(name="second", seen_at=timezone.now())
            other_wrote.set()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read_then_write), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(Heartbeat.objects.values_list("name", flat=True)) == ["first", "second"]
