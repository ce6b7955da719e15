"""A small but complete world for alice (one of every owned object), and database snapshots."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import ApiToken, Profile, User
from accounts.tokens import api_token_create
from banking.connections import BankItem
from banking.services.imports import import_commit, import_start
from banking.services.sync import bank_item_connect
from budgets.models import Budget, Notification, RecurringItem
from budgets.services.budgets import budget_create
from budgets.services.recurring import recurring_create
from insights.models import Suggestion
from ledger.models import Account, Category, ImportBatch, Rule, Tag, Transaction, Transfer
from ledger.selectors import accounts_with_balance
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_tag,
    make_transaction,
    make_transfer,
)

# The apps whose tables hold user data; the snapshot covers all their tables (M2M included).
OWNED_APPS = ("accounts", "ledger", "banking", "budgets", "insights")


@dataclass
class World:
    """One of each object alice owns, by the name the URL walker asks for."""

    user: User
    token: ApiToken
    token_secret: str
    account: Account
    savings: Account
    category: Category
    tag: Tag
    transaction: Transaction
    suggested: Transaction
    transfer: Transfer
    rule: Rule
    batch: ImportBatch
    bank_item: BankItem
    budget: Budget
    notification: Notification
    recurring: RecurringItem


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def onboard(user: User) -> None:
    Profile.objects.update_or_create(user=user, defaults={"onboarded_at": timezone.now()})


def balances_equal_their_sums(user: User) -> None:
    for account in accounts_with_balance(user=user):
        amounts = Transaction.objects.filter(account=account).values_list("amount", flat=True)
        assert account.balance == account.opening_balance + sum(amounts, Decimal("0"))


def build_world(user: User) -> World:
    onboard(user)
    token, secret = api_token_create(user=user, name="walker")
    account = make_account(user, name="Checking", opening_balance="1000.00")
    savings = make_account(user, name="Savings", type="savings")
    category = make_category(user, name="Groceries")
    other = make_category(user, name="Dining")
    tag = make_tag(user, "trip")
    txn = make_transaction(account, amount="-40.00", category=category, tags=[tag])
    make_split(txn, [(category, "-25.00"), (other, "-15.00")])
    suggested = make_transaction(account, amount="-9.99", payee="Corner cafe")
    Suggestion.objects.create(
        user=user, transaction=suggested, category=other, confidence=0.6, source="learned"
    )
    transfer = make_transfer(account, savings, amount="100.00")
    rule = Rule.objects.create(
        user=user,
        name="Cafe",
        conditions=[{"field": "payee", "op": "contains", "value": "cafe"}],
        set_category=other,
    )
    csv = b"Date,Payee,Description,Amount\n2025-01-05,Coffee Shop,Latte,-3.50\n"
    batch = import_start(user=user, file=io.BytesIO(csv), file_name="jan.csv", account=account)
    import_commit(batch=batch)
    batch.refresh_from_db()
    bank_item = bank_item_connect(user=user, provider_name="demo", public_token="demo")
    budget = budget_create(user=user, amount=Decimal("300.00"), category=category)
    notification = Notification.objects.create(user=user, title="Groceries at 80%")
    recurring = recurring_create(
        user=user,
        payee="Rent",
        amount=Decimal("-900.00"),
        account=account,
        start_date=datetime.date(2025, 1, 1),
    )
    return World(
        user=user,
        token=token,
        token_secret=secret,
        account=account,
        savings=savings,
        category=category,
        tag=tag,
        transaction=txn,
        suggested=suggested,
        transfer=transfer,
        rule=rule,
        batch=batch,
        bank_item=bank_item,
        budget=budget,
        notification=notification,
        recurring=recurring,
    )


@pytest.fixture
def world(alice: User, bob: User) -> World:
    onboard(bob)
    return build_world(alice)


def owned_models() -> list[type]:
    return [
        model
        for label in OWNED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]


Snapshot = dict[str, dict[Any, dict[str, Any]]]


# Bookkeeping that a request by its own user may touch (bob's token records its last use).
IGNORED_FIELDS = {"last_used_at", "last_login"}


def snapshot() -> Snapshot:
    """Every row of every table that holds user data, by primary key."""
    return {
        model._meta.label: {
            row[model._meta.pk.attname]: {k: v for k, v in row.items() if k not in IGNORED_FIELDS}
            for row in model.objects.values()
        }
        for model in owned_models()
    }


def snapshot_diff(before: Snapshot, after: Snapshot) -> list[str]:
    """One line per row added, removed or changed."""
    changes = []
    for label, old in before.items():
        new = after[label]
        for pk in sorted(old.keys() | new.keys(), key=str):
            if old.get(pk) != new.get(pk):
                changes.append(f"{label} #{pk}: {old.get(pk)} -> {new.get(pk)}")
    return changes
