from django.conf import settings
from django.db import models


class ImportBatchQuerySet(models.QuerySet["ImportBatch"]):
    def for_user(self, user) -> "ImportBatchQuerySet":
        return self.filter(user=user)


class ImportBatch(models.Model):
    """One run that brought transactions into the ledger: a file, a bank sync, a posting run.

    The user sees these in the import history and can undo one.
    """

    class Source(models.TextChoices):
        FILE = "file", "Statement file"
        BANK = "bank", "Bank sync"
        RECURRING = "recurring", "Recurring bills"
        API = "api", "API"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        PREVIEW = "preview", "Ready to review"
        PROCESSING = "processing", "Processing"
        COMMITTED = "committed", "Imported"
        FAILED = "failed", "Failed"
        DISCARDED = "discarded", "Discarded"
        UNDONE = "undone", "Undone"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    account = models.ForeignKey(
        "ledger.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=12, choices=Source.choices, default="file")
    state = models.CharField(max_length=12, choices=State.choices, default="pending")
    file_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=20, blank=True)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    possible_duplicates = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.file_name or self.pk} ({self.state})"
