"""The bank-sync provider interface.

A provider turns a bank connection into accounts and pages of transaction changes. Adding a
provider (for example India's Account Aggregator framework) means one new module here that
implements `Provider`, plus one line in `banking.providers.PROVIDERS`.

Amounts crossing this boundary are already in Billfold's sign: negative is money out.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


class ProviderError(Exception):
    """A provider call failed. `retryable` errors (rate limits, 5xx, timeouts) back off."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class ItemLoginRequired(ProviderError):
    """The bank wants the user to sign in again (Link update mode)."""


class MutationDuringPagination(ProviderError):
    """The data changed while paging: restart the run from the cursor it started with."""


@dataclass(frozen=True, slots=True)
class LinkResult:
    access_token: str
    item_id: str
    institution_id: str = ""
    institution_name: str = ""


@dataclass(frozen=True, slots=True)
class ProviderAccount:
    id: str
    name: str
    type: str  # a ledger AccountType value
    currency: str
    mask: str = ""
    balance: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProviderTransaction:
    id: str
    account_id: str
    date: datetime.date
    amount: Decimal  # Billfold sign: negative is money out
    payee: str
    description: str = ""
    pending: bool = False
    pending_transaction_id: str | None = None
    currency: str | None = None
    category_hint: str = ""  # e.g. Plaid's personal_finance_category.detailed
    category_primary: str = ""  # its broader level, e.g. personal_finance_category.primary


@dataclass(slots=True)
class SyncPage:
    added: list[ProviderTransaction] = field(default_factory=list)
    modified: list[ProviderTransaction] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # provider transaction ids
    next_cursor: str = ""
    has_more: bool = False


class Provider(Protocol):
    name: str
    label: str

    def is_configured(self) -> bool: ...

    def link_start(
        self, *, user_id: int, access_token: str | None = None, new_accounts: bool = False
    ) -> dict:
        """What the page needs to open the provider's connect flow: update mode (re-login)
        with an access token, letting the user share `new_accounts` the bank reported."""
        ...

    def link_finish(self, *, public_token: str) -> LinkResult: ...

    def accounts(self, *, access_token: str) -> list[ProviderAccount]: ...

    def sync(self, *, access_token: str, cursor: str) -> SyncPage: ...

    def remove(self, *, access_token: str) -> None: ...

    def recover_access_token(self, *, item_id: str) -> str | None:
        """The item's access token again when it is no secret (the demo bank), for a stored
        one no configured key decrypts; None when only the bank can issue a new one."""
        ...
