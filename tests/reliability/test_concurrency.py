"""Concurrency on PostgreSQL (real row locks): threads with their own connections.

Two browsers editing one transaction, two imports of the same file, two syncs of one bank
item and two workers posting recurring bills, each pair released at the same moment: no
duplicates, no lost update, and every balance equals the sum of its transactions afterwards.
"""

import datetime
import io
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.db import connection
from django.test import Client

from accounts.models import User
from banking.services.imports import ImportFlowError, import_commit, import_start
from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync
from budgets.services.recurring import recurring_create, recurring_post_due
from ledger.models import Account, Transaction
from ledger.selectors import accounts_with_balance
from ledger.services.transactions import CONFLICT_MESSAGE
from tests.banking.plaid_standin import CLIENT_ID, SECRET, PlaidStandIn, plaid_transaction
from tests.ledger.factories import make_account, make_transaction
from tests.reliability.conftest import balances_equal_their_sums, onboard

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each returns its result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported to the test, which decides
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_browsers_editing_one_transaction_lose_no_update(alice: User) -> None:
    onboard(alice)
    account = make_account(alice, name="Checking", opening_balance="100.00")
    txn = make_transaction(account, amount="-10.00", payee="Grocer")
    browsers = [Client(), Client()]
    forms = []
    for browser in browsers:
        browser.force_login(alice)
        form = browser.get(f"/transactions/{txn.pk}/edit/").context["form"]
        data = {name: form[name].value() for name in form.fields}
        forms.append({k: ("" if v is None else v) for k, v in data.items() if k != "tags"})
    forms[0]["amount"], forms[1]["amount"] = "11.00", "22.00"  # money out, as loaded

    first, second = at_once(
        *[
            (lambda b=b, f=f: b.post(f"/transactions/{txn.pk}/edit/", f))
            for b, f in zip(browsers, forms, strict=True)
        ]
    )

    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 302], [r.context["form"].errors for r in (first, second) if r.context]
    loser = first if first.status_code == 200 else second
    winner_amount = -Decimal(forms[0 if loser is second else 1]["amount"])
    assert CONFLICT_MESSAGE.split(".")[0] in loser.content.decode()
    txn.refresh_from_db()
    assert txn.amount == winner_amount
    assert txn.version == forms[0]["version"] + 1
    balances_equal_their_sums(alice)


STATEMENT = b"Date,Payee,Description,Amount\n" + b"".join(
    f"2025-03-{day:02d},Shop {day},Card,-{day}.25\n".encode() for day in range(1, 21)
)


def _import(user: User, account: Account) -> object:
    batch = import_start(
        user=user, file=io.BytesIO(STATEMENT), file_name="march.csv", account=account
    )
    return import_commit(batch=batch)


def test_two_imports_of_one_file_at_once_add_each_row_once(alice: User, tmp_path: Path) -> None:
    account = make_account(alice, name="Checking", opening_balance="500.00")

    results = at_once(lambda: _import(alice, account), lambda: _import(alice, account))

    # The loser may wait and skip every row, or stop with a plain message and save nothing.
    crashes = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, ImportFlowError) for r in crashes), crashes
    assert Transaction.objects.filter(account=account).count() == 20
    assert (
        Transaction.objects.filter(account=account).values("fingerprint").distinct().count() == 20
    )
    balances_equal_their_sums(alice)
    account = accounts_with_balance(user=alice).get(pk=account.pk)
    assert account.balance == Decimal("500.00") - sum(
        (Decimal(f"{d}.25") for d in range(1, 21)), Decimal("0")
    )


def test_two_syncs_of_one_bank_item_at_once_add_each_transaction_once(alice: User, settings):
    with PlaidStandIn() as plaid:
        settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = CLIENT_ID, SECRET
        settings.PLAID_HOST = plaid.url
        settings.PLAID_SYNC_PAGE_SIZE = 50
        settings.BANK_SYNC_BACKOFF_SECONDS = 0
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        public, remote = plaid.new_item()
        item = bank_item_connect(user=alice, provider_name="plaid", public_token=public)
        bank_accounts_map(
            user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()}
        )
        for n in range(150):
            plaid.add(
                remote,
                plaid_transaction(
                    transaction_id=f"t{n}",
                    account_id="acc-checking" if n % 3 else "acc-card",
                    amount=f"{n % 40}.{n % 100:02d}",
                    date=f"2026-10-{1 + n % 28:02d}",
                    name=f"MERCHANT {n}",
                ),
            )

        results = at_once(*[lambda: bank_item_sync(item_id=item.pk)] * 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.added for r in results) == [0, 150]  # the second waited, found nothing new
    rows = Transaction.objects.filter(account__bank_links__item=item)
    assert rows.count() == rows.values("account", "external_id").distinct().count() == 150
    balances_equal_their_sums(alice)


def test_two_workers_posting_recurring_bills_at_once_post_each_date_once(alice: User) -> None:
    account = make_account(alice, name="Checking", opening_balance="2000.00")
    start = datetime.date(2025, 1, 1)
    with time_machine.travel(datetime.datetime(2025, 1, 1, 12, tzinfo=datetime.UTC), tick=False):
        recurring_create(
            user=alice,
            payee="Gym",
            amount=Decimal("-30.00"),
            account=account,
            start_date=start,
            frequency="weekly",
            auto_post=True,
        )
        recurring_create(
            user=alice,
            payee="Rent",
            amount=Decimal("-900.00"),
            account=account,
            start_date=start,
            auto_post=True,
        )
    today = datetime.date(2025, 3, 31)

    results = at_once(*[lambda: recurring_post_due(today=today)] * 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.posted for r in results) == 13 + 3
    posted = Transaction.objects.filter(account=account)
    assert posted.count() == posted.values("payee", "date").distinct().count() == 16
    balances_equal_their_sums(alice)
    account = accounts_with_balance(user=alice).get(pk=account.pk)
    assert account.balance == Decimal("2000.00") - 13 * Decimal("30.00") - 3 * Decimal("900.00")
