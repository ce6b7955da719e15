import datetime
from decimal import Decimal
from io import StringIO

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Min

from accounts.models import User
from ledger.models import Account, Category, Transaction, Transfer
from ledger.selectors import account_register, net_worth


def run() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_a_ready_to_use_demo_user_with_two_years_of_activity(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC))
    output = run()
    assert "Demo account: demo@billfold.local / billfold-demo" in output
    user = User.objects.get(email="demo@billfold.local")
    assert user.check_password("billfold-demo")
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    assert user.profile.display_name == "Sam Demo" and user.profile.onboarded_at is not None
    assert Category.objects.for_user(user).filter(name="Groceries").exists()
    accounts = {a.name: a for a in Account.objects.for_user(user)}
    assert set(accounts) == {"Checking", "Savings", "Credit card", "Cash", "Travel card"}
    assert accounts["Travel card"].currency == "EUR"
    txns = Transaction.objects.for_user(user)
    assert txns.count() > 1000
    span = txns.aggregate(first=Min("date"))["first"]
    assert span <= datetime.date(2024, 12, 1)
    assert not txns.filter(date__gt=datetime.date(2026, 11, 22)).exists()
    # the details that make the charts look like a real person's money
    assert txns.filter(payee="StreamFlix", amount=Decimal("-15.49")).exists()
    assert txns.filter(payee="StreamFlix", amount=Decimal("-17.99")).exists()
    assert txns.filter(account__currency="EUR", transfer__isnull=True).exists()
    assert txns.filter(payee__endswith="refund", amount__gt=0).exists()
    assert Transfer.objects.filter(user=user).count() > 50
    december = txns.filter(date__month=12, category__name="Gifts & Donations").count()
    assert december >= 5
    pairs = txns.filter(transfer__isnull=False).values("transfer").distinct().count()
    assert txns.filter(transfer__isnull=False).count() == 2 * pairs
    worth = {n.currency: n for n in net_worth(user=user)}
    assert worth["USD"].net > 0
    checking = min(r.running_balance for r in account_register(account=accounts["Checking"]))
    assert checking > 0


def test_seed_demo_is_deterministic_and_runs_only_once(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC))
    run()
    user = User.objects.get(email="demo@billfold.local")
    first = list(
        Transaction.objects.for_user(user).order_by("date", "id").values_list("amount", "payee")
    )
    output = run()
    assert "already there" in output and "billfold-demo" in output
    assert Transaction.objects.for_user(user).count() == len(first)
    user.delete()
    run()
    again = User.objects.get(email="demo@billfold.local")
    second = list(
        Transaction.objects.for_user(again).order_by("date", "id").values_list("amount", "payee")
    )
    assert first == second
