"""Manual entry goes through the categorization pipeline after commit (tasks run inline)."""

from django.urls import reverse

from insights.tasks import classify_batch
from ledger.models import Transaction
from ledger.services.rules import RuleInput, rule_create
from ledger.services.transactions import transaction_create, transactions_bulk_create
from tests.ledger.factories import make_account, make_category


def coffee_rule(user, category):
    return rule_create(
        user=user,
        data=RuleInput(
            name="Coffee",
            category=category,
            conditions=[{"field": "payee", "op": "contains", "value": "starbucks"}],
        ),
    )


def test_a_quick_added_expense_gets_its_category_from_a_rule_after_commit(
    alice, alice_client, django_capture_on_commit_callbacks
):
    account = make_account(alice)
    coffee = make_category(alice, name="Coffee")
    coffee_rule(alice, coffee)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("ledger:quick-add"),
            {
                "amount": "4.50",
                "direction": "expense",
                "payee": "Starbucks",
                "account": account.pk,
                "date": "2025-05-01",
            },
        )
    assert response.status_code == 302
    txn = Transaction.objects.for_user(alice).get()
    assert txn.category == coffee
    assert txn.categorized_by == "rule"


def test_a_hand_picked_category_is_never_changed(
    alice, alice_client, django_capture_on_commit_callbacks
):
    account = make_account(alice)
    coffee = make_category(alice, name="Coffee")
    treats = make_category(alice, name="Treats")
    coffee_rule(alice, coffee)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("ledger:quick-add"),
            {
                "amount": "4.50",
                "direction": "expense",
                "payee": "Starbucks",
                "category": "treats",
                "account": account.pk,
                "date": "2025-05-01",
            },
        )
    txn = Transaction.objects.for_user(alice).get()
    assert (txn.category, txn.categorized_by) == (treats, "manual")


def test_nothing_runs_before_the_commit(alice, django_capture_on_commit_callbacks):
    account = make_account(alice)
    coffee_rule(alice, make_category(alice, name="Coffee"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        txn = transaction_create(
            user=alice, account=account, date="2025-05-01", amount="-3", payee="Starbucks"
        )
    txn.refresh_from_db()
    assert txn.category is None
    for callback in callbacks:
        callback()
    txn.refresh_from_db()
    assert txn.categorized_by == "rule"


def test_a_bulk_create_queues_one_task_for_all_new_rows(
    alice, django_capture_on_commit_callbacks, monkeypatch
):
    account = make_account(alice)
    coffee = make_category(alice, name="Coffee")
    mine = make_category(alice, name="Mine")
    coffee_rule(alice, coffee)
    rows = [
        {"account": account, "date": "2025-05-01", "amount": "-3", "payee": "Starbucks #1"},
        {"account": account, "date": "2025-05-02", "amount": "-4", "payee": "Starbucks #2"},
        {"account": account, "date": "2025-05-03", "amount": "-5", "payee": "Starbucks #3"},
        {
            "account": account,
            "date": "2025-05-03",
            "amount": "-6",
            "payee": "Starbucks #4",
            "category": mine,
        },
    ]
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **k: queued.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        created = transactions_bulk_create(user=alice, rows=rows)
    # One task for the three rows without a hand-set category, and one budget check.
    assert queued == [
        ("insights.tasks.classify_batch", alice.pk, [t.pk for t in created[:3]]),
        ("budgets.tasks.budget_alerts_check", alice.pk),
    ]
    classify_batch(*queued[0][1:])
    by_payee = {t.payee: t for t in Transaction.objects.filter(pk__in=[t.pk for t in created])}
    assert {by_payee[f"Starbucks #{i}"].category for i in (1, 2, 3)} == {coffee}
    assert by_payee["Starbucks #4"].category == mine  # hand-set: untouched


def test_the_api_create_is_categorized_too(alice, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    account = make_account(alice)
    coffee = make_category(alice, name="Coffee")
    coffee_rule(alice, coffee)
    client = APIClient()
    client.force_authenticate(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/transactions",
            {"account": account.pk, "date": "2025-05-01", "amount": "-2.50", "payee": "Starbucks"},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert Transaction.objects.get(pk=response.json()["id"]).category == coffee


def test_a_rules_notes_fill_an_empty_note_but_never_replace_what_the_user_typed(
    alice, django_capture_on_commit_callbacks
):
    account = make_account(alice)
    rule_create(
        user=alice,
        data=RuleInput(
            name="Coffee",
            conditions=[{"field": "payee", "op": "contains", "value": "starbucks"}],
            set_notes="coffee run",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        plain = transaction_create(
            user=alice, account=account, date="2025-05-01", amount="-3", payee="Starbucks"
        )
        typed = transaction_create(
            user=alice,
            account=account,
            date="2025-05-02",
            amount="-3",
            payee="Starbucks",
            notes="with Sam, she paid",
        )
    plain.refresh_from_db()
    typed.refresh_from_db()
    assert (plain.notes, typed.notes) == ("coffee run", "with Sam, she paid")
