"""Connections pages and the bank-items API: they work, need login, and refuse strangers."""

import pytest
from django.urls import reverse

from banking.connections import BankItem
from banking.services.sync import bank_accounts_map, bank_item_connect
from ledger.models import Account, Transaction
from tests.ledger.factories import make_transaction


@pytest.fixture
def demo_item(alice):
    item = bank_item_connect(user=alice, provider_name="demo", public_token="demo")
    bank_accounts_map(user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()})
    return item


def test_the_connections_page_offers_the_demo_bank_and_explains_plaid(alice_client):
    page = alice_client.get(reverse("banking:connections")).content.decode()
    assert "Connect the demo bank" in page
    assert "PLAID_CLIENT_ID" in page  # how to turn Plaid on
    assert "No banks connected yet" in page


def test_connecting_the_demo_bank_then_mapping_its_accounts_syncs_it(
    alice, alice_client, django_capture_on_commit_callbacks
):
    response = alice_client.post(reverse("banking:connect-demo"))
    item = BankItem.objects.get(user=alice)
    assert response.url == reverse("banking:connection-accounts", kwargs={"pk": item.pk})
    form = alice_client.get(response.url).content.decode()
    assert "Demo Everyday Checking" in form and "Demo Rewards Card" in form

    checking, card = item.accounts.order_by("name")
    existing = Account.objects.create(user=alice, name="My checking", currency="USD")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            response.url, {f"account_{checking.pk}": str(existing.pk), f"account_{card.pk}": "skip"}
        )
    assert response.status_code == 302
    checking.refresh_from_db()
    card.refresh_from_db()
    assert checking.account == existing and card.account is None
    # The first sync ran (tasks run inline in tests) into the chosen account only.
    assert Transaction.objects.filter(account=existing).exists()
    page = alice_client.get(reverse("banking:connections")).content.decode()
    assert "Demo Bank" in page and "added" in page


def test_sync_now_answers_with_a_status_url_that_reports_progress(
    alice_client, demo_item, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("banking:connection-sync", kwargs={"pk": demo_item.pk}),
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 202
    status = alice_client.get(response.json()["status_url"]).json()
    assert status["progress"]["state"] == "done"
    assert status["last_run"]["added"] > 0


def test_removing_asks_first_and_can_delete_the_transactions(
    alice, alice_client, demo_item, django_capture_on_commit_callbacks
):
    from banking.services.sync import bank_item_sync

    bank_item_sync(item_id=demo_item.pk)
    url = reverse("banking:connection-remove", kwargs={"pk": demo_item.pk})
    assert "Keep them" in alice_client.get(url).content.decode()
    alice_client.post(url, {"transactions": "delete"})
    assert not BankItem.objects.filter(pk=demo_item.pk).exists()
    assert not Transaction.objects.filter(user=alice, source="bank").exists()


def test_the_api_lists_items_and_starts_a_sync(
    alice_client, demo_item, django_capture_on_commit_callbacks
):
    listing = alice_client.get("/api/v1/bank-items").json()
    assert [i["id"] for i in listing["results"]] == [demo_item.pk]
    detail = alice_client.get(f"/api/v1/bank-items/{demo_item.pk}").json()
    assert (detail["institution_name"], detail["status"]) == ("Demo Bank", "ok")
    assert {a["name"] for a in detail["accounts"]} == {
        "Demo Everyday Checking",
        "Demo Rewards Card",
    }
    assert "access_token" not in str(detail) and "cursor" not in detail
    assert detail["status_url"] == f"/api/v1/bank-items/{demo_item.pk}/status"
    with django_capture_on_commit_callbacks(execute=True):
        started = alice_client.post(f"/api/v1/bank-items/{demo_item.pk}/sync")
    assert started.status_code == 202
    status = alice_client.get(started.json()["status_url"]).json()
    assert status["progress"]["state"] == "done"


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "banking:connection-accounts"),
        ("post", "banking:connection-accounts"),
        ("post", "banking:connection-sync"),
        ("get", "banking:connection-status"),
        ("post", "banking:connection-reconnect"),
        ("get", "banking:connection-remove"),
        ("post", "banking:connection-remove"),
    ],
)
def test_a_stranger_gets_404_and_changes_nothing(bob_client, demo_item, method, name):
    url = reverse(name, kwargs={"pk": demo_item.pk})
    response = getattr(bob_client, method)(
        url, {"transactions": "delete"} if method == "post" else None
    )
    assert response.status_code == 404
    assert BankItem.objects.filter(pk=demo_item.pk, status="ok").exists()


def test_a_stranger_gets_404_from_the_api(bob_client, demo_item):
    assert bob_client.get(f"/api/v1/bank-items/{demo_item.pk}").status_code == 404
    assert bob_client.post(f"/api/v1/bank-items/{demo_item.pk}/sync").status_code == 404
    assert bob_client.get("/api/v1/bank-items").json()["results"] == []


def test_pages_need_login_and_the_right_method(client, alice_client, demo_item):
    url = reverse("banking:connections")
    assert client.get(url).status_code == 302
    assert alice_client.post(url).status_code == 405
    assert alice_client.get(reverse("banking:connect-demo")).status_code == 405
    assert client.get("/api/v1/bank-items").status_code == 401


def test_the_status_says_whether_reconnect_and_which_message_to_show(
    alice_client, demo_item, django_capture_on_commit_callbacks
):
    from banking.services.sync import bank_item_sync

    url = reverse("banking:connection-status", kwargs={"pk": demo_item.pk})
    BankItem.objects.filter(pk=demo_item.pk).update(cursor="v1:not-a-day:x")
    bank_item_sync(item_id=demo_item.pk)
    failed = alice_client.get(url).json()
    assert failed["progress"]["state"] == "failed"
    assert failed["needs_reconnect"] is True and failed["new_accounts_available"] is False
    assert failed["status_message"].startswith("The last sync failed:")
    page = alice_client.get(reverse("banking:connections")).content.decode()
    assert (
        '<form method="post" action="{}" data-role="reconnect">'.format(
            reverse("banking:connection-reconnect", kwargs={"pk": demo_item.pk})
        )
        in page
    )

    BankItem.objects.filter(pk=demo_item.pk).update(cursor="")
    bank_item_sync(item_id=demo_item.pk)
    done = alice_client.get(url).json()
    assert done["progress"]["state"] == "done"
    assert (done["needs_reconnect"], done["status_message"]) == (False, "")
    page = alice_client.get(reverse("banking:connections")).content.decode()
    assert 'data-role="reconnect" hidden>' in page  # kept in the page, for the script to show


def test_the_api_status_gives_the_last_runs_counts_once_it_is_done(alice_client, demo_item):
    from banking.services.sync import _progress, bank_item_sync

    url = f"/api/v1/bank-items/{demo_item.pk}/status"
    assert alice_client.get(url).json()["last_run"] is None  # never synced
    result = bank_item_sync(item_id=demo_item.pk)
    status = alice_client.get(url).json()
    assert status["progress"]["state"] == "done"
    assert status["last_run"] == {
        "added": result.added,
        "modified": result.modified,
        "removed": result.removed,
    }
    assert result.added > 0
    _progress(demo_item.pk, state="running", pages=1, fetched=10)  # the next run is under way
    assert alice_client.get(url).json()["last_run"] is None
    schema = alice_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    last_run = schema["components"]["schemas"]["BankSyncStatus"]["properties"]["last_run"]
    assert last_run["nullable"] is True
    assert last_run["allOf"] == [{"$ref": "#/components/schemas/BankSyncLastRun"}]
    counts = schema["components"]["schemas"]["BankSyncLastRun"]["properties"]
    assert set(counts) == {"added", "modified", "removed"}


def test_a_bank_sync_is_not_undone_since_the_bank_never_resends_it(alice, alice_client, demo_item):
    """Undoing would delete rows the cursor has moved past: they would be gone for good.
    The batch page says so and points to the sync's transactions instead."""
    from banking.services.imports import ImportFlowError, import_undo
    from banking.services.sync import bank_item_sync
    from ledger.models import ImportBatch

    result = bank_item_sync(item_id=demo_item.pk)
    batch = ImportBatch.objects.get(pk=result.batch)
    rows = Transaction.objects.filter(import_batch=batch).count()
    assert rows == result.added > 0

    with pytest.raises(ImportFlowError, match="bank will not send these transactions again"):
        import_undo(batch=batch, confirm_edited=True)
    api = alice_client.post(f"/api/v1/imports/{batch.pk}/undo", {"confirm_edited": True})
    assert (api.status_code, api.json()["code"]) == (400, "bank")
    undo_url = reverse("banking:import-undo", kwargs={"pk": batch.pk})
    detail_url = reverse("banking:import-detail", kwargs={"pk": batch.pk})
    for response in (
        alice_client.get(undo_url),
        alice_client.post(undo_url, {"confirm_edited": "on"}),
    ):
        assert response.status_code == 302 and response.url == detail_url
        flashed = [str(m) for m in response.wsgi_request._messages]
        assert any("cannot be undone" in m for m in flashed)
    batch.refresh_from_db()
    assert batch.state == "committed"
    assert Transaction.objects.filter(import_batch=batch).count() == rows

    page = alice_client.get(detail_url).content.decode()
    assert "A bank sync cannot be undone" in page and undo_url not in page
    listing = f"{reverse('ledger:transaction-list')}?import_batch={batch.pk}"
    assert f'href="{listing}"' in page
    # The link lists this sync's rows only (not a manual one, nor a later sync's).
    make_transaction(batch.transactions.first().account, payee="By hand")
    later = bank_item_sync(item_id=demo_item.pk)
    assert later.added > 0
    shown = alice_client.get(listing).content.decode().replace(",", "")
    assert f"{rows} transactions" in shown
    everything = alice_client.get(reverse("ledger:transaction-list")).content.decode()
    assert f"{rows} transactions" not in everything.replace(",", "")
