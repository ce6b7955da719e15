"""Money invariants under random sequences of ledger writes (hypothesis).

Creates, edits, splits, transfers (same and cross currency), deletes, statement imports and
their undo, all through the services. After every operation: each balance is the opening
balance plus the sum of its transactions, same-currency transfers net to zero, splits add up
to their transaction, the ledger's totals and the category report net to the sum of the
non-transfer amounts (transfers are neither income nor expense), and every total is a Decimal.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db import transaction as db_transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from banking.services.imports import ImportFlowError, import_commit, import_start, import_undo
from insights.reports import Period, report_build
from ledger.models import Account, Transaction, TransactionSplit, Transfer
from ledger.selectors import accounts_with_balance, net_worth, transactions_totals
from ledger.services.splits import transaction_split
from ledger.services.transactions import (
    transaction_create,
    transaction_delete,
    transaction_update,
)
from ledger.services.transfers import transfer_create, transfer_delete
from tests.ledger.factories import make_account, make_category

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=-500_000, max_value=500_000).map(lambda c: Decimal(c) / 100)
positive = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)
pick = st.integers(min_value=0, max_value=50)  # an index, taken modulo what exists
day = st.integers(min_value=0, max_value=120).map(
    lambda d: datetime.date(2025, 1, 1) + datetime.timedelta(days=d)
)

operations = st.one_of(
    st.tuples(st.just("create"), pick, cents, day),
    st.tuples(st.just("edit"), pick, cents, day),
    st.tuples(st.just("split"), pick, st.integers(min_value=1, max_value=99)),
    st.tuples(st.just("transfer"), pick, pick, positive, positive),
    st.tuples(st.just("delete"), pick),
    st.tuples(st.just("delete_transfer"), pick),
    st.tuples(st.just("import"), st.lists(st.tuples(cents, day), min_size=1, max_size=3)),
    st.tuples(st.just("undo"), pick),
)


def _nth(items: list, index: int):
    return items[index % len(items)] if items else None


def apply(user: User, accounts: list[Account], op: tuple, batches: list) -> None:
    kind = op[0]
    txns = list(Transaction.objects.for_user(user).order_by("pk"))
    if kind == "create":
        _, i, amount, date = op
        transaction_create(user=user, account=_nth(accounts, i), date=date, amount=amount)
    elif kind == "edit" and txns:
        _, i, amount, date = op
        txn = _nth(txns, i)
        transaction_update(
            user=user, transaction=txn, expected_version=txn.version, amount=amount, date=date
        )
    elif kind == "split" and txns:
        _, i, percent = op
        txn = _nth(txns, i)
        first = (txn.amount * percent / 100).quantize(Decimal("0.01"))
        parts = [(None, first), (None, txn.amount - first)]
        transaction_split(user=user, transaction=txn, parts=parts)
    elif kind == "transfer":
        _, i, j, amount, to_amount = op
        source, target = _nth(accounts, i), _nth(accounts, j)
        cross = source.currency != target.currency
        transfer_create(
            user=user,
            from_account=source,
            to_account=target,
            date=datetime.date(2025, 2, 1),
            amount=amount,
            to_amount=to_amount if cross else None,
        )
    elif kind == "delete" and txns:
        transaction_delete(user=user, transaction=_nth(txns, op[1]))
    elif kind == "delete_transfer":
        transfer = _nth(list(Transfer.objects.filter(user=user).order_by("pk")), op[1])
        if transfer is not None:
            transfer_delete(user=user, transfer=transfer)
    elif kind == "import":
        lines = ["Date,Payee,Description,Amount"]
        lines += [f"{d:%Y-%m-%d},Shop {n},Row,{a}" for n, (a, d) in enumerate(op[1])]
        data = io.BytesIO("\n".join(lines).encode())
        batch = import_start(user=user, file=data, file_name="s.csv", account=accounts[0])
        import_commit(batch=batch)
        batches.append(batch)
    elif kind == "undo" and batches:
        batch = _nth(batches, op[1])
        batch.refresh_from_db()
        import_undo(batch=batch, confirm_edited=True)


def check_invariants(user: User) -> None:
    for account in accounts_with_balance(user=user):
        amounts = Transaction.objects.filter(account=account).values_list("amount", flat=True)
        expected = account.opening_balance + sum(amounts, Decimal("0"))
        assert isinstance(account.balance, Decimal)
        balance = account.balance
        if connection.vendor != "postgresql":
            # SQLite sums DECIMAL columns as REAL: 0.825 comes back as 0.824999999999999.
            balance = balance.quantize(Decimal("0.001"))
        assert balance == expected, account.name
    for transfer in Transfer.objects.filter(user=user).prefetch_related("transactions__account"):
        sides = list(transfer.transactions.all())
        assert len(sides) == 2, f"transfer {transfer.pk} has {len(sides)} sides"
        if sides[0].account.currency == sides[1].account.currency:
            assert sides[0].amount + sides[1].amount == 0
    for txn in Transaction.objects.for_user(user).filter(splits__isnull=False).distinct():
        parts = TransactionSplit.objects.filter(transaction=txn).values_list("amount", flat=True)
        assert sum(parts, Decimal("0")) == txn.amount
    for worth in net_worth(user=user):
        for value in (worth.assets, worth.liabilities, worth.net):
            assert isinstance(value, Decimal) and not isinstance(value, float)
    # Totals and reports: Decimals, transfers neither income nor expense, nets that add up.
    spent = {}
    for currency, amount in (
        Transaction.objects.for_user(user)
        .filter(transfer__isnull=True)
        .values_list("account__currency", "amount")
    ):
        spent[currency] = spent.get(currency, Decimal("0")) + amount
    for totals in transactions_totals(transactions=Transaction.objects.for_user(user)):
        values = (totals.income, totals.expenses, totals.transfers_in, totals.transfers_out)
        assert all(isinstance(v, Decimal) for v in values)
        assert _exact(totals.net) == spent.get(totals.currency, 0)
    report = report_build(user=user, period=WHOLE_RANGE, group="category")
    for currency, lines in report.items():
        for line in lines.lines.values():
            assert isinstance(line.income, Decimal) and isinstance(line.spending, Decimal)
        assert _exact(lines.income - lines.spending) == spent.get(currency, 0), currency


# Every date the operations use (2025-01-01 plus up to 120 days, transfers on 2025-02-01).
WHOLE_RANGE = Period(datetime.date(2024, 12, 1), datetime.date(2025, 6, 1))


def _exact(value: Decimal) -> Decimal:
    """SQLite sums DECIMAL columns as REAL: round away the float noise there (only there)."""
    return value if connection.vendor == "postgresql" else value.quantize(Decimal("0.001"))


def test_balances_transfers_and_splits_hold_under_random_writes(alice: User) -> None:
    runs = {"examples": 0, "operations": 0, "refused": 0}

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(ops=st.lists(operations, min_size=1, max_size=12))
    def run(ops: list[tuple]) -> None:
        runs["examples"] += 1
        with db_transaction.atomic():
            accounts = [
                make_account(alice, name="Checking", opening_balance="250.00"),
                make_account(alice, name="Savings", type="savings", opening_balance="0"),
                make_account(alice, name="Euro", currency="EUR", opening_balance="-12.345"),
            ]
            make_category(alice, name="Food")
            batches: list = []
            for op in ops:
                runs["operations"] += 1
                try:
                    with db_transaction.atomic():
                        apply(alice, accounts, op, batches)
                except (ValidationError, ImportFlowError):
                    runs["refused"] += 1  # a refusal must leave nothing half-written
                check_invariants(alice)
            db_transaction.set_rollback(True)

    run()

    assert runs["examples"] >= 30
    assert runs["operations"] > runs["refused"]
