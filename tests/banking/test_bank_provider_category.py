"""The bank's own category is kept on each synced transaction, beside the user's category:
stored from Plaid and the demo bank, shown on the edit page, in the API, exports and admin."""

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync
from ledger.models import Transaction
from tests.banking.test_bank_sync import item, ledger_rows, plaid, txn  # noqa: F401
from tests.ledger.factories import make_account, make_category, make_transaction

COFFEE = "FOOD_AND_DRINK > FOOD_AND_DRINK_COFFEE"


def test_plaid_sync_keeps_the_primary_and_detailed_category(plaid, item):  # noqa: F811
    plaid.add(item.remote, txn(1, pfc_detailed="FOOD_AND_DRINK_COFFEE"))
    plaid.add(item.remote, txn(2))  # no personal_finance_category at all
    bank_item_sync(item_id=item.pk)
    hints = dict(ledger_rows(item).values_list("external_id", "provider_category"))
    assert hints == {"t1": COFFEE, "t2": ""}


def test_a_modified_transaction_takes_the_banks_new_category(plaid, item, alice):  # noqa: F811
    plaid.add(item.remote, txn(1, pfc_detailed="FOOD_AND_DRINK_COFFEE"))
    bank_item_sync(item_id=item.pk)
    groceries = make_category(alice, name="Mine")
    row = ledger_rows(item).get()
    row.category, row.categorized_by = groceries, "manual"
    row.save()
    plaid.modify(item.remote, txn(1, pfc_detailed="FOOD_AND_DRINK_GROCERIES"))
    bank_item_sync(item_id=item.pk)
    row.refresh_from_db()
    assert row.provider_category == "FOOD_AND_DRINK > FOOD_AND_DRINK_GROCERIES"
    assert row.category == groceries  # the hint never replaces the user's choice


def test_the_demo_bank_fills_it_too(alice):
    demo = bank_item_connect(user=alice, provider_name="demo", public_token="demo")
    bank_accounts_map(user=alice, item=demo, mapping={ba.pk: "new" for ba in demo.accounts.all()})
    bank_item_sync(item_id=demo.pk)
    rows = Transaction.objects.filter(user=alice)
    assert rows.filter(payee="Blue Bottle Coffee").first().provider_category == COFFEE
    assert rows.filter(payee="ACME Corp").first().provider_category == "INCOME > INCOME_WAGES"
    assert not rows.filter(provider_category="").exists()


@pytest.mark.parametrize(
    ("stored", "label"),
    [
        (COFFEE, "Food and drink › Coffee"),
        (
            "TRANSPORTATION > TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
            "Transportation › Taxis and ride shares",
        ),
        ("GENERAL_SERVICES", "General services"),
        ("Groceries", "Groceries"),  # a provider that sends names, not codes
        ("FOOD > FOOD_AND_DRINK_COFFEE", "Food › And drink coffee"),
        ("", ""),
    ],
)
def test_the_label_reads_like_words(stored, label):
    assert Transaction(provider_category=stored).provider_category_label == label


@pytest.fixture
def hinted(alice: User) -> Transaction:
    return make_transaction(
        make_account(alice), amount="-4.50", payee="Blue Bottle", provider_category=COFFEE
    )


def test_the_edit_page_shows_the_banks_category_as_a_hint(alice_client, hinted):
    page = alice_client.get(reverse("ledger:transaction-edit", args=[hinted.pk])).content.decode()
    assert "Bank's category: Food and drink › Coffee" in page


def test_the_hint_is_escaped_and_absent_when_the_bank_gave_none(alice, alice_client):
    account = make_account(alice)
    odd = make_transaction(account, provider_category="<img src=x onerror=alert(1)")
    plain = make_transaction(account)
    page = alice_client.get(reverse("ledger:transaction-edit", args=[odd.pk])).content.decode()
    assert "&lt;img src=x" in page and "<img src=x" not in page
    page = alice_client.get(reverse("ledger:transaction-edit", args=[plain.pk])).content.decode()
    assert "Bank's category" not in page


def test_the_api_shows_it_and_does_not_let_it_be_written(alice_client, hinted):
    url = f"/api/v1/transactions/{hinted.pk}"
    assert alice_client.get(url).json()["provider_category"] == COFFEE
    response = alice_client.patch(
        url, {"provider_category": "HACKED", "payee": "Blue Bottle Coffee"}, "application/json"
    )
    assert response.status_code == 200, response.content
    hinted.refresh_from_db()
    assert (hinted.payee, hinted.provider_category) == ("Blue Bottle Coffee", COFFEE)
    schema = alice_client.get("/api/schema/").content.decode()
    assert "provider_category" in schema


def test_the_csv_and_json_downloads_include_it(alice_client, hinted):
    body = alice_client.get(reverse("ledger:data-export-csv")).content.decode()
    (row,) = csv.DictReader(io.StringIO(body))
    assert row["provider_category"] == COFFEE
    body = alice_client.get(reverse("ledger:transaction-export")).content.decode()
    (row,) = csv.DictReader(io.StringIO(body))
    assert row["provider_category"] == COFFEE
    export = json.loads(b"".join(alice_client.get(reverse("ledger:data-export-json"))))
    assert export["transactions"][0]["provider_category"] == COFFEE


def test_operators_see_it_in_the_admin_without_editing_it(db, hinted):
    admin = User.objects.create_superuser("admin@example.com", "pw")
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/ledger/transaction/{hinted.pk}/change/").content.decode()
    assert COFFEE.replace(">", "&gt;") in page
    assert 'name="provider_category"' not in page  # read-only
