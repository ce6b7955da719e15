"""Plaid through the official plaid-python client.

Configured by PLAID_CLIENT_ID, PLAID_SECRET, PLAID_ENV (sandbox or production) and
PLAID_WEBHOOK_URL; PLAID_HOST overrides the API host (tests point it at a local stand-in).
Plaid's sign is the opposite of ours (positive = money out): it is flipped here, once.
"""

import datetime
import functools
import json
from decimal import Decimal

from django.conf import settings

from banking.providers.base import (
    ItemLoginRequired,
    LinkResult,
    MutationDuringPagination,
    ProviderAccount,
    ProviderError,
    ProviderTransaction,
    SyncPage,
)

ACCOUNT_TYPES = {
    ("depository", "checking"): "checking",
    ("depository", "savings"): "savings",
    ("depository", "money market"): "savings",
    ("depository", "cd"): "savings",
    ("depository", "cash management"): "checking",
    ("credit", None): "credit_card",
    ("loan", None): "loan",
    ("investment", None): "investment",
}


def _map_account_type(type_: str, subtype: str | None) -> str:
    return (
        ACCOUNT_TYPES.get((type_, subtype))
        or ACCOUNT_TYPES.get((type_, None))
        or ("checking" if type_ == "depository" else "other")
    )


class PlaidProvider:
    name = "plaid"
    label = "Plaid"

    def is_configured(self) -> bool:
        return bool(settings.PLAID_CLIENT_ID and settings.PLAID_SECRET)

    def _api(self):
        if not self.is_configured():
            raise ProviderError(
                "Plaid is not configured: set PLAID_CLIENT_ID and PLAID_SECRET.",
                code="NOT_CONFIGURED",
            )
        return _client(
            settings.PLAID_HOST or settings.PLAID_ENV,
            settings.PLAID_CLIENT_ID,
            settings.PLAID_SECRET,
        )

    def _call(self, fn, request, **options):
        import plaid
        import urllib3

        try:
            return fn(request, _request_timeout=(5, settings.PLAID_TIMEOUT_SECONDS), **options)
        except plaid.ApiException as exc:
            raise _error_from(exc) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ProviderError(
                f"Plaid could not be reached ({exc.__class__.__name__}).",
                code="NETWORK",
                retryable=True,
            ) from None

    def link_start(
        self, *, user_id: int, access_token: str | None = None, new_accounts: bool = False
    ) -> dict:
        from plaid.model.country_code import CountryCode
        from plaid.model.link_token_create_request import LinkTokenCreateRequest
        from plaid.model.link_token_create_request_update import LinkTokenCreateRequestUpdate
        from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
        from plaid.model.link_token_transactions import LinkTokenTransactions
        from plaid.model.products import Products

        api = self._api()
        fields = {
            "client_name": "Billfold",
            "language": "en",
            "country_codes": [CountryCode(c) for c in settings.PLAID_COUNTRY_CODES],
            "user": LinkTokenCreateRequestUser(client_user_id=str(user_id)),
        }
        if settings.PLAID_WEBHOOK_URL:
            fields["webhook"] = settings.PLAID_WEBHOOK_URL
        if access_token:  # update mode: re-login, no products
            fields["access_token"] = access_token
            if new_accounts:
                fields["update"] = LinkTokenCreateRequestUpdate(account_selection_enabled=True)
        else:
            fields["products"] = [Products("transactions")]
            fields["transactions"] = LinkTokenTransactions(days_requested=730)
        resp = self._call(api.link_token_create, LinkTokenCreateRequest(**fields))
        return {"provider": self.name, "link_token": resp.link_token}

    def link_finish(self, *, public_token: str) -> LinkResult:
        from plaid.model.accounts_get_request import AccountsGetRequest
        from plaid.model.item_public_token_exchange_request import (
            ItemPublicTokenExchangeRequest,
        )

        api = self._api()
        resp = self._call(
            api.item_public_token_exchange,
            ItemPublicTokenExchangeRequest(public_token=public_token),
        )
        item = self._call(api.accounts_get, AccountsGetRequest(access_token=resp.access_token)).item
        return LinkResult(
            access_token=resp.access_token,
            item_id=resp.item_id,
            institution_id=item.get("institution_id") or "",
            institution_name=item.get("institution_name") or "",
        )

    def accounts(self, *, access_token: str) -> list[ProviderAccount]:
        from plaid.model.accounts_get_request import AccountsGetRequest

        resp = self._call(self._api().accounts_get, AccountsGetRequest(access_token=access_token))
        result = []
        for acc in resp.accounts:
            subtype = acc.get("subtype")
            balances = acc.balances
            currency = balances.get("iso_currency_code") or "XXX"
            current = balances.get("current")
            result.append(
                ProviderAccount(
                    id=acc.account_id,
                    name=acc.name,
                    type=_map_account_type(str(acc.type), str(subtype) if subtype else None),
                    currency=currency,
                    mask=acc.get("mask") or "",
                    balance=Decimal(str(current)) if current is not None else None,
                )
            )
        return result

    def sync(self, *, access_token: str, cursor: str) -> SyncPage:
        from plaid.model.transactions_sync_request import TransactionsSyncRequest

        fields = {"access_token": access_token, "count": settings.PLAID_SYNC_PAGE_SIZE}
        if cursor:
            fields["cursor"] = cursor
        # The raw JSON, read with Decimal for exact amounts; the SDK's model layer would
        # turn amounts into floats and costs more than the rest of a sync together.
        raw = self._call(
            self._api().transactions_sync,
            TransactionsSyncRequest(**fields),
            _preload_content=False,
        )
        try:
            body = json.loads(raw.data, parse_float=Decimal)
            return SyncPage(
                added=[_transaction(t) for t in body["added"]],
                modified=[_transaction(t) for t in body["modified"]],
                removed=[r["transaction_id"] for r in body["removed"]],
                next_cursor=body["next_cursor"],
                has_more=bool(body["has_more"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                f"Plaid sent a page Billfold could not read ({exc.__class__.__name__}).",
                retryable=True,
            ) from None

    def remove(self, *, access_token: str) -> None:
        from plaid.model.item_remove_request import ItemRemoveRequest

        self._call(self._api().item_remove, ItemRemoveRequest(access_token=access_token))

    def recover_access_token(self, *, item_id: str) -> str | None:
        return None  # a real secret: only Plaid issues it, through a new Link

    def webhook_key(self, *, key_id: str) -> dict:
        from plaid.model.webhook_verification_key_get_request import (
            WebhookVerificationKeyGetRequest,
        )

        resp = self._call(
            self._api().webhook_verification_key_get,
            WebhookVerificationKeyGetRequest(key_id=key_id),
        )
        return resp.key.to_dict()


def _transaction(t: dict) -> ProviderTransaction:
    """One Plaid transaction (raw JSON, amounts as Decimal) in Billfold's terms."""
    amount = -Decimal(str(t["amount"])).quantize(Decimal("0.01"))
    pfc = t.get("personal_finance_category") or {}
    name = t.get("name") or ""
    return ProviderTransaction(
        id=t["transaction_id"],
        account_id=t["account_id"],
        date=datetime.date.fromisoformat(t["date"]),
        amount=amount,
        payee=(t.get("merchant_name") or name)[:200],
        description=(t.get("original_description") or name)[:500],
        pending=bool(t.get("pending")),
        pending_transaction_id=t.get("pending_transaction_id"),
        currency=t.get("iso_currency_code"),
        category_hint=pfc.get("detailed") or "",
        category_primary=pfc.get("primary") or "",
    )


@functools.cache
def _client(host: str, client_id: str, secret: str):
    """One API client per configuration (building one costs tens of milliseconds)."""
    import plaid
    from plaid.api import plaid_api

    if not host.startswith("http"):
        host = plaid.Environment.Production if host == "production" else plaid.Environment.Sandbox
    cfg = plaid.Configuration(host=host, api_key={"clientId": client_id, "secret": secret})
    return plaid_api.PlaidApi(plaid.ApiClient(cfg))


def _error_from(exc) -> ProviderError:
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        body = {}
    code = body.get("error_code", "")
    message = body.get("display_message") or body.get("error_message") or str(exc.reason)
    if code == "ITEM_LOGIN_REQUIRED":
        return ItemLoginRequired("The bank needs you to sign in again: use Reconnect.", code=code)
    if code == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION":
        return MutationDuringPagination(message, code=code, retryable=True)
    retryable = exc.status == 429 or (exc.status or 0) >= 500
    return ProviderError(f"Plaid: {message}", code=code or str(exc.status), retryable=retryable)
