"""A built-in demo bank: no credentials, realistic and deterministic activity over time.

Every sync brings something new (the days since the last sync, plus a fresh purchase), pending
transactions from the previous sync post (removed, then added again with
pending_transaction_id), and now and then one is modified or removed, so a new user can try
bank sync offline through exactly the pipeline that real banks use.

The cursor carries all the state: "v1:<last synced day>:<run number>[:<page offset>]".
"""

import dataclasses
import datetime
import hashlib
import random
import secrets
from decimal import Decimal

from django.utils import timezone

from banking.provider_categories import primary_of
from banking.providers.base import (
    LinkResult,
    ProviderAccount,
    ProviderError,
    ProviderTransaction,
    SyncPage,
)

HISTORY_DAYS = 60
PENDING_DAYS = 2
PAGE_SIZE = 100
CHECKING, CARD = "chk", "card"
ACCESS_PREFIX, ITEM_PREFIX = "demo-access-", "demo-item-"

# (payee, raw bank description, low, high, account, Plaid-style category hint, daily chance)
MERCHANTS = [
    (
        "Blue Bottle Coffee",
        "SQ *BLUE BOTTLE 123 SF",
        "3.50",
        "7.25",
        CARD,
        "FOOD_AND_DRINK_COFFEE",
        0.45,
    ),
    (
        "Whole Foods Market",
        "WHOLEFDS MKT #10234",
        "28.00",
        "145.00",
        CARD,
        "FOOD_AND_DRINK_GROCERIES",
        0.3,
    ),
    ("Shell", "SHELL OIL 57442", "25.00", "62.00", CARD, "TRANSPORTATION_GAS", 0.12),
    (
        "Uber",
        "UBER *TRIP HELP.UBER.COM",
        "8.00",
        "34.00",
        CARD,
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        0.2,
    ),
    (
        "Amazon",
        "AMZN Mktp US*2K4LM1",
        "9.99",
        "120.00",
        CARD,
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        0.18,
    ),
    ("Chipotle", "CHIPOTLE 1187", "10.50", "18.75", CARD, "FOOD_AND_DRINK_RESTAURANT", 0.15),
    (
        "CVS Pharmacy",
        "CVS/PHARMACY #0412",
        "5.00",
        "40.00",
        CARD,
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        0.06,
    ),
    (
        "Trader Joe's",
        "TRADER JOE S #552",
        "22.00",
        "90.00",
        CHECKING,
        "FOOD_AND_DRINK_GROCERIES",
        0.12,
    ),
]
# (day of month, payee, description, amount, account, hint)
MONTHLY = [
    (1, "ACME Corp", "ACME CORP PAYROLL PPD", "2450.00", CHECKING, "INCOME_WAGES"),
    (15, "ACME Corp", "ACME CORP PAYROLL PPD", "2450.00", CHECKING, "INCOME_WAGES"),
    (
        3,
        "Parkside Apartments",
        "PARKSIDE APTS RENT WEB PMT",
        "-1850.00",
        CHECKING,
        "RENT_AND_UTILITIES_RENT",
    ),
    (5, "Netflix", "NETFLIX.COM", "-15.49", CARD, "ENTERTAINMENT_TV_AND_MOVIES"),
    (12, "Spotify", "SPOTIFY USA", "-11.99", CARD, "ENTERTAINMENT_MUSIC_AND_AUDIO"),
    (
        20,
        "Con Edison",
        "CON ED OF NY INTELL CK",
        "-84.20",
        CHECKING,
        "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
    ),
    (
        25,
        "Demo Rewards Card",
        "PAYMENT THANK YOU",
        "600.00",
        CARD,
        "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    ),
]


def _cents(rng: random.Random, low: str, high: str) -> Decimal:
    lo, hi = int(Decimal(low) * 100), int(Decimal(high) * 100)
    return Decimal(rng.randint(lo, hi)) / 100


class DemoBank:
    name = "demo"
    label = "Demo Bank"

    def is_configured(self) -> bool:
        return True

    def link_start(
        self, *, user_id: int, access_token: str | None = None, new_accounts: bool = False
    ) -> dict:
        return {"provider": self.name}

    def link_finish(self, *, public_token: str) -> LinkResult:
        token = secrets.token_hex(8)
        return LinkResult(
            access_token=f"{ACCESS_PREFIX}{token}",
            item_id=f"{ITEM_PREFIX}{token}",
            institution_id="ins_demo",
            institution_name="Demo Bank",
        )

    def accounts(self, *, access_token: str) -> list[ProviderAccount]:
        self._check(access_token)
        return [
            ProviderAccount(CHECKING, "Demo Everyday Checking", "checking", "USD", "0001"),
            ProviderAccount(CARD, "Demo Rewards Card", "credit_card", "USD", "0002"),
        ]

    def remove(self, *, access_token: str) -> None:
        self._check(access_token)

    def recover_access_token(self, *, item_id: str) -> str | None:
        # The demo token guards nothing and follows from the item id, so a stored one that
        # no key opens (SECRET_KEY changed) is simply made again, with the same activity.
        if not item_id.startswith(ITEM_PREFIX) or len(item_id) == len(ITEM_PREFIX):
            return None
        return ACCESS_PREFIX + item_id.removeprefix(ITEM_PREFIX)

    def sync(self, *, access_token: str, cursor: str) -> SyncPage:
        self._check(access_token)
        seed = hashlib.sha256(access_token.encode()).hexdigest()[:12]
        today = timezone.localdate()
        if cursor:
            try:
                parts = cursor.split(":")
                last_day = datetime.date.fromisoformat(parts[1]) if parts[1] else None
                run = int(parts[2])
                offset = int(parts[3]) if len(parts) > 3 else 0
                target = datetime.date.fromisoformat(parts[4]) if len(parts) > 4 else today
            except (IndexError, ValueError):
                raise ProviderError("The demo bank did not understand the sync cursor.") from None
        else:
            last_day, run, offset, target = None, 0, 0, today
        added, modified, removed = self._changes(seed, last_day, run, target)
        # One ordered change list, paged; the page boundaries fall inside it deterministically.
        changes = (
            [("removed", t) for t in removed]
            + [("added", t) for t in added]
            + [("modified", t) for t in modified]
        )
        chunk = changes[offset : offset + PAGE_SIZE]
        page = SyncPage()
        for kind, item in chunk:
            getattr(page, kind).append(item)
        if offset + PAGE_SIZE < len(changes):
            page.has_more = True
            base = last_day.isoformat() if last_day else ""
            page.next_cursor = f"v1:{base}:{run}:{offset + PAGE_SIZE}:{target.isoformat()}"
        else:
            page.next_cursor = f"v1:{target.isoformat()}:{run + 1}"
        return page

    # --- generation ---------------------------------------------------------------------

    def _check(self, access_token: str) -> None:
        if not access_token.startswith(ACCESS_PREFIX):
            raise ProviderError("This is not a demo bank connection.", code="INVALID_ACCESS_TOKEN")

    def _day(self, seed: str, day: datetime.date) -> list[ProviderTransaction]:
        rng = random.Random(f"{seed}:{day.isoformat()}")
        rows: list[tuple[str, str, Decimal, str, str]] = []
        for dom, payee, desc, amount, account, hint in MONTHLY:
            if day.day == dom:
                rows.append((payee, desc, Decimal(amount), account, hint))
        for payee, desc, low, high, account, hint, chance in MERCHANTS:
            if rng.random() < chance:
                rows.append((payee, desc, -_cents(rng, low, high), account, hint))
        if not rows:  # nobody goes a whole day without a coffee
            payee, desc, low, high, account, hint, _chance = MERCHANTS[0]
            rows.append((payee, desc, -_cents(rng, low, high), account, hint))
        if day.month == 12 and rng.random() < 0.5:
            rows.append(
                (
                    "Macy's",
                    "MACYS .COM",
                    -_cents(rng, "40", "220"),
                    CARD,
                    "GENERAL_MERCHANDISE_DEPARTMENT_STORES",
                )
            )
        return [
            ProviderTransaction(
                id=f"demo-{seed}-{day.isoformat()}-{i}",
                account_id=account,
                date=day,
                amount=amount,
                payee=payee,
                description=desc,
                currency="USD",
                category_hint=hint,
                category_primary=primary_of(hint),
            )
            for i, (payee, desc, amount, account, hint) in enumerate(rows)
        ]

    def _window(self, seed: str, start: datetime.date, end: datetime.date, today: datetime.date):
        day = start
        while day <= end:
            for txn in self._day(seed, day):
                if (today - day).days < PENDING_DAYS:
                    yield _replace(txn, id=txn.id + "-p", pending=True)
                else:
                    yield txn
            day += datetime.timedelta(days=1)

    def _changes(self, seed: str, last_day: datetime.date | None, run: int, today: datetime.date):
        if last_day is None:
            start = today - datetime.timedelta(days=HISTORY_DAYS)
            return list(self._window(seed, start, today, today)), [], []
        added: list[ProviderTransaction] = []
        removed: list[str] = []
        # What was pending at the last sync posts now, or stays pending if still recent.
        start = last_day - datetime.timedelta(days=PENDING_DAYS - 1)
        for old in self._window(seed, start, last_day, last_day):
            if not old.pending:
                continue
            posted_id = old.id[:-2]
            if (today - old.date).days >= PENDING_DAYS:
                removed.append(old.id)
                added.append(
                    _replace(old, id=posted_id, pending=False, pending_transaction_id=old.id)
                )
        if last_day < today:
            added.extend(self._window(seed, last_day + datetime.timedelta(days=1), today, today))
        # Something new on every sync, even twice in a day.
        rng = random.Random(f"{seed}:run:{run}")
        added.append(
            ProviderTransaction(
                id=f"demo-{seed}-run{run}",
                account_id=CARD,
                date=today,
                amount=-_cents(rng, "3.50", "6.50"),
                payee="Blue Bottle Coffee",
                description="SQ *BLUE BOTTLE 123 SF",
                pending=False,
                currency="USD",
                category_hint="FOOD_AND_DRINK_COFFEE",
                category_primary="FOOD_AND_DRINK",
            )
        )
        modified: list[ProviderTransaction] = []
        older = self._day(seed, last_day - datetime.timedelta(days=7))
        if older and run % 2 == 1:
            t = older[0]
            modified.append(_replace(t, description=t.description + " (corrected)"))
        if run % 4 == 3:
            gone = self._day(seed, last_day - datetime.timedelta(days=9))
            removed.extend(t.id for t in gone[-1:])
        return added, modified, removed


def _replace(txn: ProviderTransaction, **changes) -> ProviderTransaction:
    return dataclasses.replace(txn, **changes)
