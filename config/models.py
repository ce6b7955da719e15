from django.db import models


class Heartbeat(models.Model):
    """When a background worker last ran the heartbeat task; /healthz reports it."""

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
