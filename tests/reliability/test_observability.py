"""Prometheus metrics closed to the public, the request id carried into background tasks, and
optional OpenTelemetry tracing."""

import contextvars
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import Client
from django_q.signals import pre_enqueue, pre_execute
from django_q.tasks import async_task

from config.logs import current_request_id, request_id_var
from tests.platform.conftest import ROOT, clean_env, session_database_url
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


# --- OpenTelemetry ------------------------------------------------------------------------


class Collector:
    """An OTLP/HTTP trace receiver on 127.0.0.1: keeps the spans it is sent."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        self.spans: list = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = ExportTraceServiceRequest.FromString(body)
                for resource in request.resource_spans:
                    service = {a.key: a.value.string_value for a in resource.resource.attributes}
                    for scope in resource.scope_spans:
                        collector.spans.extend((service, span) for span in scope.spans)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# Run in a fresh process (instrumentation is process-wide): one request, and one task queued
# while a request-like span is current; then flush the exporter.
TRACED_PROCESS = """
import django
django.setup()
from django.test import Client
from django_q.tasks import async_task
from opentelemetry import trace

Client().get("/healthz", HTTP_HOST="localhost")
with trace.get_tracer("test").start_as_current_span("queueing request") as span:
    async_task("math.floor", 1.5, sync=True)
    print(format(span.get_span_context().trace_id, "032x"))
trace.get_tracer_provider().shutdown()
"""


def test_without_an_endpoint_nothing_is_traced(settings) -> None:
    from config.tracing import tracing_setup

    settings.OTEL_TRACING = False

    assert tracing_setup() is False
    assert not any("opentelemetry" in m for m in settings.MIDDLEWARE)


def test_with_an_endpoint_requests_and_tasks_are_traced_over_otlp(
    transactional_db, tmp_path: Path
) -> None:
    collector = Collector()
    try:
        env = clean_env(
            tmp_path,
            SECRET_KEY="tracing-test-key",
            DATABASE_URL=session_database_url(),
            OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
            OTEL_SERVICE_NAME="billfold-test",
        )
        run = subprocess.run(
            [sys.executable, "-c", TRACED_PROCESS],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        collector.close()

    assert run.returncode == 0, run.stderr[-3000:]
    trace_id = run.stdout.strip().splitlines()[-1]
    by_name = {span.name: (service, span) for service, span in collector.spans}
    request = next(
        (s for name, (_, s) in by_name.items() if name.startswith("GET") and "healthz" in name),
        None,
    )
    assert request is not None, sorted(by_name)
    assert request.kind == request.SPAN_KIND_SERVER
    attributes = {a.key: a.value for a in request.attributes}
    assert any(v.int_value == 200 for k, v in attributes.items() if "status_code" in k)
    service, task = by_name["task math.floor"]
    _, parent = by_name["queueing request"]
    assert service["service.name"] == "billfold-test"
    assert task.trace_id.hex() == trace_id  # the task continues the trace that queued it
    assert task.parent_span_id == parent.span_id
