"""Prometheus metrics closed to the public, and the request id carried into background tasks."""

import contextvars

import pytest
from django.test import Client
from django_q.signals import pre_enqueue, pre_execute
from django_q.tasks import async_task

from config.logs import current_request_id, request_id_var
from tests.reliability.conftest import World

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def metrics_on(settings) -> dict[str, str]:
    settings.METRICS_TOKEN = TOKEN
    return {"Authorization": f"Bearer {TOKEN}"}


def test_metrics_do_not_exist_without_a_token_configured(client: Client, settings) -> None:
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", ["", f"Bearer {TOKEN}x", f"Token {TOKEN}", TOKEN, "Bearer"])
def test_metrics_answer_404_to_a_missing_or_wrong_token(client: Client, metrics_on, header) -> None:
    headers = {"Authorization": header} if header else {}

    assert client.get("/metrics", headers=headers).status_code == 404


def test_a_signed_in_user_cannot_read_metrics_either(alice_client: Client, metrics_on) -> None:
    assert alice_client.get("/metrics").status_code == 404


def test_metrics_report_latency_tasks_and_batches(client: Client, world: World, metrics_on) -> None:
    alice = Client()
    alice.force_login(world.user)
    alice.get("/transactions/")
    async_task("math.copysign", 1.0, -1.0)  # runs inline in tests: its outcome is counted

    response = client.get("/metrics", headers=metrics_on)
    text = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "billfold_http_request_duration_seconds_bucket{" in text
    assert 'view="ledger:transaction-list"' in text
    assert 'billfold_tasks_total{func="math.copysign",outcome="success"}' in text
    assert f'billfold_import_batches{{source="{world.batch.source}",state="committed"}}' in text
    assert 'billfold_bank_items{provider="demo",status="ok"}' in text
    assert "/transactions/" not in text  # labels are URL names, never raw paths


def test_unmatched_paths_share_one_label(client: Client, metrics_on) -> None:
    client.get("/no-such-page/abc123")

    text = client.get("/metrics", headers=metrics_on).content.decode()

    assert 'view="unmatched"' in text
    assert "abc123" not in text


def test_the_request_id_travels_into_a_task() -> None:
    task = {"id": "t1", "func": "math.floor", "args": (), "kwargs": {}}

    def queue() -> None:
        request_id_var.set("req-42")
        pre_enqueue.send(sender="django_q", task=task)

    def execute() -> str:
        pre_execute.send(sender="django_q", func=None, task=task)
        return current_request_id()

    contextvars.Context().run(queue)  # in the web process, during a request
    seen = contextvars.Context().run(execute)  # later, in a worker process

    assert task["request_id"] == "req-42"
    assert seen == "req-42"


def test_a_task_queued_outside_a_request_logs_a_dash() -> None:
    task = {"id": "t2", "func": "math.floor", "args": (), "kwargs": {}}

    def run() -> str:
        pre_enqueue.send(sender="django_q", task=task)
        pre_execute.send(sender="django_q", func=None, task=task)
        return current_request_id()

    assert contextvars.Context().run(run) == "-"


def test_a_real_request_passes_its_id_to_the_tasks_it_queues(
    transactional_db, world: World
) -> None:
    """Without a test transaction around it, the sync view's on_commit queues the task while
    the request is still running: the task records that request's X-Request-ID."""
    seen: list[str] = []

    def record(sender, task, **kwargs) -> None:
        seen.append(task.get("request_id"))

    pre_enqueue.connect(record)
    try:
        client = Client()
        client.force_login(world.user)
        response = client.post(
            f"/api/v1/bank-items/{world.bank_item.pk}/sync", headers={"X-Request-ID": "req-sync-1"}
        )
    finally:
        pre_enqueue.disconnect(record)

    assert response.status_code == 202
    assert seen and set(seen) == {"req-sync-1"}


def test_multi_process_mode_reads_the_shared_directory(
    client: Client, world: World, metrics_on, monkeypatch, tmp_path
) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, the endpoint adds up the files every process wrote
    there (empty here) and still reports the database counts."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    response = client.get("/metrics", headers=metrics_on)

    assert response.status_code == 200
    assert "billfold_import_batches" in response.content.decode()
