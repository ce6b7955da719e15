import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ledger.models import Account
from tests.ledger.factories import make_account, make_transaction, make_transactions

pytestmark = pytest.mark.django_db


def test_the_accounts_page_shows_balances_and_net_worth_per_currency(alice_client, alice):
    checking = make_account(alice, name="Checking", opening_balance="1000.00")
    make_transaction(checking, amount="-250.50")
    card = make_account(alice, name="Visa", type="credit_card")
    make_transaction(card, amount="-300.00")
    euro = make_account(alice, name="Paris", currency="EUR", opening_balance="80")

    response = alice_client.get(reverse("ledger:account-list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "$749.50" in page
    assert "€80.00" in page
    worth = {row.currency: row for row in response.context["net_worth"]}
    assert worth["USD"].net == Decimal("449.50")
    assert worth["USD"].liabilities == Decimal("300.00")
    assert worth["EUR"].net == Decimal("80")
    assert euro.pk in [a.pk for a in response.context["accounts"]]


def test_a_new_user_sees_how_to_add_an_account(alice_client):
    response = alice_client.get(reverse("ledger:account-list"))
    assert b"No accounts yet" in response.content
    assert reverse("ledger:account-create").encode() in response.content


def test_it_creates_an_account(alice_client, alice):
    response = alice_client.post(
        reverse("ledger:account-create"),
        {
            "name": "Wallet",
            "type": "cash",
            "currency": "eur",
            "opening_balance": "12.50",
            "opening_date": "2025-01-01",
            "institution": "",
        },
    )
    account = Account.objects.for_user(alice).get()
    assert response.status_code == 302
    assert response.url == reverse("ledger:account-detail", args=[account.pk])
    assert (account.name, account.currency, account.opening_balance) == (
        "Wallet",
        "EUR",
        Decimal("12.50"),
    )
    assert account.opening_date == datetime.date(2025, 1, 1)


def test_the_new_account_form_starts_in_the_users_base_currency(alice_client, alice):
    alice.profile.base_currency = "EUR"  # chosen at onboarding
    alice.profile.save()

    response = alice_client.get(reverse("ledger:account-create"))

    assert response.status_code == 200
    assert response.context["form"]["currency"].value() == "EUR"
    assert 'name="currency" value="EUR"' in response.content.decode()


def test_editing_an_account_shows_its_own_currency_not_the_base_one(alice_client, alice):
    alice.profile.base_currency = "EUR"
    alice.profile.save()
    yen = make_account(alice, name="Tokyo", currency="JPY", opening_balance="0")

    response = alice_client.get(reverse("ledger:account-edit", args=[yen.pk]))

    assert response.context["form"]["currency"].value() == "JPY"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("opening_balance", "12a", "Enter an amount"),
        ("opening_balance", "1.234", "at most 2 decimal places"),
        ("opening_balance", "99999999999999", "too large"),
        ("currency", "XYZ", "currency"),
        ("opening_date", "2025-13-45", "date"),
    ],
)
def test_bad_account_input_shows_a_field_error_and_writes_nothing(
    alice_client, alice, field, value, message
):
    data = {"name": "Wallet", "type": "cash", "currency": "USD", "opening_balance": "0"}
    data[field] = value
    response = alice_client.post(reverse("ledger:account-create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Account.objects.for_user(alice).exists()


def test_a_yen_account_takes_no_decimals(alice_client, alice):
    data = {"name": "Tokyo", "type": "cash", "currency": "JPY", "opening_balance": "100.5"}
    response = alice_client.post(reverse("ledger:account-create"), data)
    assert "no decimal places" in " ".join(response.context["form"].errors["opening_balance"])


def test_it_edits_an_account(alice_client, alice):
    account = make_account(alice, name="Old name")
    response = alice_client.get(reverse("ledger:account-edit", args=[account.pk]))
    assert response.context["form"].initial["name"] == "Old name"
    response = alice_client.post(
        reverse("ledger:account-edit", args=[account.pk]),
        {"name": "New name", "type": "savings", "currency": "USD", "opening_balance": "5"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.type, account.opening_balance) == ("New name", "savings", 5)


def test_it_archives_and_restores_an_account(alice_client, alice):
    account = make_account(alice)
    alice_client.post(reverse("ledger:account-archive", args=[account.pk]), {"archive": "1"})
    account.refresh_from_db()
    assert account.is_archived
    alice_client.post(reverse("ledger:account-archive", args=[account.pk]), {"archive": "0"})
    account.refresh_from_db()
    assert not account.is_archived


def test_the_register_shows_a_running_balance_across_pages(alice_client, alice):
    account = make_account(alice, opening_balance="100.00")
    make_transactions(account, 60, amount="-1.00")  # one per day from 2025-01-01

    first = alice_client.get(reverse("ledger:account-detail", args=[account.pk]))
    second = alice_client.get(reverse("ledger:account-detail", args=[account.pk]), {"page": 2})

    rows = list(first.context["page_obj"].object_list)
    assert len(rows) == 50
    assert rows[0].running_balance == Decimal("40.00")  # the newest: after all 60
    assert rows[-1].running_balance == Decimal("89.00")
    older = list(second.context["page_obj"].object_list)
    assert [r.running_balance for r in older] == [Decimal(99 - i) for i in range(9, -1, -1)]
    assert first.context["account"].balance == Decimal("40.00")


def test_the_register_runs_a_constant_number_of_queries(
    alice_client, alice, django_assert_max_num_queries
):
    account = make_account(alice)
    make_transactions(account, 10)
    with django_assert_max_num_queries(12):
        alice_client.get(reverse("ledger:account-detail", args=[account.pk]))
    make_transactions(account, 490)
    with django_assert_max_num_queries(12):
        alice_client.get(reverse("ledger:account-detail", args=[account.pk]))


@pytest.mark.parametrize("name", ["ledger:account-list", "ledger:account-create"])
def test_account_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/auth/login/" in response.url


@pytest.mark.parametrize("name", ["ledger:account-detail", "ledger:account-edit"])
def test_the_stranger_gets_404_on_alices_account(bob_client, alice, name):
    account = make_account(alice, name="Alice's")
    assert bob_client.get(reverse(name, args=[account.pk])).status_code == 404


def test_the_stranger_cannot_edit_or_archive_alices_account(bob_client, alice):
    account = make_account(alice, name="Alice's")
    edit = bob_client.post(
        reverse("ledger:account-edit", args=[account.pk]),
        {"name": "Bob's now", "type": "cash", "currency": "USD", "opening_balance": "0"},
    )
    archive = bob_client.post(reverse("ledger:account-archive", args=[account.pk]))
    assert (edit.status_code, archive.status_code) == (404, 404)
    account.refresh_from_db()
    assert (account.name, account.is_archived) == ("Alice's", False)


def test_archive_refuses_get(alice_client, alice):
    account = make_account(alice)
    assert alice_client.get(reverse("ledger:account-archive", args=[account.pk])).status_code == 405
    assert alice_client.delete(reverse("ledger:account-list")).status_code == 405
