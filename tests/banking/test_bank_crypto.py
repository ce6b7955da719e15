"""A token no configured key opens: the demo bank (whose token is no secret) repairs itself;
a Plaid item says plainly what the operator can do, and nothing answers with a 500."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.urls import reverse

from banking.connections import BankItem
from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync
from ledger.models import Transaction
from tests.banking.test_bank_sync import item, plaid, txn  # noqa: F401


@pytest.fixture
def demo_item(alice, settings):
    settings.FIELD_ENCRYPTION_KEYS = []  # the key comes from SECRET_KEY
    settings.SECRET_KEY = "the first secret key, long enough for the checks"
    demo = bank_item_connect(user=alice, provider_name="demo", public_token="demo")
    bank_accounts_map(user=alice, item=demo, mapping={ba.pk: "new" for ba in demo.accounts.all()})
    return demo


def stored(bank_item: BankItem) -> str:
    return BankItem.objects.values_list("access_token_encrypted", flat=True).get(pk=bank_item.pk)


def test_a_demo_item_survives_a_new_secret_key_without_duplicates(demo_item, settings):
    first = bank_item_sync(item_id=demo_item.pk)
    assert first.added > 0 and not first.error
    token = BankItem.objects.get(pk=demo_item.pk).access_token
    before = stored(demo_item)

    settings.SECRET_KEY = "another secret key after a redeploy, also long enough"
    with pytest.raises(Exception, match="cannot be decrypted"):
        BankItem.objects.get(pk=demo_item.pk).access_token  # noqa: B018

    again = bank_item_sync(item_id=demo_item.pk)
    assert again.error == "" and again.cursor_saved
    demo_item.refresh_from_db()
    assert demo_item.status == "ok"
    assert stored(demo_item) != before
    assert demo_item.access_token == token  # the same connection: same activity, same ids
    rows = Transaction.objects.filter(account__bank_links__item=demo_item)
    assert rows.count() == first.added + again.added - again.removed
    assert rows.values("external_id").distinct().count() == rows.count()


def test_reconnect_repairs_a_demo_item_a_failed_run_marked_as_an_error(
    demo_item, alice, alice_client, settings, django_capture_on_commit_callbacks
):
    BankItem.objects.filter(pk=demo_item.pk).update(
        status="error", status_message="A stored bank token cannot be decrypted."
    )
    settings.SECRET_KEY = "another secret key after a redeploy, also long enough"
    alice_client.force_login(alice)  # the new key signed everyone out too
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("banking:connection-reconnect", kwargs={"pk": demo_item.pk})
        )
    assert response.status_code == 302
    demo_item.refresh_from_db()
    assert (demo_item.status, demo_item.status_message) == ("ok", "")
    assert demo_item.last_added > 0


def test_key_rotation_makes_demo_tokens_again_instead_of_refusing(demo_item, settings):
    settings.SECRET_KEY = "another secret key after a redeploy, also long enough"
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    call_command("rotate_encryption_keys")
    assert BankItem.objects.get(pk=demo_item.pk).access_token.startswith("demo-access-")


def test_a_plaid_item_no_key_opens_tells_the_operator_what_to_do(
    plaid,  # noqa: F811
    item,  # noqa: F811
    alice,
    alice_client,
    settings,
    caplog,
):
    plaid.add(item.remote, txn(1))
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is lost
    result = bank_item_sync(item_id=item.pk)
    item.refresh_from_db()
    assert item.status == "error" and result.error == item.status_message
    assert "FIELD_ENCRYPTION_KEYS" in item.status_message
    assert "rotate_encryption_keys" in item.status_message
    assert "remove this connection and connect the bank again" in item.status_message
    assert plaid.sync_calls == 0 and item.cursor == ""
    page = alice_client.get(reverse("banking:connections")).content.decode()
    assert "rotate_encryption_keys" in page

    # Reconnect (Link in update mode) needs that token: a plain error, not a 500.
    response = alice_client.post(reverse("banking:plaid-link-token"), {"item": item.pk})
    assert response.status_code == 400
    assert "connect the bank again" in response.json()["error"]
    with pytest.raises(CommandError, match="no longer in FIELD_ENCRYPTION_KEYS"):
        call_command("rotate_encryption_keys")

    # Removing it still works here; the log says it stays at Plaid.
    with caplog.at_level(logging.WARNING, logger="billfold.banking.sync"):
        response = alice_client.post(
            reverse("banking:connection-remove", kwargs={"pk": item.pk}), {"transactions": "keep"}
        )
    assert response.status_code == 302
    assert not BankItem.objects.filter(pk=item.pk).exists()
    assert "stays at the provider" in caplog.text


def test_reconnect_for_new_accounts_with_a_token_no_key_opens_is_a_plain_error(
    plaid,  # noqa: F811
    item,  # noqa: F811
    alice_client,
    settings,
):
    BankItem.objects.filter(pk=item.pk).update(new_accounts_available=True)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is lost
    response = alice_client.post(reverse("banking:connection-reconnect", kwargs={"pk": item.pk}))
    assert response.status_code == 302 and response.url == reverse("banking:connections")
    flashed = [str(m) for m in response.wsgi_request._messages]
    assert any("connect the bank again" in m for m in flashed), flashed
    assert plaid.sync_calls == 0
    assert item.accounts.count() == 2
