"""ISO 4217 currencies with their minor units: the table lives in `accounts.currencies`
(a profile's base currency needs it, and accounts cannot import the ledger)."""

from accounts.currencies import (
    CURRENCIES,
    CURRENCY_CHOICES,
    Currency,
    get_currency,
    is_currency,
    minor_units,
)

__all__ = [
    "CURRENCIES",
    "CURRENCY_CHOICES",
    "Currency",
    "get_currency",
    "is_currency",
    "minor_units",
]
