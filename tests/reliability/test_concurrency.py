"""Concurrency on PostgreSQL (real row locks): threads with their own connections.

Two browsers editing one transaction, two imports of the same file at once. (Two syncs of one
bank item and two recurring posters are tested by their owners.)
"""

import io
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from banking.services.imports import ImportFlowError, import_commit, import_start
from ledger.models import Account, Transaction
from ledger.selectors import accounts_with_balance
from ledger.services.transactions import CONFLICT_MESSAGE
from tests.ledger.factories import make_account, make_transaction
from tests.reliability.conftest import onboard

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


def balances_equal_their_sums(user: User) -> None:
    for account in accounts_with_balance(user=user):
        amounts = Transaction.objects.filter(account=account).values_list("amount", flat=True)
        assert account.balance == account.opening_balance + sum(amounts, Decimal("0"))


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
