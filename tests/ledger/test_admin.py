import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from ledger.models import Rule
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_tag,
    make_transaction,
    make_transactions,
    make_transfer,
)

MODELS = [
    "account",
    "category",
    "tag",
    "transaction",
    "transactionsplit",
    "transfer",
    "importbatch",
    "rule",
]


@pytest.fixture
def admin_client_(db) -> Client:
    admin = User.objects.create_superuser("admin@example.com", "pw")
    client = Client()
    client.force_login(admin)
    return client


def _fill(user: User, rows: int) -> None:
    account = make_account(user)
    parent = make_category(user)
    category = make_category(user, parent=parent)
    make_transactions(account, rows, category=category)


def _changelist_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_transaction_changelist_runs_the_same_queries_for_5_and_50_rows(
    admin_client_, alice, bob
):
    _fill(alice, 5)
    few = _changelist_queries(admin_client_, "/admin/ledger/transaction/")
    _fill(bob, 45)
    many = _changelist_queries(admin_client_, "/admin/ledger/transaction/")
    assert few == many


@pytest.mark.parametrize("model", MODELS)
def test_every_ledger_changelist_and_search_works(admin_client_, alice, model):
    account = make_account(alice)
    savings = make_account(alice)
    category = make_category(alice, parent=make_category(alice))
    txn = make_transaction(account, category=category, tags=[make_tag(alice)])
    make_split(txn, [(category, "-4"), (None, "-6")])
    make_transfer(account, savings)
    Rule.objects.create(user=alice, name="Coffee", set_category=category)
    assert admin_client_.get(f"/admin/ledger/{model}/").status_code == 200
    assert admin_client_.get(f"/admin/ledger/{model}/?q=alice").status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_every_ledger_changelist_runs_a_constant_number_of_queries(
    admin_client_, alice, bob, model
):
    def fill(user, n):
        for _ in range(n):
            account = make_account(user)
            category = make_category(user, parent=make_category(user))
            txn = make_transaction(account, category=category)
            make_split(txn, [(category, "-4"), (None, "-6")])
            make_transfer(account, make_account(user))
            Rule.objects.create(user=user, name="r", set_category=category)
            make_tag(user)

    fill(alice, 2)
    few = _changelist_queries(admin_client_, f"/admin/ledger/{model}/")
    fill(bob, 8)
    assert _changelist_queries(admin_client_, f"/admin/ledger/{model}/") == few


def test_the_transaction_change_page_opens(admin_client_, alice):
    txn = make_transaction(make_account(alice))
    assert admin_client_.get(f"/admin/ledger/transaction/{txn.pk}/change/").status_code == 200
