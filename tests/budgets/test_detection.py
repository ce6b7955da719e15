import datetime
import random
from decimal import Decimal

from budgets.detection import (
    Row,
    detect_series,
    normalise_payee,
    payees_similar,
    subscriptions_detect,
)
from budgets.services.recurring import recurring_create
from ledger.filters import add_months
from tests.ledger.factories import make_transaction

D = datetime.date
TODAY = D(2026, 6, 20)


def _history() -> list[Row]:
    rng = random.Random(7)
    rows: list[Row] = []
    ids = iter(range(1, 10_000))

    def add(day, amount, payee, account=1, category=None):
        rows.append(Row(next(ids), day, Decimal(amount), payee, account, category, "USD"))

    for n in range(14):  # monthly, fixed price with a rise in March 2026
        day = add_months(D(2025, 5, 3), n) + datetime.timedelta(days=rng.randint(0, 2))
        add(
            day,
            "-17.99" if day >= D(2026, 3, 1) else "-15.49",
            f"NETFLIX.COM {rng.randint(100, 999)}",
            category=5,
        )
    for n in range(12):  # monthly, varying a little
        day = add_months(D(2025, 7, 15), n)
        add(day, str(-(Decimal("80") + Decimal(rng.randint(-6, 6)))), "City Power & Light")
    for n in range(40):  # weekly
        add(TODAY - datetime.timedelta(days=7 * n + 1), "-12.00", "Veg Box Weekly")
    add(D(2025, 9, 1), "-99.00", "Annual Domain")  # yearly, twice
    add(D(2026, 9, 1) - datetime.timedelta(days=366), "-99.00", "Annual Domain")
    for _ in range(200):  # noise: groceries at random days and amounts
        add(
            TODAY - datetime.timedelta(days=rng.randint(0, 400)),
            str(-Decimal(rng.randint(500, 9000)) / 100),
            "Corner Grocery",
        )
    for n in range(30):  # one-offs
        add(
            TODAY - datetime.timedelta(days=rng.randint(0, 400)),
            "-45.00",
            f"Shop number {chr(97 + n % 26)}{chr(97 + n // 26)}",
        )
    for n in range(6):  # a subscription that stopped last year
        add(add_months(D(2024, 9, 10), n), "-9.99", "Old Magazine")
    for n in range(12):  # income is not a subscription
        add(add_months(D(2025, 7, 25), n), "2500.00", "Employer")
    return rows


def test_it_finds_the_series_and_ignores_noise_and_one_offs():
    found = {s.key: s for s in detect_series(_history(), today=TODAY)}
    assert set(found) == {"netflix", "city power light", "veg box weekly"}
    netflix = found["netflix"]
    assert netflix.frequency == "monthly"
    assert netflix.fixed
    assert netflix.amount == Decimal("-17.99")
    assert netflix.yearly_cost == Decimal("215.88")
    assert str(netflix.price_change) == "went from 15.49 to 17.99 in March 2026"
    assert netflix.category_id == 5
    power = found["city power light"]
    assert (power.frequency, power.fixed, power.price_change) == ("monthly", False, None)
    assert found["veg box weekly"].frequency == "weekly"
    assert found["veg box weekly"].yearly_cost == Decimal("624.00")


def test_payee_names_are_normalised():
    assert normalise_payee("NETFLIX.COM 866-579") == "netflix"
    assert normalise_payee("POS CARD Spotify AB") == "spotify ab"
    assert payees_similar("Netflix", "NETFLIX.COM 866-579 CA")
    assert not payees_similar("Netflix", "Spotify")
    assert not payees_similar("", "Spotify")


def test_subscriptions_leave_out_what_is_tracked(alice, checking):
    for n in range(5):
        make_transaction(
            checking, amount="-9.99", payee="Spotify", date=add_months(D(2026, 2, 1), n)
        )
        make_transaction(
            checking, amount="-5.00", payee="Cloud Box", date=add_months(D(2026, 2, 3), n)
        )
    found = subscriptions_detect(user=alice, today=TODAY)
    assert {s.payee for s in found} == {"Spotify", "Cloud Box"}
    recurring_create(
        user=alice, payee="SPOTIFY", amount="-9.99", account=checking, start_date=D(2026, 7, 1)
    )
    assert [s.payee for s in subscriptions_detect(user=alice, today=TODAY)] == ["Cloud Box"]


def test_detection_reads_only_the_users_own_history(alice, bob, bob_account):
    for n in range(5):
        make_transaction(
            bob_account, amount="-9.99", payee="Spotify", date=add_months(D(2026, 2, 1), n)
        )
    assert subscriptions_detect(user=alice, today=TODAY) == []
