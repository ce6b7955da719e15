"""Budgets (a spending limit per period), their alerts, notifications, and recurring bills."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ledger.models.accounts import MONEY

DEFAULT_THRESHOLDS = [80, 100]


class Period(models.TextChoices):
    WEEK = "week", "Weekly"
    MONTH = "month", "Monthly (from your payday)"


class BudgetQuerySet(models.QuerySet["Budget"]):
    def for_user(self, user) -> "BudgetQuerySet":
        return self.filter(user=user)

    def active(self) -> "BudgetQuerySet":
        return self.filter(is_archived=False)


class Budget(models.Model):
    """A limit on spending in one category (its sub-categories included) or on all spending,
    repeated every week or every pay month."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budgets"
    )
    # None: all spending.
    category = models.ForeignKey(
        "ledger.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="budgets"
    )
    period = models.CharField(max_length=5, choices=Period.choices, default=Period.MONTH)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="USD")
    rollover = models.BooleanField(
        default=False, help_text="Carry what is left (or overspent) into the next period."
    )
    # The first period the budget counts (and the start of any rollover).
    start_date = models.DateField()
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BudgetQuerySet.as_manager()

    class Meta:
        ordering = ["is_archived", "category__name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_amount_positive"),
            models.UniqueConstraint(
                fields=["user", "category", "period"],
                condition=Q(is_archived=False, category__isnull=False),
                name="budget_unique_category_period",
            ),
            models.UniqueConstraint(
                fields=["user", "period"],
                condition=Q(is_archived=False, category__isnull=True),
                name="budget_unique_total_period",
            ),
        ]

    def __str__(self) -> str:
        name = self.category.name if self.category_id and self.category else "All spending"
        return f"{name} ({self.get_period_display().split(' ')[0].lower()})"

    @property
    def name(self) -> str:
        return self.category.name if self.category_id and self.category else "All spending"

    @property
    def period_label(self) -> str:
        return "Weekly" if self.period == Period.WEEK else "Monthly"

    @property
    def period_noun(self) -> str:
        return "week" if self.period == Period.WEEK else "month"


class BudgetAlert(models.Model):
    """One threshold crossed in one period: the unique row is what makes it alert once."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="alerts")
    period_start = models.DateField()
    threshold = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "period_start", "threshold"], name="budget_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.period_start} {self.threshold}%"


class BudgetSettingsQuerySet(models.QuerySet["BudgetSettings"]):
    def for_user(self, user) -> "BudgetSettingsQuerySet":
        return self.filter(user=user)


def _default_thresholds() -> list[int]:
    return list(DEFAULT_THRESHOLDS)


class BudgetSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budget_settings"
    )
    thresholds = models.JSONField(default=_default_thresholds)
    email_alerts = models.BooleanField(default=False)

    objects = BudgetSettingsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "budget settings"

    def __str__(self) -> str:
        return f"Budget settings of {self.user_id}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user) -> "NotificationQuerySet":
        return self.filter(user=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, default="budget")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_created"),
        ]

    def __str__(self) -> str:
        return self.title


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    BIWEEKLY = "biweekly", "Every 2 weeks"
    MONTHLY = "monthly", "Every month"
    QUARTERLY = "quarterly", "Every 3 months"
    YEARLY = "yearly", "Every year"


class RecurringItemQuerySet(models.QuerySet["RecurringItem"]):
    def for_user(self, user) -> "RecurringItemQuerySet":
        return self.filter(user=user)

    def active(self) -> "RecurringItemQuerySet":
        return self.filter(is_active=True)


class RecurringItem(models.Model):
    """A bill or income that repeats: expected on a schedule, optionally posted by itself."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recurring_items"
    )
    payee = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)  # signed like a transaction: negative is a bill
    is_approximate = models.BooleanField(
        default=False, help_text="The amount varies a little (a utility bill, say)."
    )
    account = models.ForeignKey(
        "ledger.Account", on_delete=models.CASCADE, related_name="recurring_items"
    )
    category = models.ForeignKey(
        "ledger.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recurring_items",
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    # Monthly, quarterly: the day of the month (clamped to short months); None = the start's.
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    last_day = models.BooleanField(default=False, help_text="On the last day of the month.")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    auto_post = models.BooleanField(
        default=False, help_text="Add the transaction by itself on the day, instead of waiting."
    )
    # Postings never go back before this date (the day the item was made), so tracking an old
    # subscription does not post its whole history.
    post_from = models.DateField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecurringItemQuerySet.as_manager()

    class Meta:
        ordering = ["payee", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="recurring_end_after_start",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="recurring_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(day_of_month__isnull=True)
                | Q(day_of_month__gte=1, day_of_month__lte=31),
                name="recurring_day_of_month_1_31",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payee} {self.amount} {self.frequency}"

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def yearly_cost(self):
        per_year = {"weekly": 52, "biweekly": 26, "monthly": 12, "quarterly": 4, "yearly": 1}
        return abs(self.amount) * per_year[self.frequency]


class OccurrenceStatus(models.TextChoices):
    POSTED = "posted", "Posted"  # the schedule added the transaction
    SEEN = "seen", "Seen"  # a real (imported, synced or typed) transaction matched
    SKIPPED = "skipped", "Skipped"


class RecurringOccurrenceQuerySet(models.QuerySet["RecurringOccurrence"]):
    def for_user(self, user) -> "RecurringOccurrenceQuerySet":
        return self.filter(item__user=user)


class RecurringOccurrence(models.Model):
    """What happened to one expected date of a recurring item; one row per (item, date), so
    two workers running the schedule at once cannot both post it."""

    item = models.ForeignKey(RecurringItem, on_delete=models.CASCADE, related_name="occurrences")
    date = models.DateField()
    status = models.CharField(max_length=8, choices=OccurrenceStatus.choices)
    transaction = models.ForeignKey(
        "ledger.Transaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recurring_occurrences",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecurringOccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "date"], name="occurrence_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.date} {self.status}"
