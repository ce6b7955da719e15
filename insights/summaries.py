"""The stored AI monthly summary of a user's month (one per user and pay month)."""

from django.conf import settings
from django.db import models


class MonthlySummaryQuerySet(models.QuerySet["MonthlySummary"]):
    def for_user(self, user) -> "MonthlySummaryQuerySet":
        return self.filter(user=user)


class MonthlySummary(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Being written"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="monthly_summaries"
    )
    month = models.DateField(help_text="The first day of the pay month it describes.")
    status = models.CharField(max_length=10, choices=Status.choices, default="pending")
    # {"overview": str, "top_categories": [str x3], "behaviour": str, "tips": [str x3]}
    content = models.JSONField(default=dict, blank=True)
    model_name = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MonthlySummaryQuerySet.as_manager()

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="summary_unique_user_month")
        ]

    def __str__(self) -> str:
        return f"Summary of {self.month:%B %Y} for {self.user}"


class ExchangeRateQuerySet(models.QuerySet["ExchangeRate"]):
    def for_user(self, user) -> "ExchangeRateQuerySet":
        return self.filter(user=user)


class ExchangeRate(models.Model):
    """A rate the user gave: 1 unit of `currency` is worth `rate` of their base currency.

    Reports convert to the base currency only with these, and say so; nothing is fetched.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_rates"
    )
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["user", "currency"], name="rate_unique_currency"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate}"
