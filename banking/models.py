"""Statement-import state: saved CSV column mappings, and uploaded files awaiting commit.

The import run itself is a `ledger.ImportBatch`; what the flow needs beyond its columns
(layout, mapping, decisions, the preview summary) lives in `ImportBatch.meta`.
"""

import hashlib

from django.conf import settings
from django.db import models


def header_signature(header: list[str]) -> str:
    """A stable key for a CSV header: the same columns (case, spaces aside) give the same key."""
    cells = [" ".join(str(cell).split()).casefold() for cell in header]
    while cells and not cells[-1]:
        cells.pop()
    return hashlib.sha256("\x1f".join(cells).encode()).hexdigest()


class ImportProfileQuerySet(models.QuerySet["ImportProfile"]):
    def for_user(self, user) -> "ImportProfileQuerySet":
        return self.filter(user=user)


class ImportProfile(models.Model):
    """A user's saved CSV mapping, chosen automatically when a file with its header arrives."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_profiles"
    )
    name = models.CharField(max_length=100)
    header_signature = models.CharField(max_length=64)
    header = models.JSONField(default=list, blank=True)
    # banking.importers.CsvMapping.to_dict(); column references are 0-based indices.
    mapping = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ImportProfileQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="importprofile_unique_name")
        ]
        indexes = [models.Index(fields=["user", "header_signature"])]

    def __str__(self) -> str:
        return self.name


class ImportFileQuerySet(models.QuerySet["ImportFile"]):
    def for_user(self, user) -> "ImportFileQuerySet":
        return self.filter(user=user)


class ImportFile(models.Model):
    """The uploaded statement, kept (in the default storage) until its batch is committed
    or discarded, then deleted. Storage may be local MEDIA_ROOT or an object store."""

    batch = models.OneToOneField(
        "ledger.ImportBatch", on_delete=models.CASCADE, related_name="upload"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_files"
    )
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImportFileQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.file.name} ({self.size} bytes)"


# Bank connections live in their own module; imported here so Django registers them.
from banking.connections import BankAccount, BankItem  # noqa: E402

__all__ = ["BankAccount", "BankItem", "ImportFile", "ImportProfile"]
