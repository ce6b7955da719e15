"""`manage.py seed_demo`: a demo user with two years of realistic, repeatable activity, and
(from the budgets app) budgets, recurring bills and the alerts they raised.

Idempotent: when the demo user already has transactions they are left alone; budgets,
recurring bills and alerts are added when the user has none yet (so a demo made before
they existed gets them too). The numbers come from random.Random(42), so the same day
gives the same data.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction as db_transaction
from django.utils import timezone

from accounts.models import Profile, User
from ledger.changes import ledger_touched
from ledger.models import Account, Category, Tag, Transaction, Transfer
from ledger.services.categories import categories_create_defaults

DEMO_EMAIL = "demo@billfold.local"
DEMO_PASSWORD = "billfold-demo"  # printed on the console: it is a demo, not a secret
CENT = Decimal("0.01")


def money(value: float | str | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@dataclass
class Plan:
    """Rows to insert, collected first and written with bulk_create."""

    rows: list[Transaction] = field(default_factory=list)
    tags: list[tuple[Transaction, str]] = field(default_factory=list)
    transfers: list[tuple[Transfer, Transaction, Transaction]] = field(default_factory=list)


class Command(BaseCommand):
    help = "Create the demo user (demo@billfold.local) with two years of activity."

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is not None and Transaction.objects.filter(user=user).exists():
            self.stdout.write("The demo data is already there.")
        else:
            with db_transaction.atomic():
                user = self._user(user)
                count = Demo(user, today=timezone.localdate()).build()
            self.stdout.write(self.style.SUCCESS(f"Created {count:,} demo transactions."))
        self._budgets(User.objects.select_related("profile").get(pk=user.pk))
        self.stdout.write(f"Demo account: {DEMO_EMAIL} / {DEMO_PASSWORD}")

    def _budgets(self, user: User) -> None:
        """Budgets, recurring bills and alerts, when the budgets app is installed (the ledger
        does not depend on it)."""
        if not apps.is_installed("budgets"):
            return
        from budgets.demo import demo_budgets_top_up

        added = demo_budgets_top_up(user=user)
        if added.budgets or added.recurring:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added {added.budgets} budgets, {added.recurring} recurring bills and "
                    f"{added.notifications} budget alerts."
                )
            )

    def _user(self, user: User | None) -> User:
        if user is None:
            user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD)
        EmailAddress.objects.update_or_create(
            user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
        )
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "display_name": "Sam Demo",
                "base_currency": "USD",
                "monthly_income": Decimal("5000.00"),
                "savings_goal": Decimal("600.00"),
                "onboarded_at": timezone.now(),
            },
        )
        categories_create_defaults(user=user)
        return user


class Demo:
    """Sam: salaried, a bit of freelance work, a rented flat, a card paid off monthly,
    a yearly trip to Europe, and a December that costs more than the other months."""

    def __init__(self, user: User, *, today: datetime.date) -> None:
        self.user = user
        self.today = today
        self.start = datetime.date(today.year - 2, today.month, 1)
        self.rng = random.Random(42)
        self.plan = Plan()
        self.card_owed = Decimal("0")
        self.savings = Decimal("8000.00")

    # -- setup ---------------------------------------------------------------------------
    def _accounts(self) -> None:
        def make(name: str, type_: str, currency: str, opening: str, inst: str) -> Account:
            return Account.objects.create(
                user=self.user,
                name=name,
                type=type_,
                currency=currency,
                opening_balance=Decimal(opening),
                opening_date=self.start,
                institution=inst,
            )

        self.checking = make("Checking", "checking", "USD", "6000.00", "First Street Bank")
        self.savings_acc = make("Savings", "savings", "USD", "8000.00", "First Street Bank")
        self.card = make("Credit card", "credit_card", "USD", "0.00", "Northwind Card")
        self.cash = make("Cash", "cash", "USD", "80.00", "")
        self.travel = make("Travel card", "checking", "EUR", "150.00", "Wise")

    def _categories(self) -> None:
        self.cat = {c.name: c for c in Category.objects.for_user(self.user)}
        self.tag = {
            name: Tag.objects.get_or_create(user=self.user, name=name)[0]
            for name in ("vacation", "holidays", "reimbursable", "subscription")
        }

    # -- helpers -------------------------------------------------------------------------
    def add(
        self,
        account: Account,
        day: datetime.date,
        amount: Decimal,
        payee: str,
        category: str | None,
        *,
        tags: tuple[str, ...] = (),
        notes: str = "",
    ) -> Transaction:
        txn = Transaction(
            user=self.user,
            account=account,
            date=day,
            amount=amount,
            payee=payee,
            category=self.cat[category] if category else None,
            categorized_by="manual" if category else "",
            status="pending" if (self.today - day).days < 2 else "cleared",
            source="manual",
            notes=notes,
        )
        self.plan.rows.append(txn)
        self.plan.tags.extend((txn, tag) for tag in tags)
        if account is self.card:
            self.card_owed -= amount
        return txn

    def spend(self, account, day, low, high, payee, category, **kw) -> Transaction:
        amount = money(self.rng.uniform(low, high))
        return self.add(account, day, -amount, payee, category, **kw)

    def move(
        self,
        source: Account,
        target: Account,
        day: datetime.date,
        amount: Decimal,
        to_amount: Decimal | None = None,
    ) -> None:
        transfer = Transfer(user=self.user)
        out = self.add(source, day, -amount, f"Transfer to {target.name}", None)
        into = self.add(target, day, to_amount or amount, f"Transfer from {source.name}", None)
        self.plan.transfers.append((transfer, out, into))

    # -- the story -----------------------------------------------------------------------
    def build(self) -> int:
        self._accounts()
        self._categories()
        day = self.start
        while day <= self.today:
            self._day(day)
            day += datetime.timedelta(days=1)
        return self._write()

    def _day(self, day: datetime.date) -> None:
        rng = self.rng
        months_in = (day.year - self.start.year) * 12 + day.month - self.start.month
        december = day.month == 12
        weekend = day.weekday() >= 5

        # Income: salary on the 1st and 15th (a raise after a year), freelance now and then.
        if day.day in (1, 15):
            salary = "2150.00" if months_in < 12 else "2275.00"
            self.add(self.checking, day, money(salary), "Acme Corp payroll", "Salary")
        if day.day in (8, 22) and rng.random() < 0.6:
            amount = money(rng.uniform(150, 650))
            self.add(self.checking, day, amount, rng.choice(["Upwork", "Etsy payout"]), "Business")

        # Housing and bills.
        if day.day == 1:
            rent = "1650.00" if months_in < 12 else "1725.00"
            self.add(self.checking, day, -money(rent), "Maple Court Apartments", "Rent")
        if day.day == 5:
            seasonal = 1.6 if day.month in (1, 2, 7, 8, 12) else 1.0
            self.spend(
                self.checking,
                day,
                55 * seasonal,
                95 * seasonal,
                "City Power & Light",
                "Bills & Utilities",
            )
        if day.day == 12:
            self.add(self.card, day, -money("65.00"), "Fibernet", "Phone & Internet")
        if day.day == 18:
            self.add(self.card, day, -money("45.00"), "Mobile One", "Phone & Internet")
        if day.day == 20 and day.month % 3 == 0:
            self.spend(self.checking, day, 70, 110, "City Water", "Bills & Utilities")

        # Subscriptions, with price rises.
        if day.day == 9:
            price = "15.49" if months_in < 10 else "17.99"
            self.add(
                self.card, day, -money(price), "StreamFlix", "Subscriptions", tags=("subscription",)
            )
        if day.day == 14:
            price = "10.99" if months_in < 16 else "11.99"
            self.add(
                self.card, day, -money(price), "Spotify", "Subscriptions", tags=("subscription",)
            )
        if day.day == 3:
            self.add(
                self.card,
                day,
                -money("2.99"),
                "iCloud storage",
                "Subscriptions",
                tags=("subscription",),
            )
            self.add(self.card, day, -money("45.00"), "Iron Gym", "Health", tags=("subscription",))

        # Everyday spending.
        if day.weekday() in (2, 5) or rng.random() < 0.08:
            high = 190 if december else 140
            store = rng.choice(["FreshMart", "Green Grocer", "Costco", "Trader Jim's"])
            self.spend(self.card, day, 28, high, store, "Groceries")
        if rng.random() < (0.45 if weekend else 0.25):
            place = rng.choice(["Blue Bottle", "Corner Café", "Starbucks"])
            account = self.cash if rng.random() < 0.3 else self.card
            self.spend(account, day, 3.5, 7.8, place, "Coffee")
        if rng.random() < (0.35 if weekend else 0.12):
            place = rng.choice(["Luigi's", "Sushi Go", "Taco Loco", "The Burger Joint", "Pho 99"])
            self.spend(self.card, day, 16, 85, place, "Restaurants")
        if day.day == 1:
            self.add(self.checking, day, -money("127.00"), "Metro monthly pass", "Public transport")
        if rng.random() < 0.07:
            self.spend(self.card, day, 32, 62, rng.choice(["Shell", "Chevron"]), "Fuel")
        if rng.random() < 0.05:
            self.spend(self.card, day, 9, 34, "Lyft", "Transport")
        if day.weekday() == 5 and rng.random() < 0.8:
            self.spend(self.cash, day, 8, 24, "Farmers market", "Groceries")
        if rng.random() < 0.06:
            store = rng.choice(["Amazon", "Target", "Uniqlo", "Best Buy"])
            sub = {"Uniqlo": "Clothing", "Best Buy": "Electronics"}.get(store, "Shopping")
            bought = self.spend(self.card, day, 15, 180, store, sub)
            if rng.random() < 0.2:  # sent back: a refund into the same category
                back = day + datetime.timedelta(days=rng.randint(5, 15))
                if back <= self.today:
                    self.add(self.card, back, -bought.amount, f"{store} refund", sub)
        if rng.random() < 0.04:
            self.spend(
                self.card,
                day,
                12,
                60,
                rng.choice(["AMC Theatres", "Ticketmaster"]),
                "Entertainment",
            )
        if day.day == 27:
            self.spend(self.card, day, 30, 55, "Snip Barbers", "Personal care")
        if rng.random() < 0.015:
            self.spend(self.card, day, 20, 140, "CVS Pharmacy", "Health", tags=("reimbursable",))
        if rng.random() < 0.012:
            self.spend(self.card, day, 12, 90, "Bookshop.org", "Education")

        # December: gifts and a donation.
        if december and 1 <= day.day <= 23 and rng.random() < 0.3:
            self.spend(
                self.card,
                day,
                25,
                220,
                rng.choice(["Amazon", "Etsy", "Macy's"]),
                "Gifts & Donations",
                tags=("holidays",),
            )
        if december and day.day == 28:
            self.add(self.checking, day, -money("100.00"), "Red Cross", "Gifts & Donations")

        # A trip to Europe each June: money moved to the EUR card, spent in EUR.
        if day.month == 6 and day.day == 1:
            self.move(self.checking, self.travel, day, money("1300.00"), money("1196.40"))
        if day.month == 6 and 10 <= day.day <= 19:
            self.spend(
                self.travel,
                day,
                18,
                70,
                rng.choice(["Trattoria Roma", "Café de Flore"]),
                "Restaurants",
                tags=("vacation",),
            )
            if day.day == 10:
                self.add(
                    self.travel,
                    day,
                    -money("640.00"),
                    "Hotel Lumière",
                    "Lodging",
                    tags=("vacation",),
                )
            if rng.random() < 0.5:
                self.spend(
                    self.travel, day, 3, 25, "RATP Metro", "Public transport", tags=("vacation",)
                )
        if day.month == 5 and day.day == 20:
            self.add(self.card, day, -money("684.00"), "Lufthansa", "Travel", tags=("vacation",))

        # Money between accounts: savings, cash, paying the card; interest on savings.
        if day.day == 2:
            self.move(self.checking, self.savings_acc, day, money("900.00"))
            self.savings += Decimal("900")
        if day.day == 10:
            self.move(self.checking, self.cash, day, money("100.00"))
        if day.day == 25 and self.card_owed > 0:
            self.move(self.checking, self.card, day, money(self.card_owed))
        if day.day == 28:
            interest = money(self.savings * Decimal("0.04") / 12)
            self.savings += interest
            self.add(self.savings_acc, day, interest, "Interest", "Interest & Dividends")
        if rng.random() < 0.01:
            self.add(self.checking, day, -money("3.00"), "ATM fee", "Fees")

    def _write(self) -> int:
        plan = self.plan
        transfers = Transfer.objects.bulk_create([t for t, _, _ in plan.transfers])
        for transfer, (_, out, into) in zip(transfers, plan.transfers, strict=True):
            out.transfer = into.transfer = transfer
        created = Transaction.objects.bulk_create(plan.rows, batch_size=1000)
        # bulk_create sends no signals: cached aggregates must hear of these months.
        ledger_touched(user_id=self.user.pk, dates={txn.date for txn in created})
        through = Transaction.tags.through
        through.objects.bulk_create(
            [through(transaction_id=txn.pk, tag_id=self.tag[name].pk) for txn, name in plan.tags],
            batch_size=1000,
        )
        return len(created)
