"""Background tasks of the platform itself (queued by config/schedules.py)."""

from django.core.cache import cache
from django.utils import timezone

from config.models import Heartbeat

HEARTBEAT_NAME = "worker"
HEARTBEAT_CACHE_KEY = "platform:worker-last-seen"


def heartbeat() -> str:
    """Record that a worker is alive: a row for any web process to read, and the cache."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=HEARTBEAT_NAME, defaults={"seen_at": now})
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=24 * 3600)
    return now.isoformat()
