"""Money accounts: create, edit, archive, delete."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction as db_transaction

from accounts.models import User
from ledger.changes import ledger_touched
from ledger.currencies import is_currency
from ledger.models import Account, AccountType, Transaction, Transfer
from ledger.services.validation import (
    FieldErrors,
    clean_amount,
    clean_choice,
    clean_date,
    clean_text,
)

ACCOUNT_FIELDS = frozenset(
    {"name", "type", "currency", "opening_balance", "opening_date", "institution", "is_archived"}
)


def default_currency(user: User) -> str:
    """What a new account is kept in unless told otherwise: the user's base currency (chosen
    at onboarding, changed in Settings)."""
    profile = getattr(user, "profile", None)
    return getattr(profile, "base_currency", "") or "USD"


def _clean_account_fields(errors: FieldErrors, fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in fields:
        cleaned["name"] = clean_text(
            errors, fields["name"], Account, "name", required=True, label="name"
        )
    if "type" in fields:
        cleaned["type"] = clean_choice(errors, fields["type"], AccountType, "type")
    if "currency" in fields:
        code = str(fields["currency"] or "").strip().upper()
        if not is_currency(code):
            errors.add("currency", "Enter a three-letter ISO 4217 currency code, like USD.")
        cleaned["currency"] = code
    if "institution" in fields:
        cleaned["institution"] = clean_text(errors, fields["institution"], Account, "institution")
    if "opening_date" in fields:
        value = fields["opening_date"]
        cleaned["opening_date"] = (
            None if value in (None, "") else clean_date(errors, value, "opening_date")
        )
    if "is_archived" in fields:
        cleaned["is_archived"] = bool(fields["is_archived"])
    return cleaned


@db_transaction.atomic
def account_create(
    *,
    user: User,
    name: str,
    type: str = AccountType.CHECKING,
    currency: str = "",
    opening_balance: Decimal | str | int = Decimal("0"),
    opening_date: datetime.date | None = None,
    institution: str = "",
    is_archived: bool = False,
) -> Account:
    errors = FieldErrors()
    cleaned = _clean_account_fields(
        errors,
        {
            "name": name,
            "type": type,
            "currency": currency or default_currency(user),
            "opening_date": opening_date,
            "institution": institution,
        },
    )
    balance = None
    if "currency" not in errors.errors:
        balance = clean_amount(errors, opening_balance, cleaned["currency"], "opening_balance")
    errors.raise_if_any()
    account = Account.objects.create(
        user=user, opening_balance=balance, is_archived=bool(is_archived), **cleaned
    )
    ledger_touched(user_id=user.pk, dates=[])  # cached balances list every account
    return account


@db_transaction.atomic
def account_update(*, user: User, account: Account, **fields: Any) -> Account:
    """Change any of name, type, currency, opening_balance, opening_date, institution,
    is_archived. The currency can change only while the account has no transactions."""
    errors = FieldErrors()
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise TypeError(f"account_update() got unexpected fields: {sorted(unknown)}")
    if account.user_id != user.pk:
        errors.add("account", "Choose one of your own.")
        errors.raise_if_any()
    cleaned = _clean_account_fields(errors, fields)
    currency = cleaned.get("currency", account.currency)
    if (
        currency != account.currency
        and "currency" not in errors.errors
        and Transaction.objects.filter(account=account).exists()
    ):
        errors.add(
            "currency",
            "This account already has transactions in "
            f"{account.currency}; create a new account for {currency} instead.",
        )
    if "opening_balance" in fields and "currency" not in errors.errors:
        cleaned["opening_balance"] = clean_amount(
            errors, fields["opening_balance"], currency, "opening_balance"
        )
    errors.raise_if_any()
    for key, value in cleaned.items():
        setattr(account, key, value)
    account.save(update_fields=list(cleaned) or None)
    # Cached balances and net worth (keyed by the user's stamp) must see the new account.
    ledger_touched(user_id=user.pk, dates=[])
    return account


def account_archive(*, user: User, account: Account, archived: bool = True) -> Account:
    """Archived accounts keep their history but leave pickers and the net worth total."""
    return account_update(user=user, account=account, is_archived=archived)


@db_transaction.atomic
def account_delete(*, user: User, account: Account) -> None:
    """Delete the account and its transactions. A transfer to or from it leaves the other
    side in place as a plain transaction: that money really did move in or out there."""
    if account.user_id != user.pk:
        errors = FieldErrors()
        errors.add("account", "Choose one of your own.")
        errors.raise_if_any()
    transfer_ids = list(
        Transaction.objects.filter(account=account, transfer__isnull=False).values_list(
            "transfer_id", flat=True
        )
    )
    orphans = Transaction.objects.filter(transfer_id__in=transfer_ids).exclude(account=account)
    months = list(orphans.order_by().dates("date", "month")) if transfer_ids else []
    orphans.update(transfer=None)  # now plain money in or out: stamp their months
    ledger_touched(user_id=user.pk, dates=months)
    Transfer.objects.filter(pk__in=transfer_ids, user=user).delete()
    account.delete()
