import csv
import datetime
import io
import json
import os
from decimal import Decimal

from django.apps import apps
from django.core.files.base import ContentFile

from accounts.models import User
from ledger.models import Account, Category, ImportBatch, Transaction
from ledger.services.categories import categories_create_defaults
from ledger.services.data import (
    _owner_lookup,
    csv_safe,
    transactions_write_csv,
    user_data_export,
    user_delete,
)
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


def test_the_export_has_a_list_for_every_kind_of_row_a_user_owns(alice):
    """A model added to any app later is exported as soon as it reaches its user, directly
    or through one owned row (a budget's alerts, a bank connection's accounts)."""
    data = user_data_export(user=alice)
    ledger_keys = {
        "ledger.account": "accounts",
        "ledger.category": "categories",
        "ledger.tag": "tags",
        "ledger.transaction": "transactions",
        "ledger.transactionsplit": "splits",
        "ledger.transfer": "transfers",
        "ledger.rule": "rules",
        "ledger.importbatch": "import_batches",
        "accounts.profile": "profile",
    }
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in {"accounts", "ledger", "budgets", "banking", "insights"}:
            continue
        if label == "accounts.user":
            continue
        if label in ledger_keys:
            assert ledger_keys[label] in data, label
        elif _owner_lookup(model) is not None:
            assert label in data["other"], label
    for label in ("budgets.budgetalert", "budgets.recurringoccurrence", "banking.bankaccount"):
        assert label in data["other"]


def test_the_export_holds_rows_owned_through_another_row(alice, bob, checking):
    bank_item = apps.get_model("banking", "BankItem")
    bank_account = apps.get_model("banking", "BankAccount")
    budget = apps.get_model("budgets", "Budget")
    alert = apps.get_model("budgets", "BudgetAlert")
    for user, name in ((alice, "Alice's bank"), (bob, "Bob's bank")):
        item = bank_item.objects.create(user=user, provider="demo", item_id=name)
        bank_account.objects.create(item=item, provider_account_id="1", name=f"{name} acct")
        limit = budget.objects.create(
            user=user, amount=Decimal("100"), start_date=datetime.date(2025, 1, 1)
        )
        alert.objects.create(budget=limit, period_start=datetime.date(2025, 1, 1), threshold=80)
    data = user_data_export(user=alice)
    assert [r["name"] for r in data["other"]["banking.bankaccount"]] == ["Alice's bank acct"]
    assert len(data["other"]["budgets.budgetalert"]) == 1
    assert "Bob" not in json.dumps(data)
    assert "access_token_encrypted" not in json.dumps(data)


def test_user_delete_also_removes_the_users_stored_files_and_keeps_others(
    alice, bob, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    import_file = apps.get_model("banking", "ImportFile")
    uploads = {}
    for user in (alice, bob):
        batch = ImportBatch.objects.create(user=user, state="preview")
        upload = import_file(batch=batch, user=user)
        upload.file.save("statement.csv", ContentFile(b"date,amount\n"), save=True)
        uploads[user.email] = upload.file.path
    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=alice)
    assert not import_file.objects.filter(user_id=alice.pk).exists()
    assert not os.path.exists(uploads["alice@example.com"])
    assert os.path.exists(uploads["bob@example.com"])
