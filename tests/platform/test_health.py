import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from config.models import Heartbeat
from config.tasks import HEARTBEAT_CACHE_KEY, heartbeat


def test_it_reports_the_database_ok_and_the_version(client: Client, db) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {"database": "ok", "worker_last_seen": None, "version": "0.1.0"}


def test_it_reports_when_a_worker_last_ran_the_heartbeat(client: Client, db) -> None:
    seen = heartbeat()

    assert client.get("/healthz").json()["worker_last_seen"] == seen


def test_a_web_process_that_does_not_share_the_cache_reads_the_heartbeat_row(
    client: Client, db
) -> None:
    heartbeat()
    cache.delete(HEARTBEAT_CACHE_KEY)  # as in a web process beside the worker's

    seen = client.get("/healthz").json()["worker_last_seen"]

    assert seen == Heartbeat.objects.get().seen_at.isoformat()


def test_the_heartbeat_task_keeps_one_row(db) -> None:
    heartbeat()
    heartbeat()

    row = Heartbeat.objects.get()
    assert (timezone.now() - row.seen_at).total_seconds() < 60


def test_it_needs_no_login_and_skips_onboarding(alice_client: Client) -> None:
    response = alice_client.get("/healthz")

    assert response.status_code == 200


def test_it_answers_only_get_and_head(client: Client, db) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_it_answers_503_when_the_database_is_unreachable(client: Client, outage) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "database": "unreachable",
        "worker_last_seen": None,
        "version": "0.1.0",
    }


@pytest.mark.django_db(transaction=True)
def test_it_recovers_by_itself_when_the_database_is_back(client: Client) -> None:
    from tests.platform.conftest import database_unreachable

    with database_unreachable():
        assert client.get("/healthz").status_code == 503

    assert client.get("/healthz").status_code == 200
