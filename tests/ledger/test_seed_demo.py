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


def _finances(user: User) -> dict:
    """The demo's budgets, recurring bills (with their history) and notifications."""
    from budgets.models import Budget, Notification, RecurringItem

    return {
        "budgets": sorted(
            (b.name, b.period, b.amount, b.rollover, b.start_date)
            for b in Budget.objects.for_user(user).select_related("category")
        ),
        "recurring": sorted(
            (
                i.payee,
                i.amount,
                i.day_of_month,
                i.start_date,
                i.auto_post,
                tuple(i.occurrences.values_list("date", "status", "transaction__date")),
            )
            for i in RecurringItem.objects.for_user(user)
        ),  # fmt: skip
        "notifications": sorted(
            (n.title, n.body, n.read_at is None) for n in Notification.objects.for_user(user)
        ),
    }


def test_the_demo_user_has_budgets_tracked_bills_and_the_alerts_they_raised(db, time_machine):
    from budgets.detection import subscriptions_detect
    from budgets.models import BudgetAlert, Notification, RecurringItem
    from budgets.selectors import budget_statuses, expected_between

    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC))
    assert "Added 8 budgets, 11 recurring bills" in run()
    user = User.objects.select_related("profile").get(email="demo@billfold.local")
    statuses = {s.budget.name: s for s in budget_statuses(user=user)}
    assert set(statuses) == {
        "Groceries", "Food & Dining", "Coffee", "Transport", "Entertainment", "Shopping",
        "Housing", "All spending",
    }  # fmt: skip
    assert [name for name, s in statuses.items() if s.budget.rollover] == ["Shopping"]
    assert statuses["Coffee"].budget.period == "week"
    assert statuses["Shopping"].carry != 0  # set up months ago: something rolled over
    # The health colours show: something is at risk or over; rent paid on the 1st is not.
    assert {"at-risk", "over"} & {s.health for s in statuses.values()}
    assert statuses["Housing"].spent == Decimal("1725") and statuses["Housing"].health != "over"
    assert statuses["Housing"].forecast == Decimal("1725.00")

    items = {(i.payee, i.day_of_month): i for i in RecurringItem.objects.for_user(user)}
    assert {
        ("Maple Court Apartments", 1), ("Acme Corp payroll", 1), ("Acme Corp payroll", 15),
        ("City Power & Light", 5), ("City Water", 20), ("StreamFlix", 9), ("Spotify", 14),
        ("iCloud storage", 3), ("Iron Gym", 3), ("Fibernet", 12), ("Mobile One", 18),
    } == set(items)  # fmt: skip
    # Tracked from their past payments: each month's rent and pay is the item's history.
    rent = items[("Maple Court Apartments", 1)]
    history = list(rent.occurrences.select_related("transaction"))
    assert len(history) >= 12 and history[-1].date == datetime.date(2026, 11, 1)
    assert all(o.status == "seen" and o.transaction.payee == rent.payee for o in history)
    assert items[("Acme Corp payroll", 15)].occurrences.count() == 25  # two years
    assert items[("City Power & Light", 5)].is_approximate
    assert not Transaction.objects.for_user(user).filter(source="recurring").exists()
    upcoming = expected_between(
        user=user, since=datetime.date(2026, 11, 22), until=datetime.date(2026, 12, 21)
    )
    assert {e.item.payee for e in upcoming} >= {"Maple Court Apartments", "StreamFlix"}
    # One subscription is left to offer in one click.
    assert [s.payee for s in subscriptions_detect(user=user)] == ["Metro monthly pass"]

    # Alerts from the real check: last month's are read, this month's are not.
    notifications = list(Notification.objects.for_user(user))
    read = [n for n in notifications if n.read_at is not None]
    unread = [n for n in notifications if n.read_at is None]
    assert read and unread
    assert {n.created_at.date() for n in read} == {datetime.date(2026, 10, 31)}
    alerts = BudgetAlert.objects.filter(budget__user=user)
    assert {a.period_start for a in alerts} >= {datetime.date(2026, 10, 1),
                                                datetime.date(2026, 11, 1)}  # fmt: skip
    assert alerts.count() >= len(notifications)
    for note in unread:
        name = note.title.split(":")[0]
        assert statuses[name].percent >= 80, note.title


def test_an_older_demo_gets_budgets_and_bills_once_without_duplicates(db, time_machine):
    from budgets.models import Budget, Notification, RecurringItem

    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC))
    run()
    user = User.objects.get(email="demo@billfold.local")
    made = _finances(user)
    transactions = Transaction.objects.for_user(user).count()
    # A demo made before budgets existed in it has none of them.
    Notification.objects.for_user(user).delete()
    Budget.objects.for_user(user).delete()
    RecurringItem.objects.for_user(user).delete()
    output = run()
    assert "already there" in output and "Added 8 budgets, 11 recurring bills" in output
    assert _finances(user) == made
    assert "Added" not in run()  # and again: nothing more
    assert _finances(user) == made
    assert Transaction.objects.for_user(user).count() == transactions


def test_the_demo_finances_are_the_same_every_time(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC))
    run()
    first = _finances(User.objects.get(email="demo@billfold.local"))
    User.objects.get(email="demo@billfold.local").delete()
    run()
    assert _finances(User.objects.get(email="demo@billfold.local")) == first
