import datetime
from decimal import Decimal

from ledger.models import Transaction
from ledger.selectors import account_register, accounts_with_balance, transactions_totals
from tests.ledger.factories import make_account, make_transaction, make_transfer


def test_the_register_shows_the_running_balance_after_each_row(alice, checking):
    day = datetime.date(2025, 1, 1)
    a = make_transaction(checking, amount="-100", date=day)
    b = make_transaction(checking, amount="50", date=day)
    c = make_transaction(checking, amount="-25", date=datetime.date(2024, 12, 31))
    rows = list(account_register(account=checking))
    assert [r.pk for r in rows] == [b.pk, a.pk, c.pk]
    assert [r.running_balance for r in rows] == [Decimal("925"), Decimal("875"), Decimal("975")]


def test_a_register_page_keeps_the_balances_of_the_whole_account(alice, checking):
    for i in range(10):
        make_transaction(
            checking, amount="-1", date=datetime.date(2025, 1, 1) + datetime.timedelta(days=i)
        )
    page = list(account_register(account=checking)[3:5])
    assert [r.running_balance for r in page] == [Decimal("993"), Decimal("994")]


def test_balances_take_one_query(alice, checking, django_assert_num_queries):
    for _ in range(5):
        make_transaction(make_account(alice), amount="-3")
    with django_assert_num_queries(1):
        assert len(list(accounts_with_balance(user=alice))) == 6


def test_totals_are_per_currency_and_leave_transfers_out(
    alice, checking, savings, django_assert_num_queries
):
    euro = make_account(alice, currency="EUR")
    make_transaction(checking, amount="-30")
    make_transaction(checking, amount="100")
    make_transaction(euro, amount="-7")
    make_transfer(checking, savings, amount="40")
    with django_assert_num_queries(1):
        totals = {
            t.currency: t
            for t in transactions_totals(transactions=Transaction.objects.for_user(alice))
        }
    usd = totals["USD"]
    assert (usd.income, usd.expenses, usd.net) == (Decimal("100"), Decimal("-30"), Decimal("70"))
    assert (usd.transfers_in, usd.transfers_out, usd.count) == (Decimal("40"), Decimal("-40"), 4)
    assert totals["EUR"].expenses == Decimal("-7") and totals["EUR"].income == 0
