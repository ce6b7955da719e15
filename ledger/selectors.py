"""Reads of the ledger that aggregate: balances, net worth, registers, totals."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from ledger.currencies import CURRENCIES
from ledger.models import Account, Transaction
from ledger.models.accounts import LIABILITY_TYPES, MONEY
from ledger.money import quantize

ZERO = Decimal("0")


def accounts_with_balance(*, user: User, include_archived: bool = True) -> QuerySet[Account]:
    """The user's accounts, each with `balance` (opening balance + transactions), one query."""
    accounts = Account.objects.for_user(user)
    if not include_archived:
        accounts = accounts.active()
    return accounts.with_balance()


@dataclass
class NetWorth:
    currency: str
    assets: Decimal = ZERO
    liabilities: Decimal = ZERO  # what is owed, as a positive number
    accounts: int = 0

    @property
    def net(self) -> Decimal:
        return self.assets - self.liabilities


def net_worth(*, user: User) -> list[NetWorth]:
    """Assets minus liabilities (credit cards, loans) per currency, over active accounts.

    A liability's balance is normally negative (money owed); a card with a positive
    balance (overpaid) counts as an asset. One query; never adds currencies together.
    """
    totals: dict[str, NetWorth] = {}
    rows = accounts_with_balance(user=user, include_archived=False).values_list(
        "currency", "type", "balance"
    )
    for currency, type_, balance in rows:
        entry = totals.setdefault(currency, NetWorth(currency))
        entry.accounts += 1
        balance = balance or ZERO
        if type_ in LIABILITY_TYPES and balance < 0:
            entry.liabilities += -balance
        else:
            entry.assets += balance
    for entry in totals.values():
        if entry.currency in CURRENCIES:
            entry.assets = quantize(entry.assets, entry.currency)
            entry.liabilities = quantize(entry.liabilities, entry.currency)
    return sorted(totals.values(), key=lambda n: (-n.accounts, n.currency))


def account_register(*, account: Account) -> QuerySet[Transaction]:
    """The account's transactions, newest first, each with `running_balance`: the balance
    right after it (opening balance + every transaction up to it in date, id order).

    A window function over the whole account, so slicing a page keeps the right balances
    (works on SQLite and PostgreSQL). Filter by date on the result in Python or on the
    page slice: a WHERE on date would restart the sum.
    """
    money = DecimalField(**MONEY)
    running = Window(
        Sum("amount"),
        order_by=[F("date").asc(), F("id").asc()],
        output_field=money,
    )
    return (
        Transaction.objects.filter(account=account)
        .select_related("category", "category__parent", "transfer")
        .prefetch_related("tags")
        .annotate(running_balance=running + Value(account.opening_balance, output_field=money))
        .order_by("-date", "-id")
    )


@dataclass
class Totals:
    currency: str
    income: Decimal = ZERO
    expenses: Decimal = ZERO  # negative: money out
    transfers_in: Decimal = ZERO
    transfers_out: Decimal = ZERO
    count: int = 0

    @property
    def net(self) -> Decimal:
        """Income plus expenses (transfers are neither)."""
        return self.income + self.expenses


def transactions_totals(*, transactions: QuerySet[Transaction]) -> list[Totals]:
    """Income, expenses and net of a (filtered, user-scoped) queryset, per currency, in one
    aggregate query. Transfers are counted apart, never as income or expense."""
    money = DecimalField(**MONEY)
    not_transfer = Q(transfer__isnull=True)

    def total(condition: Q) -> Coalesce:
        return Coalesce(Sum("amount", filter=condition), Value(ZERO), output_field=money)

    rows = (
        transactions.order_by()
        .values("account__currency")
        .annotate(
            income=total(not_transfer & Q(amount__gt=0)),
            expenses=total(not_transfer & Q(amount__lt=0)),
            transfers_in=total(Q(transfer__isnull=False, amount__gt=0)),
            transfers_out=total(Q(transfer__isnull=False, amount__lt=0)),
            count=Count("id"),
        )
        .order_by("-count", "account__currency")
    )
    return [
        Totals(
            currency=row["account__currency"],
            income=row["income"],
            expenses=row["expenses"],
            transfers_in=row["transfers_in"],
            transfers_out=row["transfers_out"],
            count=row["count"],
        )
        for row in rows
    ]
