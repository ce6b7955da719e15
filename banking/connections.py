"""Models of bank connections (an "item" in Plaid's words) and their linked accounts."""

from django.conf import settings
from django.db import models


class BankItemQuerySet(models.QuerySet["BankItem"]):
    def for_user(self, user) -> "BankItemQuerySet":
        return self.filter(user=user)


class BankItem(models.Model):
    """One connection to one institution through one provider."""

    class Status(models.TextChoices):
        OK = "ok", "Connected"
        LOGIN_REQUIRED = "login_required", "Needs you to sign in again"
        PENDING_EXPIRATION = "pending_expiration", "Consent expires soon"
        ERROR = "error", "Error"
        REVOKED = "revoked", "Access revoked"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_items"
    )
    provider = models.CharField(max_length=20)
    item_id = models.CharField(max_length=200)
    institution_id = models.CharField(max_length=100, blank=True)
    institution_name = models.CharField(max_length=200, blank=True)
    # Ciphertext only (banking.crypto); the plain token never touches the database.
    access_token_encrypted = models.TextField()
    cursor = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default="ok")
    status_message = models.CharField(max_length=500, blank=True)
    new_accounts_available = models.BooleanField(default=False)
    consent_expires_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_added = models.PositiveIntegerField(default=0)
    last_modified = models.PositiveIntegerField(default=0)
    last_removed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BankItemQuerySet.as_manager()

    class Meta:
        ordering = ["institution_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "item_id"], name="bankitem_unique_item")
        ]

    def __str__(self) -> str:
        return f"{self.institution_name or self.provider} ({self.get_status_display()})"

    @property
    def needs_reconnect(self) -> bool:
        """Reconnect is offered: the bank wants a sign-in, reported an error, or has news."""
        return self.status != self.Status.OK or self.new_accounts_available

    @property
    def access_token(self) -> str:
        from banking.crypto import decrypt

        return decrypt(self.access_token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        from banking.crypto import encrypt

        self.access_token_encrypted = encrypt(value)


class BankAccount(models.Model):
    """An account at the bank, and the ledger account its transactions go to (if any)."""

    item = models.ForeignKey(BankItem, on_delete=models.CASCADE, related_name="accounts")
    provider_account_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    mask = models.CharField(max_length=8, blank=True)
    type = models.CharField(max_length=20, default="checking")
    currency = models.CharField(max_length=3, default="USD")
    account = models.ForeignKey(
        "ledger.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bank_links",
        help_text="Empty: this bank account is not imported.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "provider_account_id"], name="bankaccount_unique_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ••{self.mask}" if self.mask else self.name
