"""Connecting and reconnecting through Plaid Link (server side, against the stand-in), and the
schedule that syncs every item."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from banking.connections import BankItem
from banking.services.sync import bank_accounts_map, bank_item_connect
from tests.banking.plaid_standin import ACCOUNTS
from tests.banking.test_bank_sync import plaid  # noqa: F401 (fixture)


@pytest.fixture
def item(plaid, alice):  # noqa: F811
    public, remote = plaid.new_item()
    item = bank_item_connect(user=alice, provider_name="plaid", public_token=public)
    bank_accounts_map(user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()})
    item.remote = remote
    return item


def link_requests(plaid) -> list[dict]:  # noqa: F811
    return [body for path, body in plaid.requests if path == "/link/token/create"]


def test_the_link_token_asks_for_transactions_in_our_language_and_countries(
    plaid,  # noqa: F811
    alice,
    alice_client,
    settings,
):
    settings.PLAID_WEBHOOK_URL = "https://billfold.example/banking/plaid/webhook"
    settings.PLAID_COUNTRY_CODES = ["US", "CA"]
    response = alice_client.post(reverse("banking:plaid-link-token"))
    assert response.status_code == 200
    assert response.json()["link_token"].startswith("link-sandbox-")
    [sent] = link_requests(plaid)
    assert sent["products"] == ["transactions"]
    assert sent["country_codes"] == ["US", "CA"]
    assert sent["language"] == "en"
    assert sent["webhook"] == "https://billfold.example/banking/plaid/webhook"
    assert sent["user"] == {"client_user_id": str(alice.pk)}
    assert 1 <= sent["transactions"]["days_requested"] <= 730
    assert "access_token" not in sent


def test_reconnect_opens_link_in_update_mode_for_that_item(plaid, item, alice_client):  # noqa: F811
    response = alice_client.post(reverse("banking:plaid-link-token"), {"item": item.pk})
    assert response.status_code == 200
    [sent] = link_requests(plaid)
    assert sent["access_token"] == item.remote.access_token
    assert "products" not in sent and "update" not in sent


def test_link_token_refuses_a_strangers_item_and_nonsense(plaid, item, bob_client):  # noqa: F811
    url = reverse("banking:plaid-link-token")
    assert bob_client.post(url, {"item": item.pk}).status_code == 404
    bad = bob_client.post(url, {"item": "1 OR 1"})
    assert bad.status_code == 400 and "not a bank connection" in bad.json()["error"]
    assert link_requests(plaid) == []


def test_without_plaid_keys_the_link_token_says_how_to_turn_it_on(alice_client, settings):
    settings.PLAID_CLIENT_ID = settings.PLAID_SECRET = ""
    response = alice_client.post(reverse("banking:plaid-link-token"))
    assert response.status_code == 400
    assert "PLAID_CLIENT_ID" in response.json()["error"]


def test_the_public_token_is_exchanged_and_the_accounts_are_mapped_next(
    plaid,  # noqa: F811
    alice,
    alice_client,
):
    public, remote = plaid.new_item()
    response = alice_client.post(reverse("banking:plaid-exchange"), {"public_token": public})
    item = BankItem.objects.get(user=alice)
    assert response.json() == {
        "next": reverse("banking:connection-accounts", kwargs={"pk": item.pk})
    }
    assert (item.provider, item.item_id, item.institution_id) == (
        "plaid",
        remote.item_id,
        "ins_109508",
    )
    assert remote.access_token not in item.access_token_encrypted
    assert item.access_token == remote.access_token
    form = alice_client.get(response.json()["next"]).content.decode()
    assert "Plaid Checking ••0000" in form and "Plaid Credit Card ••3333" in form
    assert "(USD)" in form  # the currency the bank reported


def test_a_bad_public_token_is_a_plain_error_and_stores_nothing(
    plaid,  # noqa: F811
    alice,
    alice_client,
):
    url = reverse("banking:plaid-exchange")
    assert alice_client.post(url, {}).status_code == 400
    response = alice_client.post(url, {"public_token": "public-sandbox-nope"})
    assert response.status_code == 400 and "INVALID_PUBLIC_TOKEN" in response.json()["error"]
    assert not BankItem.objects.exists()


def test_an_item_that_needs_a_login_offers_reconnect_which_syncs_again(
    plaid,  # noqa: F811
    item,
    alice_client,
    django_capture_on_commit_callbacks,
):
    from banking.services.sync import bank_item_sync

    item.remote.login_required = True
    bank_item_sync(item_id=item.pk)
    page = alice_client.get(reverse("banking:connections")).content.decode()
    assert f'data-plaid-update="{item.pk}"' in page and "Reconnect" in page

    item.remote.login_required = False  # the user signed in again in Link
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("banking:connection-reconnect", args=[item.pk]))
    assert response.url == reverse("banking:connections")
    item.refresh_from_db()
    assert item.status == "ok" and item.last_synced_at is not None


def test_new_accounts_are_shared_through_reconnect_then_mapped(
    plaid,  # noqa: F811
    item,
    alice_client,
):
    item.new_accounts_available = True
    item.save()
    page = alice_client.get(reverse("banking:connections")).content.decode()
    assert "has new accounts" in page and f'data-plaid-update="{item.pk}"' in page

    alice_client.post(reverse("banking:plaid-link-token"), {"item": item.pk})
    [sent] = link_requests(plaid)
    assert sent["update"] == {"account_selection_enabled": True}

    savings = {
        **ACCOUNTS[0],
        "account_id": "acc-savings",
        "name": "Plaid Saving",
        "mask": "1111",
        "subtype": "savings",
    }
    item.remote.accounts = [*ACCOUNTS, savings]
    response = alice_client.post(reverse("banking:connection-reconnect", args=[item.pk]))
    assert response.url == reverse("banking:connection-accounts", args=[item.pk])
    item.refresh_from_db()
    assert not item.new_accounts_available
    new = item.accounts.get(provider_account_id="acc-savings")
    assert (new.type, new.account) == ("savings", None)
    form = alice_client.get(response.url).content.decode()
    assert "Plaid Saving ••1111" in form


def test_the_schedule_queues_items_due_and_only_those(alice, django_capture_on_commit_callbacks):
    from banking.tasks import bank_sync_due

    def demo(*, mapped: bool = True, **fields) -> BankItem:
        item = bank_item_connect(user=alice, provider_name="demo", public_token="demo")
        if mapped:
            bank_accounts_map(
                user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()}
            )
        BankItem.objects.filter(pk=item.pk).update(**fields)
        return item

    hours = datetime.timedelta(hours=1)
    never = demo()
    stale = demo(last_attempt_at=timezone.now() - 7 * hours)
    demo(last_attempt_at=timezone.now() - 5 * hours)  # synced recently
    demo(mapped=False)  # nowhere to put its transactions yet
    demo(status="login_required", last_attempt_at=timezone.now() - 7 * hours)
    assert bank_sync_due() == 2  # tasks run inline in tests: both synced now
    for item in (never, stale):
        item.refresh_from_db()
        assert item.last_synced_at is not None
    assert bank_sync_due() == 0
