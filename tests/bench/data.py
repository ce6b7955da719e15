"""The benchmark data set, loaded with COPY (not the ORM): 1,000 users and 1M transactions
over three years, one user holding 100k and one holding 1k, plus 200 rules for the big one.

Deterministic (random.Random(7)), so two runs measure the same rows.
"""

import datetime
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.utils import timezone

BIG_USER, SMALL_USER = 1, 2
PASSWORD = "bench-password-1"

# (payee, raw description, category name, low, high, monthly day or 0 for random)
MERCHANTS = [
    ("Whole Foods Market", "WHOLEFDS MKT #10234", "Groceries", 20, 160, 0),
    ("Trader Joe's", "TRADER JOE S #552", "Groceries", 15, 110, 0),
    ("Costco", "COSTCO WHSE #0481", "Groceries", 60, 320, 0),
    ("Safeway", "SAFEWAY #1733", "Groceries", 12, 95, 0),
    ("Starbucks", "STARBUCKS STORE 0815", "Coffee", 3, 9, 0),
    ("Blue Bottle Coffee", "SQ *BLUE BOTTLE 123 SF", "Coffee", 4, 8, 0),
    ("Chipotle", "CHIPOTLE 1187", "Restaurants", 10, 24, 0),
    ("Sushi Go", "SUSHI GO SF", "Restaurants", 25, 90, 0),
    ("DoorDash", "DOORDASH*THAI BASIL", "Restaurants", 18, 55, 0),
    ("Uber", "UBER *TRIP HELP.UBER.COM", "Transport", 7, 45, 0),
    ("Lyft", "LYFT *RIDE SAT 7PM", "Transport", 6, 38, 0),
    ("Shell", "SHELL OIL 57442", "Fuel", 25, 70, 0),
    ("Chevron", "CHEVRON 0093321", "Fuel", 25, 75, 0),
    ("Amazon", "AMZN Mktp US*2K4LM1", "Shopping", 8, 180, 0),
    ("Target", "TARGET T-1234", "Shopping", 10, 140, 0),
    ("Best Buy", "BESTBUY 00012", "Electronics", 30, 900, 0),
    ("Uniqlo", "UNIQLO USA 301", "Clothing", 20, 150, 0),
    ("CVS Pharmacy", "CVS/PHARMACY #0412", "Health", 5, 60, 0),
    ("Delta Air Lines", "DELTA AIR 0062345", "Travel", 150, 900, 0),
    ("Marriott", "MARRIOTT SFO", "Lodging", 120, 600, 0),
    ("AMC Theatres", "AMC 5532 ONLINE", "Entertainment", 12, 40, 0),
    ("Great Clips", "GREAT CLIPS #8821", "Personal care", 18, 40, 0),
    ("Netflix", "NETFLIX.COM", "Subscriptions", 15, 18, 5),
    ("Spotify", "SPOTIFY USA", "Subscriptions", 11, 12, 12),
    ("Comcast", "COMCAST CABLE COMM", "Phone & Internet", 60, 90, 18),
    ("PG&E", "PGANDE WEB ONLINE", "Bills & Utilities", 50, 180, 20),
    ("Parkside Apartments", "PARKSIDE APTS RENT", "Rent", 1800, 1800, 1),
    ("ACME Corp", "ACME CORP PAYROLL PPD", "Salary", -3200, -3200, 15),
    ("ACME Corp", "ACME CORP PAYROLL PPD", "Salary", -3200, -3200, 28),
]
RANDOM_MERCHANTS = [m for m in MERCHANTS if m[5] == 0]
MONTHLY = [m for m in MERCHANTS if m[5]]


@dataclass(frozen=True)
class Scale:
    users: int
    big: int  # transactions of the big user
    small: int  # transactions of the small user
    total: int  # transactions in all
    rules: int = 200

    @property
    def name(self) -> str:
        return f"{self.total // 1000}k"


FULL = Scale(users=1000, big=100_000, small=1_000, total=1_000_000)
QUICK = Scale(users=100, big=10_000, small=1_000, total=100_000)
TINY = Scale(users=4, big=600, small=200, total=1_000, rules=20)


def _copy(model_label: str, rows: Iterable[dict]) -> int:
    """COPY rows into a model's table; columns the row leaves out take the field default."""
    model = apps.get_model(model_label)
    fields = list(model._meta.concrete_fields)
    columns = [f.column for f in fields]
    defaults = {}
    for f in fields:
        if f.has_default():
            value = f.get_default()
            defaults[f.attname] = (
                json.dumps(value) if f.get_internal_type() == "JSONField" else value
            )
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = timezone.now()
        elif f.null:
            defaults[f.attname] = None
        elif f.get_internal_type() in ("CharField", "TextField"):
            defaults[f.attname] = ""
    count = 0
    sql = f'COPY "{model._meta.db_table}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) FROM STDIN'
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor underneath
        with raw.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [row[f.attname] if f.attname in row else defaults[f.attname] for f in fields]
                )
                count += 1
    return count


def _reset_sequences(*labels: str) -> None:
    with connection.cursor() as cursor:
        for label in labels:
            table = apps.get_model(label)._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 1))'
            )


def counts_per_user(scale: Scale) -> list[int]:
    rest = scale.total - scale.big - scale.small
    others = scale.users - 2
    base, extra = divmod(rest, others)
    return [scale.big, scale.small] + [base + (1 if i < extra else 0) for i in range(others)]


def generate(scale: Scale, *, today: datetime.date | None = None) -> dict:
    """Load the whole data set into the (empty, migrated) current database."""
    from django.contrib.auth.hashers import make_password

    from ledger.services.categories import DEFAULT_CATEGORIES

    rng = random.Random(7)
    today = today or datetime.date.today()
    start = today - datetime.timedelta(days=3 * 365)
    now = timezone.now()
    password = make_password(PASSWORD)
    per_user = counts_per_user(scale)

    _copy(
        "accounts.User",
        (
            {"id": u, "email": f"user{u}@bench.invalid", "password": password, "date_joined": now}
            for u in range(1, scale.users + 1)
        ),
    )
    _copy(
        "accounts.Profile",
        (
            {"id": u, "user_id": u, "display_name": f"User {u}", "onboarded_at": now}
            for u in range(1, scale.users + 1)
        ),
    )
    # Categories: the default set for everyone, with ids we can compute.
    names: list[tuple[str, str, str, str | None]] = []  # name, kind, color, parent name
    for name, kind, color, _icon, subs in DEFAULT_CATEGORIES:
        names.append((name, kind, color, None))
        names.extend((child, kind, color, name) for child, _ in subs)
    per = len(names)

    def category_rows() -> Iterator[dict]:
        for u in range(1, scale.users + 1):
            base = (u - 1) * per
            index = {n[0]: base + i + 1 for i, n in enumerate(names)}
            for i, (name, kind, color, parent) in enumerate(names):
                yield {
                    "id": base + i + 1,
                    "user_id": u,
                    "name": name,
                    "kind": kind,
                    "color": color,
                    "parent_id": index[parent] if parent else None,
                }

    _copy("ledger.Category", category_rows())

    def category_id(user: int, name: str) -> int:
        return (user - 1) * per + [n[0] for n in names].index(name) + 1

    cat_index = {n[0]: i for i, n in enumerate(names)}
    # Two accounts each: checking and a credit card.
    _copy(
        "ledger.Account",
        (
            row
            for u in range(1, scale.users + 1)
            for row in (
                {
                    "id": 2 * u - 1,
                    "user_id": u,
                    "name": "Checking",
                    "type": "checking",
                    "currency": "USD",
                    "opening_balance": Decimal("2500.00"),
                    "created_at": now,
                },
                {
                    "id": 2 * u,
                    "user_id": u,
                    "name": "Credit card",
                    "type": "credit_card",
                    "currency": "USD",
                    "opening_balance": Decimal("0"),
                    "created_at": now,
                },
            )
        ),
    )

    days = (today - start).days

    def transaction_rows() -> Iterator[dict]:
        txn_id = 0
        for u, count in enumerate(per_user, start=1):
            base = (u - 1) * per
            monthly_budget = count // 36  # rows per month
            fixed = min(len(MONTHLY), max(0, monthly_budget // 3))
            for n in range(count):
                txn_id += 1
                if fixed and n % monthly_budget < fixed:
                    payee, desc, cat, low, high, dom = MONTHLY[n % monthly_budget]
                    month = n // monthly_budget
                    day = min(start + datetime.timedelta(days=month * 30 + dom), today)
                else:
                    payee, desc, cat, low, high, dom = rng.choice(RANDOM_MERCHANTS)
                    day = start + datetime.timedelta(days=rng.randrange(days))
                cents = (
                    rng.randint(int(low * 100), int(high * 100)) if low != high else int(low * 100)
                )
                amount = -Decimal(cents) / 100
                categorized = rng.random() < 0.9
                yield {
                    "id": txn_id,
                    "user_id": u,
                    "account_id": 2 * u
                    - (1 if amount > 0 or cat in ("Rent", "Bills & Utilities") else 0),
                    "date": day,
                    "amount": amount,
                    "payee": payee,
                    "description": f"{desc} {day:%m/%d}",
                    "category_id": base + cat_index[cat] + 1 if categorized else None,
                    "categorized_by": "manual" if categorized else "",
                    "source": "file",
                    "created_at": now,
                    "updated_at": now,
                }

    total = _copy("ledger.Transaction", transaction_rows())

    # 200 rules for the big user: a realistic mix of contains/starts-with/regex/amount rules.
    words = [m[0].split()[0].upper() for m in MERCHANTS] + [
        f"SHOP{i:03d}" for i in range(scale.rules)
    ]
    ops = ["contains", "starts_with", "equals", "regex", "ends_with"]

    def rule_rows() -> Iterator[dict]:
        for i in range(scale.rules):
            op = ops[i % len(ops)]
            word = words[i % len(words)]
            value = f"^{word}\\b" if op == "regex" else word
            conditions = [{"field": "description", "op": op, "value": value}]
            if i % 7 == 0:
                conditions.append({"field": "amount", "op": "less", "value": "-20"})
            yield {
                "id": i + 1,
                "user_id": BIG_USER,
                "name": f"Rule {i + 1}",
                "priority": i,
                "match_all": True,
                "conditions": json.dumps(conditions),
                "set_category_id": category_id(BIG_USER, "Other"),
                "stop_processing": True,
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            }

    rules = _copy("ledger.Rule", rule_rows())
    _reset_sequences(
        "accounts.User",
        "accounts.Profile",
        "ledger.Category",
        "ledger.Account",
        "ledger.Transaction",
        "ledger.Rule",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"users": scale.users, "transactions": total, "rules": rules}
