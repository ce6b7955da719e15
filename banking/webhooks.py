"""Verification of Plaid webhooks (the `Plaid-Verification` JWT).

The JWT must be ES256, signed by the key Plaid names in its header (fetched with
/webhook_verification_key/get and cached by key id), issued at most five minutes ago, and
carry the SHA-256 of the exact request body bytes.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import jwt
from django.core.cache import cache

MAX_AGE_SECONDS = 5 * 60
CLOCK_SKEW_SECONDS = 60
KEY_CACHE_SECONDS = 24 * 3600


class WebhookRejected(Exception):
    """The webhook is not provably from Plaid; the message says why (for the log only)."""


def verify_plaid_webhook(
    *, body: bytes, token: str, fetch_key: Callable[[str], dict], now: float | None = None
) -> dict:
    """Return the parsed body when the webhook is genuine; raise WebhookRejected otherwise."""
    if not token:
        raise WebhookRejected("missing Plaid-Verification header")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise WebhookRejected(f"unreadable JWT header: {exc}") from None
    if header.get("alg") != "ES256":
        raise WebhookRejected(f"algorithm {header.get('alg')!r} is not ES256")
    kid = header.get("kid")
    if not kid or not isinstance(kid, str):
        raise WebhookRejected("JWT header has no key id")

    jwk = cache.get(f"plaid-webhook-key:{kid}")
    if jwk is None:
        try:
            jwk = fetch_key(kid)
        except Exception as exc:
            raise WebhookRejected(f"verification key {kid} unavailable: {exc}") from None
        cache.set(f"plaid-webhook-key:{kid}", jwk, KEY_CACHE_SECONDS)
    now = time.time() if now is None else now
    if jwk.get("expired_at") and jwk["expired_at"] <= now:
        raise WebhookRejected(f"verification key {kid} has expired")

    try:
        key = jwt.PyJWK(
            {k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk}, algorithm="ES256"
        )
        claims = jwt.decode(
            token, key=key, algorithms=["ES256"], options={"verify_iat": False, "require": ["iat"]}
        )
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise WebhookRejected(f"signature check failed: {exc}") from None

    iat = claims.get("iat")
    if not isinstance(iat, int | float) or now - iat > MAX_AGE_SECONDS:
        raise WebhookRejected("JWT is older than five minutes")
    if iat - now > CLOCK_SKEW_SECONDS:  # a token from the future would stay fresh for ever
        raise WebhookRejected("JWT is issued in the future")
    expected = claims.get("request_body_sha256", "")
    actual = hashlib.sha256(body).hexdigest()
    if not isinstance(expected, str) or not hmac.compare_digest(expected, actual):
        raise WebhookRejected("body hash does not match the JWT")
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected("body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRejected("body is not a JSON object")
    return payload
