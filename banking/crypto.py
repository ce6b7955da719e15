"""Encryption at rest for bank access tokens (Fernet, several keys so keys can rotate).

FIELD_ENCRYPTION_KEYS lists Fernet keys, newest first: new values are encrypted with the
first, and any listed key decrypts. `manage.py rotate_encryption_keys` re-encrypts stored
values with the newest key, after which old keys can be dropped. With no keys configured
(development, demo bank only) a key is derived from SECRET_KEY; Plaid refuses to start
without real keys. A demo bank token that no key opens (SECRET_KEY changed) is made again
by the demo provider; see banking.services.sync.bank_item_access_token.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """No configured key opens this value (a key was dropped before rotation)."""


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        try:
            return MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes); make one "
                'with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"'
            ) from None
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"billfold-field-encryption", info=b"v1"
    ).derive(secret_key.encode())
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored bank token cannot be decrypted with the configured FIELD_ENCRYPTION_KEYS."
        ) from None


def rotate(token: str) -> str:
    """The same value encrypted with the newest key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A stored bank token cannot be decrypted for rotation.") from None
