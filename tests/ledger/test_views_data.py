import csv
import io
import json

import pytest
from django.urls import reverse

from accounts.models import User
from ledger.models import Account, Category, Tag, Transaction
from tests.ledger.factories import make_account, make_category, make_tag, make_transaction

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # alice's, from tests/conftest.py


def test_the_data_page_offers_downloads_and_deletion(alice_client):
    response = alice_client.get(reverse("ledger:data"))
    assert response.status_code == 200
    for name in ("ledger:data-export-json", "ledger:data-export-csv", "ledger:data-delete-account"):
        assert reverse(name).encode() in response.content


def test_the_json_download_holds_alices_data_and_nothing_of_bob(alice_client, alice, bob):
    account = make_account(alice, name="Checking")
    make_transaction(account, amount="-12.50", payee="Bakery", category=make_category(alice))
    make_transaction(make_account(bob), payee="Bob's secret shop")

    response = alice_client.get(reverse("ledger:data-export-json"))

    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    payload = json.loads(response.content)
    assert [a["name"] for a in payload["accounts"]] == ["Checking"]
    assert [(t["payee"], t["amount"]) for t in payload["transactions"]] == [("Bakery", "-12.500")]
    assert b"Bob's secret shop" not in response.content


def test_the_csv_download_neutralises_formulas(alice_client, alice):
    account = make_account(alice)
    make_transaction(account, amount="-3.00", payee='=HYPERLINK("http://evil")')
    response = alice_client.get(reverse("ledger:data-export-csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["payee"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["amount"] == "-3.00"


def test_deleting_the_account_needs_the_password(alice_client, alice):
    make_account(alice)
    response = alice_client.post(reverse("ledger:data-delete-account"), {"password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert User.objects.filter(pk=alice.pk).exists()
    assert Account.objects.for_user(alice).exists()


def test_deleting_the_account_removes_only_alices_data_and_says_goodbye(alice_client, alice, bob):
    for user in (alice, bob):
        account = make_account(user)
        tag = make_tag(user, "trip")
        make_transaction(account, category=make_category(user), tags=[tag])
    bob_counts = (
        Account.objects.for_user(bob).count(),
        Transaction.objects.for_user(bob).count(),
        Category.objects.for_user(bob).count(),
        Tag.objects.for_user(bob).count(),
    )

    response = alice_client.post(reverse("ledger:data-delete-account"), {"password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("ledger:goodbye")
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Transaction.objects.filter(user_id=alice.pk).exists()
    assert not Account.objects.filter(user_id=alice.pk).exists()
    assert bob_counts == (1, 1, 1, 1)
    assert (
        Account.objects.for_user(bob).count(),
        Transaction.objects.for_user(bob).count(),
        Category.objects.for_user(bob).count(),
        Tag.objects.for_user(bob).count(),
    ) == bob_counts
    goodbye = alice_client.get(response.url)
    assert b"Your account is deleted" in goodbye.content
    # Signed out: the next page asks to sign in.
    assert alice_client.get(reverse("ledger:data")).status_code == 302


def test_data_pages_need_login(client):
    for name in (
        "ledger:data",
        "ledger:data-export-json",
        "ledger:data-export-csv",
        "ledger:data-delete-account",
    ):
        assert client.get(reverse(name)).status_code == 302, name


def test_downloads_refuse_post(alice_client):
    assert alice_client.post(reverse("ledger:data-export-json")).status_code == 405
    assert alice_client.post(reverse("ledger:data")).status_code == 405
