"""The review queue page and API: accept one, accept all shown, correct; bob gets 404."""

import datetime

import pytest
from django.urls import reverse

from insights.categorize import suggestions_save
from insights.classifier import classifier_for_user
from insights.models import Suggestion
from ledger.models import Transaction
from tests.ledger.factories import make_transaction


@pytest.fixture
def queue(alice, checking, categories):
    """Three to review: one with a suggestion, one low-confidence learned, one with nothing."""
    suggested = make_transaction(checking, payee="CORNER SHOP", amount="-4")
    suggestions_save(
        user=alice, guesses={suggested.pk: (categories["Groceries"].pk, 0.6)}, source="learned"
    )
    unsure = make_transaction(
        checking,
        payee="ODD PLACE",
        category=categories["Shopping"],
        categorized_by="learned",
        confidence=0.55,
    )
    nothing = make_transaction(checking, payee="QZX", amount="-9")
    make_transaction(checking, payee="DONE", category=categories["Health"])  # hand-set: not shown
    return {"suggested": suggested, "unsure": unsure, "nothing": nothing}


def test_the_page_lists_uncategorized_and_low_confidence_with_suggestions(alice_client, queue):
    response = alice_client.get(reverse("insights:review"))
    assert response.status_code == 200
    shown = {t.pk for t in response.context["page"].object_list}
    assert shown == {t.pk for t in queue.values()}
    html = response.content.decode()
    assert "Groceries" in html and "0.60" in html
    assert "AI categorization is off" in html


def test_the_page_writes_dates_day_month_year(alice_client, checking):
    make_transaction(checking, payee="BAKERY", date=datetime.date(2026, 12, 6))

    html = alice_client.get(reverse("insights:review")).content.decode()

    assert "6 Dec 2026" in html and "Dec. 6" not in html


def test_the_page_needs_login_and_refuses_wrong_methods(client, alice_client, queue):
    assert client.get(reverse("insights:review")).status_code == 302
    assert alice_client.post(reverse("insights:review")).status_code == 405
    pk = queue["suggested"].pk
    assert alice_client.get(reverse("insights:review-accept", args=[pk])).status_code == 405


def test_the_empty_queue_says_what_to_do(alice_client, categories):
    assert "Nothing to review" in alice_client.get(reverse("insights:review")).content.decode()


def test_accepting_one_sets_it_by_hand_and_offers_a_rule(alice_client, queue, categories):
    txn = queue["suggested"]
    response = alice_client.post(reverse("insights:review-accept", args=[txn.pk]))
    txn.refresh_from_db()
    assert (txn.category, txn.categorized_by) == (categories["Groceries"], "manual")
    assert not Suggestion.objects.filter(transaction=txn).exists()
    page = alice_client.get(response["Location"]).content.decode()
    assert "Make this a rule" in page
    assert reverse("ledger:rule-from-transaction", args=[txn.pk]) in page


def test_accept_all_shown(alice_client, queue, categories):
    ids = [t.pk for t in queue.values()]
    alice_client.post(reverse("insights:review-accept-all"), {"ids": ids})
    suggested = Transaction.objects.get(pk=queue["suggested"].pk)
    unsure = Transaction.objects.get(pk=queue["unsure"].pk)
    assert suggested.categorized_by == unsure.categorized_by == "manual"
    assert unsure.category == categories["Shopping"]
    assert Transaction.objects.get(pk=queue["nothing"].pk).category is None


def test_a_correction_teaches_the_classifier(alice, alice_client, queue, categories):
    before = classifier_for_user(user=alice)
    alice_client.post(
        reverse("insights:review-categorize", args=[queue["nothing"].pk]),
        {"category": categories["Education"].pk},
    )
    txn = Transaction.objects.get(pk=queue["nothing"].pk)
    assert (txn.category, txn.categorized_by) == (categories["Education"], "manual")
    after = classifier_for_user(user=alice)
    assert after is not before
    guess = after.predict("QZX", "", txn.amount)
    assert guess.label == categories["Education"].pk


def test_a_strangers_category_is_refused(alice_client, queue, bob_category):
    alice_client.post(
        reverse("insights:review-categorize", args=[queue["nothing"].pk]),
        {"category": bob_category.pk},
    )
    assert Transaction.objects.get(pk=queue["nothing"].pk).category is None


def test_bob_gets_404_on_alices_transactions(bob_client, queue):
    pk = queue["suggested"].pk
    assert bob_client.post(reverse("insights:review-accept", args=[pk])).status_code == 404
    assert bob_client.post(reverse("insights:review-categorize", args=[pk])).status_code == 404
    bob_client.post(reverse("insights:review-accept-all"), {"ids": [pk]})
    assert Transaction.objects.get(pk=pk).category is None
    assert list(bob_client.get(reverse("insights:review")).context["page"].object_list) == []


def test_the_page_takes_a_constant_number_of_queries(
    alice_client, checking, queue, categories, django_assert_max_num_queries
):
    for i in range(30):
        txn = make_transaction(checking, payee=f"MORE {i}")
        suggestions_save(
            user=txn.user, guesses={txn.pk: (categories["Coffee"].pk, 0.5)}, source="learned"
        )
    with django_assert_max_num_queries(12):
        alice_client.get(reverse("insights:review"))


# --- API ----------------------------------------------------------------------------------


def test_api_lists_the_queue_with_suggestions(alice_client, queue, categories):
    data = alice_client.get("/api/v1/review").json()
    by_id = {row["id"]: row for row in data["results"]}
    assert set(by_id) == {t.pk for t in queue.values()}
    assert by_id[queue["suggested"].pk]["suggestion"] == {
        "category": categories["Groceries"].pk,
        "confidence": 0.6,
        "source": "learned",
    }


def test_api_accept_and_categorize(alice_client, queue, categories):
    accepted = alice_client.post(
        "/api/v1/review/accept", {"ids": [queue["suggested"].pk]}, content_type="application/json"
    )
    assert accepted.json() == {"accepted": 1}
    fixed = alice_client.post(
        f"/api/v1/review/{queue['nothing'].pk}/categorize",
        {"category": categories["Fees"].pk},
        content_type="application/json",
    )
    assert fixed.json()["categorized_by"] == "manual"


def test_api_suggestions_for_a_transaction(alice_client, checking, categories):
    txn = make_transaction(checking, payee="SWIGGY ORDER", amount="-300")
    data = alice_client.get(f"/api/v1/suggestions/{txn.pk}").json()
    assert data["learned"]["category"] == categories["Food & Dining"].pk
    assert data["learned"]["stage"] == "merchant"
    assert data["llm_enabled"] is False


def test_api_stranger_gets_404_and_an_empty_queue(bob_client, queue, categories):
    pk = queue["nothing"].pk
    assert bob_client.get(f"/api/v1/suggestions/{pk}").status_code == 404
    assert (
        bob_client.post(
            f"/api/v1/review/{pk}/categorize", {"category": 1}, content_type="application/json"
        ).status_code
        == 404
    )
    assert bob_client.get("/api/v1/review").json()["results"] == []
    assert bob_client.post(
        "/api/v1/review/accept", {"ids": [pk]}, content_type="application/json"
    ).json() == {"accepted": 0}
