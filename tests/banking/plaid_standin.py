"""A local stand-in for the Plaid API, following its published contract for the endpoints
Billfold uses (field names, types, nullability, errors, cursor pagination).

The real plaid-python client talks to it over HTTP; the SDK validates every response
strictly, so a shape that drifts from Plaid's OpenAPI spec fails the tests.
"""

import datetime
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "test-client-id"
SECRET = "test-secret"
# personal_finance_category v1 primaries; a detailed code is PRIMARY_SUFFIX.
PFC_PRIMARIES = (
    "INCOME",
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "LOAN_PAYMENTS",
    "BANK_FEES",
    "ENTERTAINMENT",
    "FOOD_AND_DRINK",
    "GENERAL_MERCHANDISE",
    "HOME_IMPROVEMENT",
    "MEDICAL",
    "PERSONAL_CARE",
    "GENERAL_SERVICES",
    "GOVERNMENT_AND_NON_PROFIT",
    "TRANSPORTATION",
    "TRAVEL",
    "RENT_AND_UTILITIES",
)


def plaid_transaction(
    *,
    transaction_id: str,
    account_id: str,
    amount: str,
    date: str,
    name: str,
    merchant_name: str | None = None,
    pending: bool = False,
    pending_transaction_id: str | None = None,
    pfc_detailed: str | None = None,
) -> dict:
    """A transaction object with every field Plaid marks required (nullable ones as null)."""
    txn = {
        "account_id": account_id,
        "account_owner": None,
        "amount": json.loads(amount),  # a JSON number, as Plaid sends it
        "authorized_date": None,
        "authorized_datetime": None,
        "category": None,
        "category_id": None,
        "check_number": None,
        "counterparties": [],
        "date": date,
        "datetime": None,
        "iso_currency_code": "USD",
        "location": {
            "address": None,
            "city": None,
            "country": None,
            "lat": None,
            "lon": None,
            "postal_code": None,
            "region": None,
            "store_number": None,
        },
        "logo_url": None,
        "merchant_entity_id": None,
        "merchant_name": merchant_name,
        "name": name,
        "original_description": None,
        "payment_channel": "in store",
        "payment_meta": {
            "by_order_of": None,
            "payee": None,
            "payer": None,
            "payment_method": None,
            "payment_processor": None,
            "ppd_id": None,
            "reason": None,
            "reference_number": None,
        },
        "pending": pending,
        "pending_transaction_id": pending_transaction_id,
        "transaction_code": None,
        "transaction_id": transaction_id,
        "transaction_type": "place",
        "unofficial_currency_code": None,
        "website": None,
    }
    if pfc_detailed:
        txn["personal_finance_category"] = {
            "primary": max(
                (p for p in PFC_PRIMARIES if pfc_detailed.startswith(p + "_")),
                key=len,
                default=pfc_detailed,
            ),
            "detailed": pfc_detailed,
            "confidence_level": "HIGH",
        }
    return txn


ACCOUNTS = [
    {
        "account_id": "acc-checking",
        "balances": {
            "available": 1200.5,
            "current": 1250.75,
            "limit": None,
            "iso_currency_code": "USD",
            "unofficial_currency_code": None,
        },
        "mask": "0000",
        "name": "Plaid Checking",
        "official_name": "Plaid Gold Standard 0% Interest Checking",
        "type": "depository",
        "subtype": "checking",
    },
    {
        "account_id": "acc-card",
        "balances": {
            "available": None,
            "current": 410.0,
            "limit": 2000.0,
            "iso_currency_code": "USD",
            "unofficial_currency_code": None,
        },
        "mask": "3333",
        "name": "Plaid Credit Card",
        "official_name": None,
        "type": "credit",
        "subtype": "credit card",
    },
]


@dataclass
class Item:
    item_id: str
    access_token: str
    # The item's change log; a cursor is a position in it.
    changes: list[tuple[str, dict]] = field(default_factory=list)
    login_required: bool = False
    # The accounts the user shared in Link (a test may add one: NEW_ACCOUNTS_AVAILABLE).
    accounts: list[dict] = field(default_factory=lambda: list(ACCOUNTS))


class PlaidStandIn:
    """Start with `with PlaidStandIn() as plaid:`; `plaid.url` is the host for the client."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.public_tokens: dict[str, Item] = {}
        self.requests: list[tuple[str, dict]] = []
        self.sync_calls = 0
        # Scripted faults for the Nth /transactions/sync call (1-based): ("status", code) or
        # ("sleep", seconds: then a 500) or ("delay", seconds: then the page) or
        # ("mutation", None).
        self.sync_faults: dict[int, tuple[str, object]] = {}
        self.webhook_keys: dict[str, dict] = {}
        self.lock = threading.Lock()

    # --- test helpers ---------------------------------------------------------------------
    def new_item(self) -> tuple[str, Item]:
        token = secrets.token_hex(6)
        item = Item(item_id=f"item-{token}", access_token=f"access-sandbox-{token}")
        public = f"public-sandbox-{token}"
        self.public_tokens[public] = item
        self.items[item.access_token] = item
        return public, item

    def add(self, item: Item, txn: dict) -> None:
        item.changes.append(("added", txn))

    def modify(self, item: Item, txn: dict) -> None:
        item.changes.append(("modified", txn))

    def remove(self, item: Item, transaction_id: str, account_id: str) -> None:
        item.changes.append(
            ("removed", {"transaction_id": transaction_id, "account_id": account_id})
        )

    # --- server ---------------------------------------------------------------------------
    def __enter__(self) -> "PlaidStandIn":
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with standin.lock:
                    standin.requests.append((self.path, body))
                if (
                    self.headers.get("PLAID-CLIENT-ID") != CLIENT_ID
                    or self.headers.get("PLAID-SECRET") != SECRET
                ):
                    return self._error(400, "INVALID_INPUT", "INVALID_API_KEYS")
                handler = {
                    "/link/token/create": standin._link_token_create,
                    "/item/public_token/exchange": standin._exchange,
                    "/accounts/get": standin._accounts_get,
                    "/transactions/sync": standin._transactions_sync,
                    "/item/remove": standin._item_remove,
                    "/webhook_verification_key/get": standin._webhook_key,
                }.get(self.path)
                if handler is None:
                    return self._error(404, "INVALID_REQUEST", "UNKNOWN_ENDPOINT")
                status, payload = handler(body)
                if status == "sleep":
                    time.sleep(payload)
                    status, payload = 500, _error_body("API_ERROR", "INTERNAL_SERVER_ERROR")
                self._send(status, payload)

            def _error(self, status: int, error_type: str, code: str) -> None:
                self._send(status, _error_body(error_type, code))

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps({**payload, "request_id": secrets.token_hex(5)}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- endpoints ------------------------------------------------------------------------
    def _item(self, body: dict) -> Item | None:
        return self.items.get(body.get("access_token", ""))

    def _link_token_create(self, body: dict):
        if len(body.get("client_name", "")) > 30 or not body.get("user", {}).get("client_user_id"):
            return 400, _error_body("INVALID_REQUEST", "INVALID_FIELD")
        if not body.get("language") or not body.get("country_codes"):
            return 400, _error_body("INVALID_REQUEST", "MISSING_FIELDS")
        if "access_token" in body:  # update mode: an existing item, no products
            if self._item(body) is None:
                return 400, _error_body("INVALID_INPUT", "INVALID_ACCESS_TOKEN")
        elif not body.get("products"):
            return 400, _error_body("INVALID_REQUEST", "MISSING_FIELDS")
        expiration = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=4)
        return 200, {
            "link_token": f"link-sandbox-{secrets.token_hex(8)}",
            "expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _exchange(self, body: dict):
        item = self.public_tokens.pop(body.get("public_token", ""), None)
        if item is None:
            return 400, _error_body("INVALID_INPUT", "INVALID_PUBLIC_TOKEN")
        return 200, {"access_token": item.access_token, "item_id": item.item_id}

    def _item_body(self, item: Item) -> dict:
        return {
            "item_id": item.item_id,
            "institution_id": "ins_109508",
            "institution_name": "First Platypus Bank",
            "webhook": None,
            "error": None,
            "available_products": ["balance"],
            "billed_products": ["transactions"],
            "consent_expiration_time": None,
            "update_type": "background",
        }

    def _accounts_get(self, body: dict):
        item = self._item(body)
        if item is None:
            return 400, _error_body("INVALID_INPUT", "INVALID_ACCESS_TOKEN")
        if item.login_required:
            return 400, _error_body("ITEM_ERROR", "ITEM_LOGIN_REQUIRED")
        return 200, {"accounts": item.accounts, "item": self._item_body(item)}

    def _item_remove(self, body: dict):
        item = self._item(body)
        if item is None:
            return 400, _error_body("INVALID_INPUT", "INVALID_ACCESS_TOKEN")
        del self.items[item.access_token]
        return 200, {}

    def _webhook_key(self, body: dict):
        key = self.webhook_keys.get(body.get("key_id", ""))
        if key is None:
            return 400, _error_body("INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID")
        return 200, {"key": key}

    def _transactions_sync(self, body: dict):
        with self.lock:
            self.sync_calls += 1
            fault = self.sync_faults.get(self.sync_calls)
        item = self._item(body)
        if item is None:
            return 400, _error_body("INVALID_INPUT", "INVALID_ACCESS_TOKEN")
        if item.login_required:
            return 400, _error_body("ITEM_ERROR", "ITEM_LOGIN_REQUIRED")
        if fault:
            kind, value = fault
            if kind == "status":
                return value, _error_body("API_ERROR", "INTERNAL_SERVER_ERROR")
            if kind == "sleep":
                return "sleep", value
            if kind == "delay":
                time.sleep(value)
            if kind == "mutation":
                return 400, _error_body(
                    "TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
                )
        count = int(body.get("count", 100))
        if not 1 <= count <= 500:
            return 400, _error_body("INVALID_REQUEST", "INVALID_FIELD")
        cursor = body.get("cursor") or ""
        start = int(cursor.removeprefix("cur-")) if cursor else 0
        page = item.changes[start : start + count]
        end = start + len(page)
        return 200, {
            "added": [t for kind, t in page if kind == "added"],
            "modified": [t for kind, t in page if kind == "modified"],
            "removed": [t for kind, t in page if kind == "removed"],
            "accounts": item.accounts,
            "next_cursor": f"cur-{end}",
            "has_more": end < len(item.changes),
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
        }


def _error_body(error_type: str, code: str) -> dict:
    return {
        "error_type": error_type,
        "error_code": code,
        "error_message": f"stand-in error {code}",
        "display_message": None,
    }
