"""Personal API tokens: `bf_` + 43 url-safe characters, stored only as a SHA-256 hash."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import ApiToken, User

TOKEN_PREFIX = "bf_"
VISIBLE_PREFIX_LENGTH = 8
# A real token is 46 characters; anything much longer is garbage and is not worth hashing.
MAX_TOKEN_LENGTH = 128
# last_used_at is a hint for people, not an audit log: one write a minute per token is plenty.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Mint a token; the secret is returned once and never stored."""
    secret = token_generate()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=secret[:VISIBLE_PREFIX_LENGTH],
        token_hash=token_hash(secret),
        expires_at=expires_at,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens; a stranger's or an unknown id raises Http404."""
    token = get_object_or_404(
        ApiToken.objects.for_user(user).filter(revoked_at__isnull=True).select_for_update(),
        pk=token_id,
    )
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The active token (with its user) for this secret, or None; notes when it was used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(token_hash=token_hash(secret))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
