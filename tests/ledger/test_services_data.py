import csv
import datetime
import io
import json

from accounts.models import User
from ledger.models import Account, Category, Transaction
from ledger.services.categories import categories_create_defaults
from ledger.services.data import csv_safe, transactions_write_csv, user_data_export, user_delete
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_tag,
    make_transaction,
    make_transfer,
)


def test_the_export_holds_everything_the_user_owns_as_json(
    alice, bob, checking, savings, groceries
):
    tag = make_tag(alice, "trip")
    txn = make_transaction(checking, amount="-12.34", category=groceries, tags=[tag])
    make_split(txn, [(groceries, "-10"), (None, "-2.34")])
    make_transfer(checking, savings)
    make_transaction(make_account(bob), payee="Bob's secret")
    data = user_data_export(user=alice)
    text = json.dumps(data)
    assert "Bob's secret" not in text and "bob@example.com" not in text
    assert data["user"]["email"] == "alice@example.com"
    assert {a["name"] for a in data["accounts"]} == {"Checking", "Savings"}
    row = next(t for t in data["transactions"] if t["id"] == txn.pk)
    assert row["amount"] == "-12.340" or row["amount"] == "-12.34"
    assert row["tags"] == [tag.pk]
    assert len(data["splits"]) == 2 and len(data["transfers"]) == 1
    assert "password" not in text


def test_csv_cells_cannot_run_as_formulas():
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("+1") == "'+1"
    assert csv_safe("@SUM") == "'@SUM"
    assert csv_safe("\tx") == "'\tx"
    assert csv_safe("-12.50") == "'-12.50"
    assert csv_safe("-12.50", numeric=True) == "-12.50"
    assert csv_safe("-1+1", numeric=True) == "'-1+1"
    assert csv_safe("Coffee") == "Coffee"


def test_the_csv_export_writes_each_transaction_safely(alice, checking, groceries):
    make_transaction(
        checking,
        amount="-5.5",
        payee="=cmd|'/C calc'!A0",
        category=groceries,
        tags=[make_tag(alice, "b"), make_tag(alice, "a")],
        date=datetime.date(2025, 2, 1),
    )
    out = io.StringIO()
    assert transactions_write_csv(transactions=Transaction.objects.for_user(alice), out=out) == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["amount"] == "-5.50"
    assert rows[0]["payee"] == "'=cmd|'/C calc'!A0"
    assert rows[0]["tags"] == "a, b" and rows[0]["category"] == "Groceries"
    assert rows[0]["kind"] == "expense" and rows[0]["date"] == "2025-02-01"


def test_user_delete_removes_everything_of_that_user_and_nothing_else(
    alice, bob, checking, savings
):
    make_transfer(checking, savings)
    make_transaction(checking, category=make_category(alice), tags=[make_tag(alice)])
    categories_create_defaults(user=bob)
    bobs = make_transaction(make_account(bob), tags=[make_tag(bob)])
    user_delete(user=alice)
    assert not User.objects.filter(email="alice@example.com").exists()
    assert not Account.objects.exclude(user=bob).exists()
    assert not Category.objects.exclude(user=bob).exists()
    assert list(Transaction.objects.all()) == [bobs]
    assert bobs.tags.count() == 1
