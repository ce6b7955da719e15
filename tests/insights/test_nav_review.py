"""The main navigation: the Review item; the data pages belong to Settings."""

import re

import pytest
from django.urls import reverse

from tests.ledger.factories import make_account, make_transaction


def side_nav(html: str) -> str:
    side = html[html.index('<nav class="side-nav"') :]
    return side[: side.index("</nav>")]


def highlighted(client, url: str) -> list[str]:
    html = client.get(url).content.decode()
    return re.findall(r'aria-current="page">.*?<span>([^<]+)</span>', side_nav(html), re.S)


@pytest.mark.parametrize(
    ("name", "current"),
    [
        ("insights:review", "Review"),
        ("ledger:data", "Settings"),
        ("ledger:data-delete-account", "Settings"),
        ("ledger:transaction-list", "Transactions"),
        ("ledger:account-list", "Accounts"),
        ("insights:insights", "Insights"),
    ],
)
def test_each_page_highlights_its_section(alice_client, name, current):
    assert highlighted(alice_client, reverse(name)) == [current]


def test_goodbye_highlights_settings(alice_client):
    # A signed-out visitor sees no side navigation; a signed-in one sees Settings.
    html = alice_client.get(reverse("ledger:goodbye")).content.decode()
    if '<nav class="side-nav"' in html:
        assert highlighted(alice_client, reverse("ledger:goodbye")) == ["Settings"]


def test_review_sits_after_transactions(alice_client):
    nav = side_nav(alice_client.get(reverse("ledger:transaction-list")).content.decode())
    assert nav.index("<span>Transactions</span>") < nav.index("<span>Review</span>")
    assert f'href="{reverse("insights:review")}"' in nav


def test_review_has_no_count_badge_so_pages_keep_their_query_budget(alice, alice_client):
    make_transaction(make_account(alice), payee="Mystery")
    nav = side_nav(alice_client.get(reverse("ledger:transaction-list")).content.decode())
    assert "<span>Review</span></a>" in nav


def test_the_settings_tabs_link_to_the_data_tab(alice_client):
    page = alice_client.get(reverse("accounts:settings")).content.decode()
    assert f'href="{reverse("ledger:data")}"' in page
    data = alice_client.get(reverse("ledger:data")).content.decode()
    assert 'aria-label="Settings sections"' in data
    assert re.search(r'href="/settings/data/"\s+aria-current="page"', data)
