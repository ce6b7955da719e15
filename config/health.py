"""The health check, and what a request gets while the database is unreachable."""

import logging
import sys
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.models import Heartbeat
from config.tasks import HEARTBEAT_CACHE_KEY, HEARTBEAT_NAME

logger = logging.getLogger(__name__)

DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)
DATABASE_DOWN_MESSAGE = (
    "Billfold cannot reach its database right now. Nothing was lost; please try again in a minute."
)
RETRY_AFTER_SECONDS = 30


def _worker_last_seen() -> datetime | None:
    try:
        seen = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:  # a cache outage must not turn the health check into a 500
        logger.warning("Cache unavailable while reading the worker heartbeat", exc_info=True)
        seen = None
    if seen is None:
        seen = (
            Heartbeat.objects.filter(name=HEARTBEAT_NAME).values_list("seen_at", flat=True).first()
        )
    return seen


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON for probes: 200 while the database answers, 503 when it does not."""
    database, worker_last_seen = "ok", None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        worker_last_seen = _worker_last_seen()
    except (DatabaseError, InterfaceError):
        logger.warning("Health check: database unreachable", exc_info=True)
        database = "unreachable"
    return JsonResponse(
        {
            "database": database,
            "worker_last_seen": worker_last_seen.isoformat() if worker_last_seen else None,
            "version": settings.VERSION,
        },
        status=200 if database == "ok" else 503,
    )


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """A 503 with a plain page (or JSON under /api/), rendered without touching the database."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": DATABASE_DOWN_MESSAGE}, status=503)
    else:
        # No request context: context processors may query the database.
        html = loader.get_template("503.html").render({"message": DATABASE_DOWN_MESSAGE})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage raised anywhere (middleware included) becomes a 503, not a 500."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN_ERRORS):
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Something went wrong on our side."}, status=500)
    return defaults.server_error(request)
