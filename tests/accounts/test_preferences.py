"""The signed-in user's number format and time zone (Settings -> Profile) apply to every page
(accounts.middleware.PreferencesMiddleware); forms, CSV, the API and work outside a request
keep the machine format and UTC."""

import datetime
import html
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from ledger.models import ImportBatch
from ledger.money import format_money
from tests.ledger.factories import make_account, make_transaction, make_transactions

pytestmark = pytest.mark.django_db

LIST = reverse("ledger:transaction-list")
HISTORY = reverse("banking:import-history")
IMPORTED_AT = datetime.datetime(2026, 3, 1, 12, 5, tzinfo=datetime.UTC)


def prefer(user, **fields) -> None:
    Profile.objects.filter(user=user).update(**fields)


@pytest.fixture
def bakery(alice):
    account = make_account(alice, name="Checking")
    return make_transaction(account, amount="-1234.50", payee="Bakery")


@pytest.fixture
def batch(alice) -> ImportBatch:
    return ImportBatch.objects.create(
        user=alice, file_name="march.csv", state="committed", added=3, committed_at=IMPORTED_AT
    )


@pytest.mark.parametrize(
    ("number_format", "amount"),
    [("en", "-$1,234.50"), ("eu", "-$1.234,50"), ("ch", "-$1'234.50"), ("fr", "-$1\u202f234,50")],
)
def test_amounts_on_pages_are_written_in_the_users_number_format(
    alice, alice_client, bakery, number_format, amount
) -> None:
    prefer(alice, number_format=number_format)

    listing, accounts, register = (
        html.unescape(alice_client.get(url).content.decode())  # ' arrives as &#x27;
        for url in (
            LIST,
            reverse("ledger:account-list"),
            reverse("ledger:account-detail", args=[bakery.account_id]),
        )
    )

    assert amount in listing  # the row and the page's total
    assert amount in accounts  # the balance
    assert amount in register
    if number_format != "en":
        for page in (listing, accounts, register):
            assert "1,234.50" not in page


def test_counts_and_amounts_on_one_page_are_grouped_alike(alice, alice_client) -> None:
    prefer(alice, number_format="eu")
    make_transactions(make_account(alice, name="Checking"), 1200, amount="-1.50")

    page = alice_client.get(LIST).content.decode()

    assert "USD · 1.200 transactions" in page
    assert "-$1.800,00" in page  # the total of the 1,200 rows


def test_forms_csv_and_the_api_keep_the_machine_format(alice, alice_client, bakery) -> None:
    prefer(alice, number_format="eu", timezone="Asia/Tokyo")

    form = alice_client.get(reverse("ledger:transaction-edit", args=[bakery.pk])).content.decode()
    csv = alice_client.get(reverse("ledger:transaction-export")).content.decode()
    api = alice_client.get(f"/api/v1/transactions/{bakery.pk}").json()

    assert 'name="amount" value="1234.50"' in form  # the sign is the form's direction
    assert ",USD,-1234.50," in csv
    assert api["amount"] == "-1234.50"
    # The API answers in UTC whoever asks, with the browser's session as with a token.
    assert api["created_at"].endswith("Z"), api["created_at"]


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("UTC", "1 Mar 2026, 12:05"), ("Asia/Tokyo", "1 Mar 2026, 21:05"),
     ("America/Los_Angeles", "1 Mar 2026, 04:05")],
)  # fmt: skip
def test_times_are_shown_in_the_users_time_zone(alice, alice_client, batch, zone, shown) -> None:
    prefer(alice, timezone=zone)

    history = alice_client.get(HISTORY).content.decode()
    detail = alice_client.get(reverse("banking:import-detail", args=[batch.pk])).content.decode()

    assert shown in history
    assert f"Imported on {shown} by alice@example.com" in detail


def test_a_time_zone_this_machine_does_not_know_shows_utc(alice, alice_client, batch) -> None:
    prefer(alice, timezone="Mars/Olympus_Mons")  # written past the form, which refuses it

    response = alice_client.get(HISTORY)

    assert response.status_code == 200
    assert "1 Mar 2026, 12:05" in response.content.decode()


def test_after_a_request_the_defaults_are_back(alice, alice_client, batch) -> None:
    prefer(alice, number_format="eu", timezone="Asia/Tokyo")

    assert "1 Mar 2026, 21:05" in alice_client.get(HISTORY).content.decode()

    # Emails, tasks and commands run outside a request: "en" and settings.TIME_ZONE.
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert Template("{% load money formats %}{{ a|money:'EUR' }} {% count n %}").render(
        Context({"a": Decimal("-1234.5"), "n": 5500})
    ) == ("-€1,234.50 5,500")
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_stranger_sees_his_own_format_not_the_last_users(alice, bob, alice_client, bob_client):
    prefer(alice, number_format="eu")
    make_transaction(make_account(alice), amount="-1234.50", payee="Alice's")
    make_transaction(make_account(bob), amount="-1234.50", payee="Bob's")

    assert "-$1.234,50" in alice_client.get(LIST).content.decode()
    assert "-$1,234.50" in bob_client.get(LIST).content.decode()


def test_the_profile_is_read_once_per_page(alice, alice_client, bakery, batch) -> None:
    prefer(alice, number_format="eu", timezone="Asia/Tokyo")
    alice_client.get(LIST)  # onboarding is remembered in the session from here on
    for url in (
        LIST,
        reverse("ledger:account-list"),
        HISTORY,
        reverse("insights:dashboard"),
        reverse("budgets:budget-list"),
        reverse("accounts:settings"),
        reverse("accounts:tokens"),
    ):
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        reads = [q["sql"] for q in captured if 'FROM "accounts_profile"' in q["sql"]]
        assert len(reads) == 1, (url, reads)


def test_the_first_page_of_a_session_asks_for_the_profile_once(alice, alice_client, bakery):
    """The onboarding check reads the profile the page loads anyway, not a query of its own."""
    with CaptureQueriesContext(connection) as captured:
        alice_client.get(LIST)
    assert sum('"accounts_profile"' in q["sql"] for q in captured) == 1


def test_a_new_user_is_still_sent_to_onboarding(client) -> None:
    from accounts.models import User
    from accounts.services import profile_get_or_create

    user = User.objects.create_user("new@example.com", "a long enough password 9")
    Profile.objects.filter(user=user).delete()
    profile_get_or_create(user, onboarded=False)
    client.force_login(user)

    response = client.get(LIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:onboarding"))


@pytest.mark.parametrize(
    ("zone", "today", "this_month"),
    [("Pacific/Auckland", "2026-04-01", "April rent"), ("UTC", "2026-03-31", "March rent"),
     ("America/Los_Angeles", "2026-03-31", "March rent")],
)  # fmt: skip
def test_today_stays_the_users_day_with_their_time_zone_active(
    alice, alice_client, zone, today, this_month
) -> None:
    prefer(alice, timezone=zone)
    account = make_account(alice, name="Checking")
    make_transaction(account, payee="March rent", date=datetime.date(2026, 3, 15))
    make_transaction(account, payee="April rent", date=datetime.date(2026, 4, 1))
    late = datetime.datetime(2026, 3, 31, 23, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))

    with time_machine.travel(late, tick=False):
        form = alice_client.get(reverse("ledger:transaction-create"))
        listing = alice_client.get(LIST, {"period": "month"})

    assert form.context["form"]["date"].value() == datetime.date.fromisoformat(today)
    assert [t.payee for t in listing.context["page_obj"]] == [this_month]
