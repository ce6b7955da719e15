"""Prometheus metrics at /metrics, closed unless METRICS_TOKEN is set and sent as a Bearer token.

- billfold_http_request_duration_seconds{method,view,status}: a histogram of request latency
  (MetricsMiddleware, first in MIDDLEWARE; `view` is the URL name, so the label set stays small).
- billfold_tasks_total{func,outcome}: django-q2 task outcomes (the post_execute signal, sent by
  the cluster's monitor process, or inline in sync mode).
- billfold_import_batches{source,state} and billfold_bank_items{provider,status}: read from
  the database at scrape time, so every process (web, worker) reports the same truth; bank
  syncs are the batches with source "sync".

Several processes (gunicorn workers, the qcluster): set PROMETHEUS_MULTIPROC_DIR to an empty
directory shared by all of them (wiped at each start), and the endpoint aggregates their
histograms and counters. Without it each process reports its own, which is right for one
process (runserver, a single gunicorn worker) only.
"""

import hmac
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUEST_LATENCY = Histogram(
    "billfold_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "view", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter("billfold_tasks", "Background tasks finished, by outcome.", ["func", "outcome"])

KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class MetricsMiddleware:
    """Times every request; the label is the matched URL name, never the raw path."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        REQUEST_LATENCY.labels(
            method=request.method if request.method in KNOWN_METHODS else "other",
            view=(match.view_name if match else "") or "unmatched",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - start)
        return response


def task_finished(sender, task: dict, **kwargs) -> None:
    func = task.get("func")
    name = (
        func
        if isinstance(func, str)
        else getattr(func, "__module__", "?") + "." + getattr(func, "__name__", "?")
    )
    TASKS.labels(func=name, outcome="success" if task.get("success") else "failure").inc()


def count_task_outcomes() -> None:
    from django_q.signals import post_execute

    post_execute.connect(task_finished, dispatch_uid="billfold-task-metrics")


class DatabaseCollector(Collector):
    """Counts read at scrape time: import and sync batches by state, bank connections."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from banking.connections import BankItem
        from ledger.models import ImportBatch

        batches = GaugeMetricFamily(
            "billfold_import_batches",
            "Import, sync and posting runs, by source and state.",
            labels=["source", "state"],
        )
        rows = ImportBatch.objects.values("source", "state").annotate(n=Count("id"))
        for row in rows.order_by("source", "state"):
            batches.add_metric([row["source"], row["state"]], row["n"])
        yield batches
        items = GaugeMetricFamily(
            "billfold_bank_items", "Bank connections, by status.", labels=["provider", "status"]
        )
        rows = BankItem.objects.values("provider", "status").annotate(n=Count("id"))
        for row in rows.order_by("provider", "status"):
            items.add_metric([row["provider"], row["status"]], row["n"])
        yield items


def _process_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _authorized(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    sent = request.headers.get("Authorization", "")
    return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """404 unless METRICS_TOKEN is set and sent: the endpoint does not exist to the public."""
    if not _authorized(request):
        raise Http404
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body = generate_latest(_process_registry()) + generate_latest(database)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
