"""How pages write dates and counts: `{% load formats %}` and the pages that use it."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts.preferences import override_number_format
from ledger.money import format_count
from tests.ledger.factories import make_account, make_transaction, make_transactions

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load formats %}" + source).render(Context(context))


def test_dates_are_day_month_year_and_read_iso_strings_too() -> None:
    assert render("{{ d|day }}", d=datetime.date(2026, 12, 6)) == "6 Dec 2026"
    assert render("{{ d|day_month }}", d=datetime.date(2026, 12, 6)) == "6 Dec"
    # Dates kept in JSON (an import's preview rows) arrive as ISO strings.
    assert render("{{ d|day }}", d="2025-03-04") == "4 Mar 2025"
    assert render("{{ d|day }}", d="not a date") == "not a date"
    assert render("{{ d|day }}", d=None) == ""


def test_a_moment_is_written_in_the_current_time_zone(settings) -> None:
    moment = datetime.datetime(2026, 12, 6, 23, 30, tzinfo=datetime.UTC)
    with timezone.override("Europe/Paris"):
        assert render("{{ m|day_time }}", m=moment) == "7 Dec 2026, 00:30"
        assert render("{{ m|day }}", m=moment) == "7 Dec 2026"


@pytest.mark.parametrize(
    ("number_format", "expected"),
    [("en", "5,500 · 1,234,567"), ("eu", "5.500 · 1.234.567"), ("in", "5,500 · 12,34,567")],
)
def test_counts_are_grouped_in_the_active_number_format(number_format, expected) -> None:
    with override_number_format(number_format):
        assert render("{% count a %} · {% count b %}", a=5500, b=1234567) == expected


def test_a_count_without_a_signed_in_user_is_grouped_with_commas() -> None:
    assert render("{% count n %}|{% count small %}|{% count none %}", n=12000, small=7) == (
        "12,000|7|"
    )
    assert format_count(-1500) == "-1,500"


def test_the_transaction_list_groups_the_count_of_transactions(alice_client, alice) -> None:
    account = make_account(alice, name="Checking")
    make_transactions(account, 1200)

    page = alice_client.get(reverse("ledger:transaction-list")).content.decode()

    assert "USD · 1,200 transactions" in page


def test_the_register_and_the_list_write_dates_the_same_way(alice_client, alice) -> None:
    account = make_account(alice, name="Checking", opening_date=datetime.date(2025, 3, 4))
    make_transaction(account, date=datetime.date(2026, 12, 6), payee="Bakery")

    register = alice_client.get(reverse("ledger:account-detail", args=[account.pk]))
    listing = alice_client.get(reverse("ledger:transaction-list"))

    assert "on 4 Mar 2025" in register.content.decode()  # the opening date
    for page in (register.content.decode(), listing.content.decode()):
        assert "6 Dec<span" in page  # the date column: day and month, the year under them
        assert "Dec 6" not in page and "Dec. 6" not in page
    assert "6 Dec 2026 ·" in register.content.decode()  # under the payee on a phone
