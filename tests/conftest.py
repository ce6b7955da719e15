import pytest
from django.test import Client

from accounts.models import User


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty cache: no aggregate or rate limit leaks between tests."""
    from django.core.cache import caches

    for alias in ("default", "shared"):
        caches[alias].clear()


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice@example.com", "correct horse battery staple")


@pytest.fixture
def bob(db) -> User:
    """The stranger: every page and endpoint must answer him 404 for alice's data."""
    return User.objects.create_user("bob@example.com", "another horse battery staple")


@pytest.fixture
def alice_client(alice: User) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob: User) -> Client:
    client = Client()
    client.force_login(bob)
    return client


def pytest_collection_modifyitems(config, items) -> None:
    from django.conf import settings

    if settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
