"""Log records carry the request id; LOG_FORMAT=json writes one JSON object per line."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

# Set by config.middleware.RequestIdMiddleware for the length of one request. Code that
# queues a task can pass current_request_id() along so the worker logs the same id.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs 4xx/5xx responses after the middleware has finished; those
            # records carry the request itself.
            from_request = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = from_request or request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        # Structured counts a caller passes with extra={"sync": {...}} (a bank sync run).
        sync = getattr(record, "sync", None)
        if isinstance(sync, dict):
            entry["sync"] = sync
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _task_enqueued(sender, task: dict, **kwargs) -> None:
    """The id of the request (or task) that queues a task travels inside the task."""
    task.setdefault("request_id", request_id_var.get())


def _task_starting(sender, func, task: dict, **kwargs) -> None:
    # A worker runs one task at a time: its logs carry the id until the next task sets its own.
    request_id_var.set(task.get("request_id") or "-")


def carry_request_id_into_tasks() -> None:
    from django_q.signals import pre_enqueue, pre_execute

    pre_enqueue.connect(_task_enqueued, dispatch_uid="billfold-request-id-enqueue")
    pre_execute.connect(_task_starting, dispatch_uid="billfold-request-id-execute")
