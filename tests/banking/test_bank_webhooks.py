"""Plaid webhooks: only JWTs signed by Plaid's key, fresh, and matching the body get in."""

import hashlib
import json
import time

import jwt
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.cache import cache
from django.urls import reverse
from jwt.algorithms import ECAlgorithm

from banking.connections import BankItem
from tests.banking.plaid_standin import CLIENT_ID, SECRET, PlaidStandIn

URL = "/banking/plaid/webhook"


def make_key(kid: str):
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    jwk.update(
        {"alg": "ES256", "kid": kid, "use": "sig", "created_at": 1700000000, "expired_at": None}
    )
    return private, jwk


@pytest.fixture
def plaid(settings):
    cache.clear()
    with PlaidStandIn() as standin:
        settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = CLIENT_ID, SECRET
        settings.PLAID_HOST = standin.url
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        yield standin


@pytest.fixture
def signer(plaid):
    private, jwk = make_key("key-1")
    plaid.webhook_keys["key-1"] = jwk

    def sign(body: bytes, *, key=private, kid="key-1", iat=None, alg="ES256") -> str:
        claims = {
            "iat": int(time.time()) if iat is None else iat,
            "request_body_sha256": hashlib.sha256(body).hexdigest(),
        }
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})

    return sign


@pytest.fixture
def bank_item(alice):
    item = BankItem(user=alice, provider="plaid", item_id="item-abc", institution_name="Bank")
    item.access_token = "access-sandbox-abc"
    item.save()
    return item


def post(client, body: bytes, token: str | None):
    headers = {"HTTP_PLAID_VERIFICATION": token} if token is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers)


def body_for(code: str, **extra) -> bytes:
    payload = {"webhook_type": "ITEM", "webhook_code": code, "item_id": "item-abc", **extra}
    return json.dumps(payload).encode()


def test_a_valid_webhook_is_accepted_and_acted_on(client, signer, bank_item):
    body = body_for("ERROR", error={"error_code": "ITEM_LOGIN_REQUIRED"})
    response = post(client, body, signer(body))
    assert response.status_code == 200
    bank_item.refresh_from_db()
    assert bank_item.status == "login_required"


def test_login_repaired_and_new_accounts_update_the_item(client, signer, bank_item):
    bank_item.status = "login_required"
    bank_item.save()
    for code in ("LOGIN_REPAIRED", "NEW_ACCOUNTS_AVAILABLE"):
        body = body_for(code)
        assert post(client, body, signer(body)).status_code == 200
    bank_item.refresh_from_db()
    assert bank_item.status == "ok" and bank_item.new_accounts_available


def test_pending_expiration_records_when_consent_ends(client, signer, bank_item):
    body = body_for("PENDING_EXPIRATION", consent_expiration_time="2026-12-01T00:00:00Z")
    assert post(client, body, signer(body)).status_code == 200
    bank_item.refresh_from_db()
    assert bank_item.status == "pending_expiration"
    assert bank_item.consent_expires_at.isoformat().startswith("2026-12-01")


def test_sync_updates_available_runs_a_sync(
    client, signer, bank_item, django_capture_on_commit_callbacks
):
    body = json.dumps(
        {
            "webhook_type": "TRANSACTIONS",
            "webhook_code": "SYNC_UPDATES_AVAILABLE",
            "item_id": "item-abc",
        }
    ).encode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body, signer(body))
    assert response.json()["handled"] == "sync queued"
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "case",
    ["wrong key", "altered body", "stale iat", "future iat", "no header", "hs256", "garbage"],
)
def test_anything_else_is_rejected_with_401_and_a_log_line(client, signer, bank_item, caplog, case):
    body = body_for("ERROR", error={"error_code": "ITEM_LOGIN_REQUIRED"})
    if case == "wrong key":
        token = signer(body, key=make_key("key-1")[0])
    elif case == "altered body":
        token = signer(body)
        body = body.replace(b"ITEM_LOGIN_REQUIRED", b"ITEM_LOGIN_REQUIRED ")
    elif case == "stale iat":
        token = signer(body, iat=int(time.time()) - 6 * 60)
    elif case == "future iat":
        token = signer(body, iat=int(time.time()) + 6 * 60)
    elif case == "no header":
        token = None
    elif case == "hs256":
        token = jwt.encode(
            {"iat": int(time.time())}, "secret", algorithm="HS256", headers={"kid": "key-1"}
        )
    else:
        token = "not.a.jwt"
    response = post(client, body, token)
    assert response.status_code == 401
    assert "plaid webhook rejected" in caplog.text
    bank_item.refresh_from_db()
    assert bank_item.status == "ok"


def test_the_verification_key_is_fetched_once_and_cached(client, signer, plaid, bank_item):
    for _ in range(3):
        body = body_for("LOGIN_REPAIRED")
        post(client, body, signer(body))
    fetches = [p for p, _ in plaid.requests if p == "/webhook_verification_key/get"]
    assert len(fetches) == 1


def test_the_webhook_url_takes_only_post(client):
    assert client.get(URL).status_code == 405
    assert reverse("banking:plaid-webhook") == URL


@pytest.mark.parametrize(
    ("code", "extra", "title"),
    [
        (
            "ERROR",
            {"error": {"error_code": "ITEM_LOGIN_REQUIRED"}},
            "Bank needs you to sign in again",
        ),
        ("ERROR", {"error": {"error_code": "INSTITUTION_DOWN"}}, "Bank reported an error"),
        ("PENDING_EXPIRATION", {}, "Bank will disconnect soon"),
        ("NEW_ACCOUNTS_AVAILABLE", {}, "Bank has new accounts"),
        ("USER_PERMISSION_REVOKED", {}, "Bank revoked Billfold's access"),
    ],
)
def test_item_news_tells_the_user_once(client, signer, bank_item, alice, code, extra, title):
    from budgets.models import Notification

    for _ in range(2):  # Plaid may send it again: one notification
        body = body_for(code, **extra)
        assert post(client, body, signer(body)).status_code == 200
    [note] = Notification.objects.filter(user=alice)
    assert (note.kind, note.title, note.url) == ("bank", title, "/connections/")


def test_an_item_error_shows_what_the_bank_said(client, signer, bank_item):
    error = {"error_code": "INSTITUTION_DOWN", "display_message": "The bank is down."}
    body = body_for("ERROR", error=error)
    assert post(client, body, signer(body)).status_code == 200
    bank_item.refresh_from_db()
    assert bank_item.status == "error"
    assert bank_item.status_message == "The bank reported INSTITUTION_DOWN. The bank is down."


def test_a_verified_but_odd_body_is_answered_without_a_500(client, signer, bank_item):
    def send(payload: dict) -> str:
        body = json.dumps(payload).encode()
        response = post(client, body, signer(body))
        assert response.status_code == 200
        bank_item.refresh_from_db()
        return response.json()["handled"]

    item = {"webhook_type": "ITEM", "item_id": "item-abc"}
    assert send({**item, "webhook_code": "ERROR", "item_id": ["item-abc"]}) == "unknown item"
    assert bank_item.status == "ok"
    assert send({**item, "webhook_code": "ERROR", "error": "x"}) == "item error"
    assert (bank_item.status, bank_item.status_message) == ("error", "The bank reported an error.")
    expiring = {**item, "webhook_code": "PENDING_EXPIRATION", "consent_expiration_time": "soon"}
    assert send(expiring) == "item pending_expiration"
    assert (bank_item.status, bank_item.consent_expires_at) == ("pending_expiration", None)


def test_transaction_webhooks_for_other_items_or_legacy_codes_change_nothing(
    client, signer, bank_item, django_capture_on_commit_callbacks
):
    for payload, handled in (
        (
            {
                "webhook_type": "TRANSACTIONS",
                "webhook_code": "DEFAULT_UPDATE",
                "item_id": "item-abc",
            },
            "ignored",
        ),
        (
            {
                "webhook_type": "TRANSACTIONS",
                "webhook_code": "SYNC_UPDATES_AVAILABLE",
                "item_id": "x",
            },
            "unknown item",
        ),
    ):
        body = json.dumps(payload).encode()
        with django_capture_on_commit_callbacks() as callbacks:
            assert post(client, body, signer(body)).json()["handled"] == handled
        assert callbacks == []  # no sync queued
    bank_item.refresh_from_db()
    assert (bank_item.status, bank_item.last_attempt_at) == ("ok", None)
