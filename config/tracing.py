"""Optional OpenTelemetry tracing, on when an OTLP endpoint is configured.

OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns it on: a span for
every request (Django instrumentation, with its database queries' time inside) and for every
background task, exported over OTLP/HTTP in batches. A task's span continues the trace of
the request that queued it. The SDK reads the other standard variables itself
(OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES).
Needs the `otel` extra: pip install "billfold[otel]".
"""

import os
from typing import Any

from django.conf import settings

_TASK_SPANS: dict[str, tuple[Any, object]] = {}


def tracing_setup() -> bool:
    """Install the tracer provider and the instrumentation once per process; False when off."""
    if not settings.OTEL_TRACING:
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if DjangoInstrumentor().is_instrumented_by_opentelemetry:
        return True
    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME") or "billfold",
            "service.version": settings.VERSION,
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument()
    _trace_tasks()
    return True


def _trace_tasks() -> None:
    from django_q.signals import post_execute_in_worker, pre_enqueue, pre_execute

    pre_enqueue.connect(_task_enqueued, dispatch_uid="billfold-tracing-enqueue")
    pre_execute.connect(_task_starting, dispatch_uid="billfold-tracing-execute")
    post_execute_in_worker.connect(_task_finished, dispatch_uid="billfold-tracing-finished")


def _task_enqueued(sender, task: dict, **kwargs) -> None:
    """The queuing request's trace context travels inside the task (W3C traceparent)."""
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    if carrier:
        task.setdefault("trace_context", carrier)


def _task_starting(sender, func, task: dict, **kwargs) -> None:
    from opentelemetry import context, trace
    from opentelemetry.propagate import extract

    parent = extract(task.get("trace_context") or {})
    span = trace.get_tracer("billfold.tasks").start_span(
        f"task {task.get('func')}",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "billfold.task.id": str(task.get("id", "")),
            "billfold.task.func": str(task.get("func")),
        },
    )
    token = context.attach(trace.set_span_in_context(span))
    _TASK_SPANS[str(task.get("id"))] = (span, token)


def _task_finished(sender, func, task: dict, **kwargs) -> None:
    from opentelemetry import context
    from opentelemetry.trace import Status, StatusCode

    span, token = _TASK_SPANS.pop(str(task.get("id")), (None, None))
    if span is None:
        return
    ok = task.get("success") is True
    span.set_status(Status(StatusCode.OK if ok else StatusCode.ERROR))
    span.end()
    context.detach(token)
