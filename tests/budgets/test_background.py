"""Budget alerts and bill matching run in the background after every way spending changes:
manual entry and edits, statement imports and bank syncs. The request only queues them."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import _sync, async_chain

from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync
from budgets.models import BudgetAlert, Notification, RecurringOccurrence
from budgets.services.budgets import budget_create
from budgets.services.recurring import recurring_create, recurring_post_due
from insights.periods import current_pay_month
from ledger.models import Account, Transaction
from ledger.services.rules import RuleInput, rule_apply_to_existing, rule_create
from ledger.services.splits import transaction_split
from ledger.services.transactions import transaction_create, transaction_update
from tests.banking.plaid_standin import CLIENT_ID, SECRET, PlaidStandIn, plaid_transaction
from tests.ledger.factories import make_category, make_transaction


def queued() -> list[str]:
    return [row.task["func"] for row in OrmQ.objects.order_by("id")]


@pytest.fixture
def run_queue(monkeypatch, django_capture_on_commit_callbacks):
    """Tasks go to the database queue instead of running inline; returns `drain`."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    # async_chain read Conf.SYNC into its defaults when it was imported.
    monkeypatch.setattr(async_chain, "__defaults__", (None, Conf.CACHED, False, None))

    def drain(order: str = "id") -> None:
        """Run what is queued through django-q's own worker and monitor code, as a worker
        process would: a chain's next task is queued when the one before it finishes, and
        what a task queues after its commit is run too. (Inline mode while draining, or the
        worker code closes the test's database connection.)"""
        Conf.SYNC = True
        try:
            while row := OrmQ.objects.order_by(order).first():
                row.delete()
                with django_capture_on_commit_callbacks(execute=True):
                    _sync(row.payload)
        finally:
            Conf.SYNC = False

    return drain


def test_a_purchase_in_the_request_only_queues_the_alert_check(
    alice, alice_client, checking, food, run_queue, django_capture_on_commit_callbacks
):
    budget_create(user=alice, category=food, amount="100")
    _, today, _ = current_pay_month(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("ledger:quick-add"),
            {"amount": "85", "direction": "expense", "payee": "Market", "category": "food",
             "account": checking.pk, "date": today.isoformat()},
        )  # fmt: skip
    assert response.status_code == 302
    assert Transaction.objects.for_user(alice).count() == 1
    assert not Notification.objects.exists()  # nothing computed in the request
    assert "budgets.tasks.budget_alerts_check" in queued()
    run_queue()
    assert [n.title for n in Notification.objects.for_user(alice)] == [
        "Food: 80% of the budget spent"
    ]


def test_editing_an_amount_alerts_once(alice, checking, food, django_capture_on_commit_callbacks):
    budget_create(user=alice, category=food, amount="100")
    _, today, _ = current_pay_month(alice)
    row = make_transaction(checking, amount="-10", category=food, date=today)
    for amount in ("-95", "-99", "-120", "-130"):
        with django_capture_on_commit_callbacks(execute=True):
            row = transaction_update(user=alice, transaction=row, amount=amount)
    assert [n.title for n in Notification.objects.for_user(alice).order_by("id")] == [
        "Food: 80% of the budget spent",
        "Food: over budget",
    ]


def test_splitting_a_purchase_into_a_budgeted_category_alerts(
    alice, checking, food, django_capture_on_commit_callbacks
):
    rent = make_category(alice, name="Rent")
    budget_create(user=alice, category=food, amount="100")
    _, today, _ = current_pay_month(alice)
    row = make_transaction(checking, amount="-500", category=rent, date=today)
    with django_capture_on_commit_callbacks(execute=True):
        transaction_split(user=alice, transaction=row, parts=[(rent, "-390"), (food, "-110")])
    assert [n.title for n in Notification.objects.for_user(alice)] == ["Food: over budget"]


def test_a_rule_applied_to_past_transactions_alerts(
    alice, checking, food, django_capture_on_commit_callbacks
):
    budget_create(user=alice, category=food, amount="100")
    _, today, _ = current_pay_month(alice)
    make_transaction(checking, amount="-90", payee="FRESHMART 12", date=today)
    rule = rule_create(user=alice, data=RuleInput(
        name="Groceries", category=food,
        conditions=[{"field": "payee", "op": "contains", "value": "freshmart"}],
    ))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert rule_apply_to_existing(rule=rule) == 1
    assert [n.title for n in Notification.objects.for_user(alice)] == [
        "Food: 80% of the budget spent"
    ]


def test_a_category_given_in_the_background_alerts_whichever_task_runs_first(
    alice, checking, food, run_queue, django_capture_on_commit_callbacks
):
    budget_create(user=alice, category=food, amount="100")
    rule_create(user=alice, data=RuleInput(
        name="Groceries", category=food,
        conditions=[{"field": "payee", "op": "contains", "value": "freshmart"}],
    ))  # fmt: skip
    run_queue()
    _, today, _ = current_pay_month(alice)
    with django_capture_on_commit_callbacks(execute=True):
        transaction_create(user=alice, account=checking, date=today, amount="-120",
                           payee="FRESHMART 12")  # fmt: skip
    assert sorted(queued()) == [
        "budgets.tasks.budget_alerts_check",
        "insights.tasks.classify_batch",
    ]
    run_queue(order="-id")  # two workers: the alert check may run before the rules do
    assert Transaction.objects.get().category == food
    assert [n.title for n in Notification.objects.for_user(alice)] == ["Food: over budget"]


def _import(tmp_path, user, account, rows: list[str]) -> dict:
    path = tmp_path / "statement.csv"
    path.write_text("Date,Description,Amount\n" + "\n".join(rows) + "\n")
    out = StringIO()
    call_command("import_statement", str(path), "--user", user.email,
                 "--account", str(account.pk), "--json", stdout=out)  # fmt: skip
    return json.loads(out.getvalue())


def test_an_import_matches_the_bill_and_alerts_in_the_background(
    alice, checking, tmp_path, run_queue, django_capture_on_commit_callbacks
):
    _, today, _ = current_pay_month(alice)
    budget_create(user=alice, amount="1000")  # all spending: uncategorized money out counts
    item = recurring_create(user=alice, payee="Parkside Apartments", amount="-1200",
                            account=checking, start_date=today)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, alice, checking, [f"{today:%Y-%m-%d},PARKSIDE APARTMENTS 42,-1200.00"])
    assert not Notification.objects.exists()
    assert queued() == ["insights.tasks.classify_import"]  # then the bills and alerts
    assert not RecurringOccurrence.objects.exists()
    run_queue()
    row = Transaction.objects.get(account=checking)
    assert RecurringOccurrence.objects.get(item=item).transaction == row
    assert [n.title for n in Notification.objects.for_user(alice)] == ["All spending: over budget"]
    with django_capture_on_commit_callbacks(execute=True):  # the same file again: no news
        _import(tmp_path, alice, checking, [f"{today:%Y-%m-%d},PARKSIDE APARTMENTS 42,-1200.00"])
    run_queue()
    assert Notification.objects.count() == 1
    assert Transaction.objects.count() == 1


@pytest.fixture
def plaid(settings):
    with PlaidStandIn() as standin:
        settings.PLAID_CLIENT_ID = CLIENT_ID
        settings.PLAID_SECRET = SECRET
        settings.PLAID_HOST = standin.url
        settings.PLAID_TIMEOUT_SECONDS = 1
        settings.BANK_SYNC_BACKOFF_SECONDS = 0
        settings.FIELD_ENCRYPTION_KEYS = ["x2ZzH4bHGqT6S8vZbQnYb6r4o8sSm6pX5mRrG8dR2cQ="]
        yield standin


def test_a_synced_bill_takes_the_place_of_the_one_the_schedule_posted(
    alice, plaid, django_capture_on_commit_callbacks
):
    public, remote = plaid.new_item()
    bank = bank_item_connect(user=alice, provider_name="plaid", public_token=public)
    bank_accounts_map(user=alice, item=bank, mapping={ba.pk: "new" for ba in bank.accounts.all()})
    account = Account.objects.get(
        bank_links__item=bank, bank_links__provider_account_id="acc-checking"
    )
    _, today, _ = current_pay_month(alice)
    due = today - datetime.timedelta(days=2)
    gym = make_category(alice, name="Gym")
    budget_create(user=alice, category=gym, amount="40")
    item = recurring_create(user=alice, payee="Iron Gym", amount="-45", account=account,
                            category=gym, start_date=due, auto_post=True)  # fmt: skip
    item.post_from = due
    item.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert recurring_post_due().posted == 1
    placeholder = Transaction.objects.get(source="recurring")
    assert Notification.objects.count() == 1  # the posted bill passed the budget
    plaid.add(remote, plaid_transaction(
        transaction_id="gym-1", account_id="acc-checking", amount="45.00",
        date=f"{today:%Y-%m-%d}", name="IRON GYM 0042", merchant_name="Iron Gym",
    ))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        result = bank_item_sync(item_id=bank.pk)
    assert (result.added, result.error) == (1, "")
    real = Transaction.objects.get(external_id="gym-1")
    occurrence = RecurringOccurrence.objects.get(item=item)
    assert (occurrence.date, occurrence.status, occurrence.transaction) == (due, "seen", real)
    assert not Transaction.objects.filter(pk=placeholder.pk).exists()
    assert Transaction.objects.filter(account=account).count() == 1
    assert Notification.objects.count() == 1  # the same period: no second alert
    assert BudgetAlert.objects.count() == 2
