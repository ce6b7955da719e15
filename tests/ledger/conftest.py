import pytest

from accounts.models import User
from ledger.models import Account, Category
from tests.ledger.factories import make_account, make_category


@pytest.fixture
def checking(alice: User) -> Account:
    return make_account(alice, name="Checking", opening_balance="1000.00")


@pytest.fixture
def savings(alice: User) -> Account:
    return make_account(alice, name="Savings", type="savings")


@pytest.fixture
def groceries(alice: User) -> Category:
    return make_category(alice, name="Groceries")


@pytest.fixture
def bob_account(bob: User) -> Account:
    return make_account(bob, name="Bob's checking")


@pytest.fixture
def bob_category(bob: User) -> Category:
    return make_category(bob, name="Bob's food")
