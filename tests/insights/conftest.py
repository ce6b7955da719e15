import pytest

from accounts.models import User
from ledger.models import Account, Category
from ledger.services.categories import categories_create_defaults
from tests.ledger.factories import make_account, make_category


@pytest.fixture
def checking(alice: User) -> Account:
    return make_account(alice, name="Checking")


@pytest.fixture
def categories(alice: User) -> dict[str, Category]:
    """Alice's default categories by name."""
    categories_create_defaults(user=alice)
    return {c.name: c for c in Category.objects.for_user(alice)}


@pytest.fixture
def bob_category(bob: User) -> Category:
    return make_category(bob, name="Bob's food")
