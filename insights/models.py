from django.conf import settings
from django.db import models


class ClassifierState(models.Model):
    """The learned classifier of one user, trained on their categorized history.

    `model` is the trained model as compressed JSON (never pickle: it is loaded back). It is
    retrained when `signature` (count and last change of categorized rows) moves on.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classifier_state"
    )
    version = models.PositiveIntegerField(default=0)
    signature = models.CharField(max_length=100, blank=True)
    trained_on = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)
    model = models.BinaryField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Classifier of {self.user_id} v{self.version}"


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def for_user(self, user) -> "SuggestionQuerySet":
        return self.filter(user=user)


class Suggestion(models.Model):
    """A category offered for a transaction that was not confident enough to apply."""

    class Source(models.TextChoices):
        LEARNED = "learned", "Learned"
        AI = "ai", "AI"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestions"
    )
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.CASCADE, related_name="suggestion"
    )
    category = models.ForeignKey("ledger.Category", on_delete=models.CASCADE, related_name="+")
    confidence = models.FloatField()
    source = models.CharField(max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(auto_now=True)

    objects = SuggestionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.transaction_id} → {self.category_id} ({self.confidence:.2f})"


class LlmUsage(models.Model):
    """Requests sent to the LLM server per user per day, for the daily cap."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="llm_usage"
    )
    day = models.DateField()
    requests = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="llm_usage_per_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.requests}"


class LlmRun(models.Model):
    """One request (one batch of up to 50 transactions) to the LLM server, and its outcome."""

    class Status(models.TextChoices):
        OK = "ok", "Done"
        FAILED = "failed", "Failed"
        CAPPED = "capped", "Daily limit reached"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="llm_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    model_name = models.CharField(max_length=100, blank=True)
    transactions = models.PositiveIntegerField(default=0)
    categorized = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"


# The AI monthly summary lives in its own module; imported here so Django registers it.
from insights.summaries import ExchangeRate, MonthlySummary  # noqa: E402, F401
