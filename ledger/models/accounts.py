from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

MONEY = {"max_digits": 15, "decimal_places": 3}


class AccountType(models.TextChoices):
    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"
    CREDIT_CARD = "credit_card", "Credit card"
    CASH = "cash", "Cash"
    LOAN = "loan", "Loan"
    INVESTMENT = "investment", "Investment"
    OTHER = "other", "Other"


LIABILITY_TYPES = frozenset({AccountType.CREDIT_CARD, AccountType.LOAN})


class AccountQuerySet(models.QuerySet["Account"]):
    def for_user(self, user) -> "AccountQuerySet":
        return self.filter(user=user)

    def active(self) -> "AccountQuerySet":
        return self.filter(is_archived=False)

    def with_balance(self) -> "AccountQuerySet":
        """Annotate `balance` = opening balance + the sum of its transactions, in one query."""
        total = Coalesce(
            Sum("transactions__amount"),
            Decimal("0"),
            output_field=models.DecimalField(**MONEY),
        )
        return self.annotate(
            transactions_total=total,
            balance=models.ExpressionWrapper(
                models.F("opening_balance") + total, output_field=models.DecimalField(**MONEY)
            ),
        )


class Account(models.Model):
    """A money account: a bank account, a card, cash, a loan."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="money_accounts"
    )
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=AccountType.choices, default="checking")
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code")
    opening_balance = models.DecimalField(**MONEY, default=Decimal("0"))
    opening_date = models.DateField(null=True, blank=True)
    institution = models.CharField(max_length=100, blank=True)
    is_archived = models.BooleanField(default=False)
    # Filled by the banking app when the account is linked to a provider.
    provider = models.CharField(max_length=30, blank=True)
    provider_account_id = models.CharField(max_length=200, null=True, blank=True)
    mask = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["is_archived", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider", "provider_account_id"],
                condition=Q(provider_account_id__isnull=False),
                name="account_unique_provider_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    @property
    def is_liability(self) -> bool:
        return self.type in LIABILITY_TYPES
