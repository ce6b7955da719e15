"""Small typed builders for ledger rows. They write straight to the database (no services),
so a test can set up any state; use the services when the behaviour under test is the write.

    account = make_account(alice, currency="EUR")
    food = make_category(alice, name="Food")
    make_transaction(account, amount="-12.50", category=food, tags=[make_tag(alice, "trip")])
"""

import datetime
import itertools
from collections.abc import Iterable
from decimal import Decimal

from accounts.models import User
from ledger.models import Account, Category, Tag, Transaction, TransactionSplit, Transfer

_seq = itertools.count(1)


def make_account(
    user: User,
    *,
    name: str | None = None,
    type: str = "checking",
    currency: str = "USD",
    opening_balance: Decimal | str | int = 0,
    **extra,
) -> Account:
    return Account.objects.create(
        user=user,
        name=name or f"Account {next(_seq)}",
        type=type,
        currency=currency,
        opening_balance=Decimal(str(opening_balance)),
        **extra,
    )


def make_category(
    user: User,
    *,
    name: str | None = None,
    kind: str = "expense",
    parent: Category | None = None,
    **extra,
) -> Category:
    return Category.objects.create(
        user=user, name=name or f"Category {next(_seq)}", kind=kind, parent=parent, **extra
    )


def make_tag(user: User, name: str | None = None) -> Tag:
    return Tag.objects.create(user=user, name=name or f"tag-{next(_seq)}")


def make_transaction(
    account: Account,
    *,
    amount: Decimal | str | int = "-10.00",
    date: datetime.date | None = None,
    payee: str = "Shop",
    category: Category | None = None,
    tags: Iterable[Tag] = (),
    **extra,
) -> Transaction:
    if category is not None:
        extra.setdefault("categorized_by", "manual")
    txn = Transaction.objects.create(
        user=account.user,
        account=account,
        date=date or datetime.date(2025, 1, 15),
        amount=Decimal(str(amount)),
        payee=payee,
        category=category,
        **extra,
    )
    if tags:
        txn.tags.set(tags)
    return txn


def make_transactions(
    account: Account,
    count: int,
    *,
    start: datetime.date = datetime.date(2025, 1, 1),
    category: Category | None = None,
    amount: Decimal | str = "-5.00",
) -> list[Transaction]:
    """`count` rows on consecutive days, in one INSERT (for query-count tests)."""
    return Transaction.objects.bulk_create(
        Transaction(
            user=account.user,
            account=account,
            date=start + datetime.timedelta(days=i % 700),
            amount=Decimal(str(amount)),
            payee=f"Payee {i}",
            category=category,
        )
        for i in range(count)
    )


def make_transfer(
    from_account: Account,
    to_account: Account,
    *,
    amount: Decimal | str = "100.00",
    to_amount: Decimal | str | None = None,
    date: datetime.date | None = None,
) -> Transfer:
    transfer = Transfer.objects.create(user=from_account.user)
    day = date or datetime.date(2025, 1, 15)
    make_transaction(from_account, amount=-Decimal(str(amount)), date=day, transfer=transfer)
    make_transaction(
        to_account, amount=Decimal(str(to_amount or amount)), date=day, transfer=transfer
    )
    return transfer


def make_split(
    txn: Transaction, parts: Iterable[tuple[Category | None, Decimal | str]]
) -> list[TransactionSplit]:
    return [
        TransactionSplit.objects.create(transaction=txn, category=cat, amount=Decimal(str(amt)))
        for cat, amt in parts
    ]
