import pytest

from accounts.models import User
from ledger.models import Account, Category
from tests.ledger.factories import make_account, make_category


def set_profile(user: User, **fields) -> User:
    """Change the user's profile (payday, timezone, first weekday) and reload it."""
    for key, value in fields.items():
        setattr(user.profile, key, value)
    user.profile.save()
    return User.objects.select_related("profile").get(pk=user.pk)


@pytest.fixture
def checking(alice: User) -> Account:
    return make_account(alice, name="Checking")


@pytest.fixture
def food(alice: User) -> Category:
    return make_category(alice, name="Food")


@pytest.fixture
def cafe(alice: User, food: Category) -> Category:
    return make_category(alice, name="Cafe", parent=food)


@pytest.fixture
def bob_account(bob: User) -> Account:
    return make_account(bob, name="Bob's checking")


@pytest.fixture
def bob_category(bob: User) -> Category:
    return make_category(bob, name="Bob's food")
