"""Every bulk write stamps the months it touched, so the cached dashboard shows it next load.

Bulk writes (bulk_create, bulk_update, QuerySet.update, SET_NULL) send no model signals; the
services call `ledger_touched` themselves. Stamps are applied on commit, so each write runs
inside `django_capture_on_commit_callbacks(execute=True)` (tasks run inline in tests).
"""

import functools

import pytest

from insights.categorize import categorize_transactions
from insights.llm import _save as llm_save
from insights.periods import current_pay_month
from insights.review import review_accept, review_categorize
from ledger.services.accounts import account_update
from ledger.services.categories import category_delete, category_merge, category_update
from ledger.services.rules import RuleInput, rule_apply_to_existing, rule_create
from ledger.services.splits import transaction_split, transaction_unsplit
from ledger.services.transactions import (
    transaction_update,
    transactions_bulk_create,
    transactions_bulk_delete,
    transactions_bulk_update_category,
)
from ledger.services.transfers import transaction_convert_to_transfer
from tests.ledger.factories import make_account, make_category, make_transaction


@pytest.fixture
def today(alice):
    return current_pay_month(alice)[1]


@pytest.fixture
def account(alice):
    return make_account(alice, name="Everyday")


def dashboard(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def in_chart(label: str, page: str) -> bool:
    """The spending-by-category legend (built from the cached month aggregate)."""
    return f'<span class="legend-name">{label}</span>' in page


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose writes commit as a request's would: on-commit work runs at its end.
    Setup writes use it too, so no stamp waits for the (never committed) test transaction."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def write(committed):
    def run(fn, **kwargs):
        with committed():
            return fn(**kwargs)

    return run


def test_a_bulk_create_shows(alice, alice_client, account, today, write, committed):
    with committed():
        make_transaction(account, amount="-10.00", date=today)
    assert "$10.00" in dashboard(alice_client)
    rows = [{"account": account, "date": today, "amount": "-5.00", "payee": "More"}]
    write(transactions_bulk_create, user=alice, rows=rows)
    assert "$15.00" in dashboard(alice_client)


def test_an_edit_shows(alice, alice_client, account, today, write, committed):
    with committed():
        txn = make_transaction(account, amount="-10.00", date=today)
    assert "$10.00" in dashboard(alice_client)
    write(transaction_update, user=alice, transaction=txn, amount="-12.34")
    assert "$12.34" in dashboard(alice_client)


def test_a_bulk_category_change_shows(alice, alice_client, account, today, write, committed):
    with committed():
        coffee = make_category(alice, name="Coffee")
        txn = make_transaction(account, amount="-10.00", date=today)
    assert not in_chart("Coffee", dashboard(alice_client))
    write(transactions_bulk_update_category, user=alice, ids=[txn.pk], category=coffee)
    assert in_chart("Coffee", dashboard(alice_client))


def test_a_bulk_delete_shows(alice, alice_client, account, today, write, committed):
    with committed():
        make_transaction(account, amount="-10.00", date=today)
        gone = make_transaction(account, amount="-5.00", date=today)
    assert "$15.00" in dashboard(alice_client)
    write(transactions_bulk_delete, user=alice, ids=[gone.pk])
    page = dashboard(alice_client)
    assert "$15.00" not in page and "$10.00" in page


def test_a_category_merge_shows(alice, alice_client, account, today, write, committed):
    with committed():
        coffee = make_category(alice, name="Coffee")
        drinks = make_category(alice, name="Drinks")
        make_transaction(account, amount="-10.00", date=today, category=coffee)
    assert in_chart("Coffee", dashboard(alice_client))
    write(category_merge, user=alice, source=coffee, target=drinks)
    page = dashboard(alice_client)
    assert in_chart("Drinks", page) and not in_chart("Coffee", page)


def test_a_category_changing_kind_shows(alice, alice_client, account, today, write, committed):
    with committed():
        refunds = make_category(alice, name="Refunds")
        make_transaction(account, amount="-10.00", date=today, category=refunds)
    assert in_chart("Refunds", dashboard(alice_client))  # spending, while an expense category
    write(category_update, user=alice, category=refunds, kind="income")
    assert not in_chart("Refunds", dashboard(alice_client))


def test_a_category_delete_shows(alice, alice_client, account, today, write, committed):
    with committed():
        coffee = make_category(alice, name="Coffee")
        make_transaction(account, amount="-10.00", date=today, category=coffee)
    assert in_chart("Coffee", dashboard(alice_client))
    write(category_delete, user=alice, category=coffee)
    assert not in_chart("Coffee", dashboard(alice_client))


def test_a_split_and_an_unsplit_show(alice, alice_client, account, today, write, committed):
    with committed():
        coffee = make_category(alice, name="Coffee")
        cake = make_category(alice, name="Cake")
        txn = make_transaction(account, amount="-10.00", date=today)
    assert not in_chart("Cake", dashboard(alice_client))
    write(
        transaction_split,
        user=alice,
        transaction=txn,
        parts=[(coffee, "-4.00"), (cake, "-6.00")],
    )
    page = dashboard(alice_client)
    assert in_chart("Cake", page) and in_chart("Coffee", page)
    txn.refresh_from_db()
    write(transaction_unsplit, user=alice, transaction=txn, category=None)
    assert not in_chart("Cake", dashboard(alice_client))


def test_a_transfer_made_from_a_transaction_shows(
    alice, alice_client, account, today, write, committed
):
    with committed():
        savings = make_account(alice, name="Savings", type="savings")
        txn = make_transaction(account, amount="-10.00", date=today)
        make_transaction(account, amount="-1.00", date=today)
    assert 'tile-value">$11.00<' in dashboard(alice_client)  # spending
    write(transaction_convert_to_transfer, user=alice, transaction=txn, other_account=savings)
    assert 'tile-value">$1.00<' in dashboard(alice_client)  # a transfer is not spending


def test_an_account_rename_shows(alice, alice_client, account, today, write, committed):
    with committed():
        make_transaction(account, amount="-10.00", date=today)
    assert "Everyday" in dashboard(alice_client)
    write(account_update, user=alice, account=account, name="Daily")
    assert "Daily" in dashboard(alice_client)


def test_applying_a_rule_to_the_history_shows(
    alice, alice_client, account, today, write, committed
):
    with committed():
        coffee = make_category(alice, name="Coffee")
        make_transaction(account, amount="-4.00", date=today, payee="Starbucks")
    assert not in_chart("Coffee", dashboard(alice_client))
    rule = rule_create(
        user=alice,
        data=RuleInput(
            name="Coffee",
            category=coffee,
            conditions=[{"field": "payee", "op": "contains", "value": "starbucks"}],
        ),
    )
    assert write(rule_apply_to_existing, rule=rule) == 1
    assert in_chart("Coffee", dashboard(alice_client))


def test_the_pipeline_categorizing_by_rule_shows(
    alice, alice_client, account, today, write, committed
):
    with committed():
        coffee = make_category(alice, name="Coffee")
        txn = make_transaction(account, amount="-4.00", date=today, payee="Starbucks")
        rule_create(
            user=alice,
            data=RuleInput(
                name="Coffee",
                category=coffee,
                conditions=[{"field": "payee", "op": "contains", "value": "starbucks"}],
            ),
        )
    assert not in_chart("Coffee", dashboard(alice_client))
    result = write(categorize_transactions, user=alice, transaction_ids=[txn.pk])
    assert result.by_rule == 1
    assert in_chart("Coffee", dashboard(alice_client))


def test_the_learned_classifier_categorizing_shows(
    alice, alice_client, account, today, write, committed, settings
):
    settings.CATEGORIZER_THRESHOLD = 0.0  # accept any guess: this test is about the cache
    with committed():
        coffee = make_category(alice, name="Coffee")
        for day in range(1, 13):
            make_transaction(
                account,
                amount="-4.00",
                date=today.replace(year=today.year - 1, day=day),
                payee="Blue Bottle",
                category=coffee,
            )
        txn = make_transaction(account, amount="-4.00", date=today, payee="Blue Bottle")
    page = dashboard(alice_client)
    assert not in_chart("Coffee", page)
    result = write(categorize_transactions, user=alice, transaction_ids=[txn.pk])
    assert result.by_learned == 1
    assert in_chart("Coffee", dashboard(alice_client))


def test_the_llm_categorizing_shows(
    alice, alice_client, account, today, write, committed, settings
):
    settings.CATEGORIZER_THRESHOLD = 0.5
    with committed():
        coffee = make_category(alice, name="Coffee")
        txn = make_transaction(account, amount="-4.00", date=today, payee="Cafe")
    assert not in_chart("Coffee", dashboard(alice_client))
    assert write(llm_save, user=alice, chosen={txn.pk: (coffee.pk, 0.9)}) == (1, 0)
    assert in_chart("Coffee", dashboard(alice_client))


def test_review_answers_show(alice, alice_client, account, today, write, committed):
    with committed():
        coffee = make_category(alice, name="Coffee")
        tea = make_category(alice, name="Tea")
        one = make_transaction(account, amount="-4.00", date=today, payee="Cafe")
        two = make_transaction(account, amount="-3.00", date=today, payee="Tea house")
    assert not in_chart("Coffee", dashboard(alice_client))
    write(review_categorize, user=alice, transaction=one, category=coffee)
    assert in_chart("Coffee", dashboard(alice_client))
    from insights.models import Suggestion

    Suggestion.objects.create(
        user=alice, transaction=two, category=tea, confidence=0.4, source="learned"
    )
    write(review_accept, user=alice, transaction_ids=[two.pk])
    assert in_chart("Tea", dashboard(alice_client))
