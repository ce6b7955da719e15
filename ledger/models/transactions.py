import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from ledger.models.accounts import MONEY


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    CLEARED = "cleared", "Cleared"


class Source(models.TextChoices):
    MANUAL = "manual", "Manual"
    FILE = "file", "File import"
    BANK = "bank", "Bank sync"
    RECURRING = "recurring", "Recurring"


class CategorizedBy(models.TextChoices):
    NONE = "", "Not categorized"
    MANUAL = "manual", "You"
    RULE = "rule", "Rule"
    LEARNED = "learned", "Learned"
    AI = "ai", "AI"
    PROVIDER = "provider", "Bank"


class TransactionQuerySet(models.QuerySet["Transaction"]):
    def for_user(self, user) -> "TransactionQuerySet":
        return self.filter(user=user)

    def in_period(self, start: datetime.date, end: datetime.date) -> "TransactionQuerySet":
        """Transactions dated from `start` up to and excluding `end`."""
        return self.filter(date__gte=start, date__lt=end)

    def not_transfers(self) -> "TransactionQuerySet":
        return self.filter(transfer__isnull=True)

    def expenses(self) -> "TransactionQuerySet":
        return self.not_transfers().filter(amount__lt=0)

    def income(self) -> "TransactionQuerySet":
        return self.not_transfers().filter(amount__gt=0)

    def uncategorized(self) -> "TransactionQuerySet":
        return self.filter(category__isnull=True, transfer__isnull=True, splits__isnull=True)


class TransferQuerySet(models.QuerySet["Transfer"]):
    def for_user(self, user) -> "TransferQuerySet":
        return self.filter(user=user)


class Transfer(models.Model):
    """Links the two sides of a move between two of the user's own accounts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transfers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TransferQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Transfer {self.pk}"


class Transaction(models.Model):
    """Money in (positive) or out (negative) of one account on one date."""

    # No single-column indexes on user and account: the composite (user, date) and
    # (account, date) indexes below serve those lookups, and every index slows imports.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="transactions",
        db_index=False,
    )
    account = models.ForeignKey(
        "ledger.Account", on_delete=models.CASCADE, related_name="transactions", db_index=False
    )
    date = models.DateField()
    amount = models.DecimalField(**MONEY)
    payee = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    category = models.ForeignKey(
        "ledger.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transactions",
    )
    tags = models.ManyToManyField("ledger.Tag", blank=True, related_name="transactions")
    status = models.CharField(max_length=8, choices=Status.choices, default="cleared")
    source = models.CharField(max_length=10, choices=Source.choices, default="manual")
    external_id = models.CharField(max_length=200, null=True, blank=True)
    # A file row's identity (content + its occurrence number in the file), for re-imports.
    fingerprint = models.CharField(max_length=64, null=True, blank=True)
    import_batch = models.ForeignKey(
        "ledger.ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transactions",
    )
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    categorized_by = models.CharField(
        max_length=10, choices=CategorizedBy.choices, default="", blank=True
    )
    confidence = models.FloatField(null=True, blank=True)
    # The bank's own category, broad to narrow ("FOOD_AND_DRINK > FOOD_AND_DRINK_COFFEE"):
    # a hint kept beside the user's category, never replacing it. db_default, so rows
    # written by COPY without the column still get "".
    provider_category = models.CharField(max_length=200, blank=True, default="", db_default="")
    # Bumped on every edit: two browsers editing one row cannot silently overwrite each other.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TransactionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=Q(external_id__isnull=False),
                name="transaction_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["account", "fingerprint"],
                condition=Q(fingerprint__isnull=False),
                name="transaction_unique_fingerprint",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-date", "-id"], name="txn_user_date"),
            models.Index(fields=["account", "-date", "-id"], name="txn_account_date"),
            models.Index(fields=["user", "category", "date"], name="txn_user_category_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.payee or self.description} {self.amount}"

    @property
    def kind(self) -> str:
        if self.transfer_id:
            return "transfer"
        return "income" if self.amount > 0 else "expense"

    @property
    def provider_category_label(self) -> str:
        """The bank's category for people: "FOOD_AND_DRINK > FOOD_AND_DRINK_COFFEE" reads
        "Food and drink › Coffee" (each level without its parent's prefix)."""
        labels: list[str] = []
        parent = ""
        for code in (part.strip() for part in self.provider_category.split(">")):
            if not code:
                continue
            text = code[len(parent) + 1 :] if parent and code.startswith(parent + "_") else code
            if text == text.upper():  # a provider code, not a name: FOOD_AND_DRINK
                text = text.replace("_", " ").strip().capitalize()
            labels.append(text)
            parent = code
        return " › ".join(labels)

    @property
    def is_split(self) -> bool:
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "splits" in cache:  # prefetched: no query per row in lists
            return bool(cache["splits"])
        return self.pk is not None and self.splits.exists()


class TransactionSplit(models.Model):
    """One part of a transaction spread over several categories; parts sum to the whole."""

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="splits")
    category = models.ForeignKey(
        "ledger.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="splits"
    )
    amount = models.DecimalField(**MONEY)
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.amount} of {self.transaction_id}"


ZERO = Decimal("0")
