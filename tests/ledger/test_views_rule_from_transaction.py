"""The "Always put <payee> in <category>" form on the transaction edit page."""

from django.urls import reverse

from ledger.models import Rule, Transaction
from tests.ledger.factories import make_category, make_transaction, make_transfer


def test_the_edit_page_offers_a_rule_for_the_payee(alice_client, alice, checking, groceries):
    txn = make_transaction(checking, payee="Tesco Metro")
    page = alice_client.get(reverse("ledger:transaction-edit", args=[txn.pk])).content.decode()
    assert reverse("ledger:rule-from-transaction", args=[txn.pk]) in page
    assert "Always put <strong>Tesco Metro</strong> in" in page
    assert f'<option value="{groceries.pk}"' in page


def test_the_form_creates_the_rule_and_applies_it(alice_client, alice, checking, groceries):
    txn = make_transaction(checking, payee="Tesco Metro")
    older = make_transaction(checking, payee="Tesco Metro", amount="-3.00")
    chosen_by_hand = make_category(alice, name="Treats")
    kept = make_transaction(checking, payee="Tesco Metro", category=chosen_by_hand)
    other = make_transaction(checking, payee="Aldi")
    edit_url = reverse("ledger:transaction-edit", args=[txn.pk])
    response = alice_client.post(
        reverse("ledger:rule-from-transaction", args=[txn.pk]),
        {"category": groceries.pk, "next": edit_url},
    )
    assert response.status_code == 302 and response.url == edit_url
    rule = Rule.objects.for_user(alice).get()
    assert rule.set_category == groceries
    assert rule.conditions == [{"field": "payee", "op": "equals", "value": "Tesco Metro"}]
    cats = dict(Transaction.objects.for_user(alice).values_list("pk", "category_id"))
    assert cats[txn.pk] == cats[older.pk] == groceries.pk
    assert cats[kept.pk] == chosen_by_hand.pk  # a hand-set category stays
    assert cats[other.pk] is None


def test_a_transfer_offers_no_rule(alice_client, alice, checking, savings):
    out = make_transfer(checking, savings).transactions.get(account=checking)
    page = alice_client.get(reverse("ledger:transaction-edit", args=[out.pk])).content.decode()
    assert reverse("ledger:rule-from-transaction", args=[out.pk]) not in page


def test_a_strangers_category_is_refused(alice_client, alice, checking, bob_category):
    txn = make_transaction(checking, payee="Tesco Metro")
    alice_client.post(
        reverse("ledger:rule-from-transaction", args=[txn.pk]), {"category": bob_category.pk}
    )
    assert not Rule.objects.for_user(alice).exists()
