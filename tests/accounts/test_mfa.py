"""Two-factor sign-in with an authenticator app (TOTP) and with a recovery code."""

import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.test import Client

from accounts.models import User
from tests.accounts.conftest import PASSWORD, login_with_password

pytestmark = pytest.mark.django_db


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 with SHA-1, 30-second steps and 6 digits, written out so the test checks allauth."""
    import base64
    import hashlib
    import hmac
    import struct

    counter = int((time.time() if at is None else at) // 30)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def activate_totp(client: Client) -> str:
    """Turn on TOTP through the pages, as a person would; returns the secret."""
    page = client.get("/auth/2fa/totp/activate/")
    if page.status_code == 302 and page["Location"].startswith("/auth/reauthenticate/"):
        # allauth asks for the password again before security changes.
        response = client.post(page["Location"], {"password": PASSWORD})
        assert response.status_code == 302
        page = client.get("/auth/2fa/totp/activate/")
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content  # the QR code
    secret = client.session[SECRET_SESSION_KEY]
    # The whole key, for people who cannot scan the code, in a field they can copy from.
    assert f'id="authenticator_secret" value="{secret}" readonly'.encode() in page.content
    response = client.post("/auth/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    return secret


@pytest.fixture
def alice_with_totp(client: Client, verified_alice: User) -> tuple[User, str]:
    assert login_with_password(client, "alice@example.com").status_code == 302
    secret = activate_totp(client)
    assert Authenticator.objects.filter(user=verified_alice, type="totp").exists()
    client.post("/auth/logout/")
    return verified_alice, secret


def test_a_user_turns_on_totp_and_signs_in_with_a_code(client: Client, alice_with_totp):
    alice, secret = alice_with_totp
    response = login_with_password(client, "alice@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/auth/2fa/authenticate/"
    assert "_auth_user_id" not in client.session

    page = client.get("/auth/2fa/authenticate/")
    assert page.status_code == 200
    assert "base.html" in [t.name for t in page.templates]

    # The next 30-second step: the code used to activate may not be replayed.
    with time_machine.travel(time.time() + 30, tick=False):
        response = client.post("/auth/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_a_wrong_totp_code_is_refused(client: Client, alice_with_totp):
    login_with_password(client, "alice@example.com")
    response = client.post("/auth/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(client: Client, alice_with_totp):
    alice, _ = alice_with_totp
    codes = RecoveryCodes(
        Authenticator.objects.get(user=alice, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert len(codes) == 10

    login_with_password(client, "alice@example.com")
    response = client.post("/auth/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk

    client.post("/auth/logout/")
    login_with_password(client, "alice@example.com")
    response = client.post("/auth/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_security_settings_show_whether_totp_is_on(client: Client, verified_alice: User):
    login_with_password(client, "alice@example.com")
    page = client.get("/settings/security/")
    assert b"Turn on two-factor authentication" in page.content
    activate_totp(client)
    page = client.get("/settings/security/")
    assert b"Turn off" in page.content
    assert client.get("/auth/2fa/").status_code == 200
    assert client.get("/auth/2fa/recovery-codes/").status_code == 200


def test_mfa_pages_need_login(client: Client):
    response = client.get("/auth/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")
