import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client

from accounts.models import User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps rate-limit counters and used TOTP codes in the cache.
    cache.clear()
    yield
    cache.clear()


def verify_email(user: User) -> User:
    """Mark the user's address verified, as if they had clicked the link (allauth requires it)."""
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


@pytest.fixture
def verified_alice(alice: User) -> User:
    return verify_email(alice)


def login_with_password(client: Client, email: str, password: str = PASSWORD):
    return client.post("/auth/login/", {"login": email, "password": password})


def link_in(body: str) -> str:
    """The first http(s) link in an email body, as a path for the test client."""
    match = re.search(r"https?://testserver(/\S+)", body)
    assert match, body
    return match.group(1)
