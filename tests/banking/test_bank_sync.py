"""Bank sync through the real plaid-python client, over HTTP, against the Plaid stand-in."""

import json
import threading
import time
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from banking.connections import BankItem
from banking.services.sync import (
    bank_accounts_map,
    bank_item_connect,
    bank_item_sync,
    progress_get,
)
from ledger.models import Transaction
from tests.banking.plaid_standin import CLIENT_ID, SECRET, PlaidStandIn, plaid_transaction

KEY_OLD, KEY_NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def plaid(settings):
    with PlaidStandIn() as standin:
        settings.PLAID_CLIENT_ID = CLIENT_ID
        settings.PLAID_SECRET = SECRET
        settings.PLAID_HOST = standin.url
        settings.PLAID_TIMEOUT_SECONDS = 1
        settings.PLAID_SYNC_PAGE_SIZE = 100
        settings.BANK_SYNC_BACKOFF_SECONDS = 0
        settings.FIELD_ENCRYPTION_KEYS = [KEY_OLD]
        yield standin


def txn(n: int, amount: str = "12.50", account: str = "acc-checking", **extra) -> dict:
    return plaid_transaction(
        transaction_id=f"t{n}",
        account_id=account,
        amount=amount,
        date=f"2026-10-{(n % 28) + 1:02d}",
        name=f"MERCHANT {n}",
        merchant_name=f"Merchant {n}",
        **extra,
    )


@pytest.fixture
def item(plaid, alice):
    public, remote = plaid.new_item()
    item = bank_item_connect(user=alice, provider_name="plaid", public_token=public)
    bank_accounts_map(user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()})
    item.remote = remote
    return item


def ledger_rows(item: BankItem):
    return Transaction.objects.filter(account__bank_links__item=item)


def test_connecting_stores_the_item_and_maps_each_bank_account(plaid, alice, item):
    item.refresh_from_db()
    assert item.institution_name == "First Platypus Bank"
    accounts = {ba.name: ba for ba in item.accounts.select_related("account")}
    assert set(accounts) == {"Plaid Checking", "Plaid Credit Card"}
    card = accounts["Plaid Credit Card"].account
    assert card.type == "credit_card" and card.currency == "USD" and card.user == alice
    assert card.provider == "plaid"


def test_the_access_token_is_ciphertext_and_survives_key_rotation(plaid, item, settings):
    raw = BankItem.objects.values_list("access_token_encrypted", flat=True).get(pk=item.pk)
    assert item.remote.access_token not in raw
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token_encrypted FROM banking_bankitem")
        assert all(item.remote.access_token not in row[0] for row in cursor.fetchall())

    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW, KEY_OLD]
    call_command("rotate_encryption_keys")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]  # the old key is gone now
    assert BankItem.objects.get(pk=item.pk).access_token == item.remote.access_token


def test_rotation_without_the_old_key_is_a_plain_error_and_changes_nothing(plaid, item, settings):
    from django.core.management import CommandError

    before = BankItem.objects.values_list("access_token_encrypted", flat=True).get(pk=item.pk)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]
    with pytest.raises(CommandError, match="no longer in FIELD_ENCRYPTION_KEYS"):
        call_command("rotate_encryption_keys")
    after = BankItem.objects.values_list("access_token_encrypted", flat=True).get(pk=item.pk)
    assert after == before


def test_a_multi_page_sync_adds_everything_with_the_sign_flipped(plaid, item):
    for n in range(250):
        plaid.add(item.remote, txn(n, amount="12.50" if n % 10 else "-1000.00"))
    result = bank_item_sync(item_id=item.pk)
    assert (result.added, result.error) == (250, "")
    assert plaid.sync_calls == 3  # pages of 100
    rows = ledger_rows(item)
    assert rows.count() == 250
    # Plaid's positive is money out: a 12.50 purchase is -12.50 in the ledger.
    assert rows.get(external_id="t1").amount == Decimal("-12.50")
    assert rows.get(external_id="t10").amount == Decimal("1000.00")
    item.refresh_from_db()
    assert item.cursor == "cur-250" and item.last_added == 250


def test_running_it_again_adds_nothing_unless_the_bank_has_news(plaid, item):
    plaid.add(item.remote, txn(1))
    bank_item_sync(item_id=item.pk)
    again = bank_item_sync(item_id=item.pk)
    assert (again.added, again.modified, again.removed) == (0, 0, 0)
    plaid.add(item.remote, txn(2))
    assert bank_item_sync(item_id=item.pk).added == 1
    assert ledger_rows(item).count() == 2


def test_modified_updates_but_keeps_a_hand_set_category_and_notes(plaid, item, alice):
    from tests.ledger.factories import make_category

    plaid.add(item.remote, txn(1, amount="10.00"))
    bank_item_sync(item_id=item.pk)
    row = ledger_rows(item).get(external_id="t1")
    mine = make_category(alice, name="Mine")
    row.category, row.categorized_by, row.notes = mine, "manual", "my note"
    row.save()

    plaid.modify(item.remote, txn(1, amount="11.00"))
    result = bank_item_sync(item_id=item.pk)
    assert result.modified == 1
    row.refresh_from_db()
    assert row.amount == Decimal("-11.00")
    assert (row.category, row.categorized_by, row.notes) == (mine, "manual", "my note")


def test_removed_deletes_the_transaction(plaid, item):
    plaid.add(item.remote, txn(1))
    plaid.add(item.remote, txn(2))
    bank_item_sync(item_id=item.pk)
    plaid.remove(item.remote, "t1", "acc-checking")
    assert bank_item_sync(item_id=item.pk).removed == 1
    assert list(ledger_rows(item).values_list("external_id", flat=True)) == ["t2"]


def test_a_pending_transaction_that_posts_replaces_its_twin(plaid, item):
    plaid.add(item.remote, txn(1, pending=True))
    bank_item_sync(item_id=item.pk)
    pending = ledger_rows(item).get()
    assert pending.status == "pending"

    posted = txn(2, amount="12.75", pending_transaction_id="t1")
    plaid.add(item.remote, posted)
    plaid.remove(item.remote, "t1", "acc-checking")
    bank_item_sync(item_id=item.pk)
    row = ledger_rows(item).get()  # exactly one: no duplicate left behind
    assert (row.pk, row.external_id, row.status) == (pending.pk, "t2", "cleared")
    assert row.amount == Decimal("-12.75")


def test_mutation_during_pagination_restarts_from_the_original_cursor(plaid, item):
    for n in range(250):
        plaid.add(item.remote, txn(n))
    plaid.sync_faults[2] = ("mutation", None)
    result = bank_item_sync(item_id=item.pk)
    assert result.added == 250 and not result.error
    assert ledger_rows(item).count() == 250
    first_cursors = [
        body.get("cursor") for path, body in plaid.requests if path == "/transactions/sync"
    ]
    assert first_cursors[:4] == [None, "cur-100", None, "cur-100"]  # restarted from the start


@pytest.mark.parametrize("fault", [("status", 500), ("sleep", 1.5)], ids=["500", "timeout"])
def test_a_failure_mid_pagination_applies_nothing_and_keeps_the_cursor(plaid, item, fault):
    plaid.add(item.remote, txn(0))
    bank_item_sync(item_id=item.pk)
    for n in range(1, 251):
        plaid.add(item.remote, txn(n))
    calls_before = plaid.sync_calls
    # Page 2 of the next run fails on every retry.
    for attempt in range(2, 6):
        plaid.sync_faults[calls_before + attempt] = fault
    result = bank_item_sync(item_id=item.pk)
    assert result.error and not result.cursor_saved
    assert ledger_rows(item).count() == 1
    item.refresh_from_db()
    assert item.cursor == "cur-1" and item.status == "ok"
    assert "failed" in item.status_message

    retry = bank_item_sync(item_id=item.pk)
    assert retry.added == 250 and not retry.error
    assert ledger_rows(item).count() == 251


def test_a_single_5xx_is_retried_and_the_run_completes(plaid, item):
    for n in range(150):
        plaid.add(item.remote, txn(n))
    plaid.sync_faults[2] = ("status", 503)
    assert bank_item_sync(item_id=item.pk).added == 150


def test_item_login_required_marks_the_item_for_reconnection(plaid, item):
    plaid.add(item.remote, txn(1))
    item.remote.login_required = True
    result = bank_item_sync(item_id=item.pk)
    assert "sign in again" in result.error
    item.refresh_from_db()
    assert item.status == "login_required"
    assert ledger_rows(item).count() == 0


def test_the_provider_category_is_a_hint_mapped_to_the_users_categories(plaid, item, alice):
    from tests.ledger.factories import make_category

    coffee = make_category(alice, name="Food & Dining")
    plaid.add(item.remote, txn(1, pfc_detailed="FOOD_AND_DRINK_COFFEE"))
    bank_item_sync(item_id=item.pk)
    row = ledger_rows(item).get()
    assert (row.category, row.categorized_by) == (coffee, "provider")


def test_removing_the_item_can_keep_or_delete_its_transactions(plaid, alice, item):
    from banking.services.sync import bank_item_remove

    plaid.add(item.remote, txn(1))
    bank_item_sync(item_id=item.pk)
    accounts = [ba.account for ba in item.accounts.all()]
    bank_item_remove(user=alice, item=item, delete_transactions=False)
    assert Transaction.objects.filter(account__in=accounts).count() == 1
    assert ("/item/remove", {"access_token": item.remote.access_token}) in [
        (p, {"access_token": b.get("access_token")}) for p, b in plaid.requests
    ]


@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_one_item_at_once_leave_no_duplicates(plaid, item):
    # PostgreSQL: the second waits on the item's row lock. SQLite: both may read the bank,
    # only the first to commit applies.
    for n in range(300):
        plaid.add(item.remote, txn(n))
    results, errors = [], []

    def run() -> None:
        try:
            results.append(bank_item_sync(item_id=item.pk))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(r.added for r in results) == [0, 300]
    assert ledger_rows(item).count() == 300


@pytest.mark.django_db(transaction=True)
def test_a_slow_bank_does_not_hold_up_other_writes(plaid, item, alice, settings):
    from tests.ledger.factories import make_category

    settings.PLAID_TIMEOUT_SECONDS = 5
    plaid.add(item.remote, txn(1))
    plaid.sync_faults[1] = ("delay", 2.0)
    thread = threading.Thread(target=lambda: (bank_item_sync(item_id=item.pk), connection.close()))
    thread.start()
    while plaid.sync_calls == 0:  # the sync is now waiting for the bank
        time.sleep(0.01)
    started = time.monotonic()
    make_category(alice, name="Written meanwhile")
    waited = time.monotonic() - started
    thread.join(10)
    assert waited < 1.0, f"a write waited {waited:.1f} s for the bank"
    assert ledger_rows(item).count() == 1


def test_the_stand_in_follows_plaids_contract_as_the_sdk_reads_it(plaid, item):
    """The sync reads raw JSON (exact decimals); this checks the same page through the SDK's
    strict models, so a stand-in shape that drifts from Plaid's spec fails here."""
    from plaid.model.transactions_sync_request import TransactionsSyncRequest

    from banking.providers.plaid import PlaidProvider

    plaid.add(item.remote, txn(1, pending=True, pfc_detailed="FOOD_AND_DRINK_COFFEE"))
    plaid.remove(item.remote, "t0", "acc-checking")
    api = PlaidProvider()._api()
    page = api.transactions_sync(TransactionsSyncRequest(access_token=item.remote.access_token))
    assert page.added[0].transaction_id == "t1"
    assert page.added[0].personal_finance_category.detailed == "FOOD_AND_DRINK_COFFEE"
    assert page.removed[0].transaction_id == "t0"
    assert page.next_cursor == "cur-2" and page.has_more is False


def test_a_pending_and_its_posted_twin_in_one_run_leave_one_posted_row(plaid, item):
    # A first sync can bring a pending purchase on one page and, pages later, its posted
    # version (with the pending one removed): only the posted facts may be left.
    plaid.add(item.remote, txn(1, amount="20.00", pending=True))
    for n in range(100, 250):
        plaid.add(item.remote, txn(n))
    plaid.add(item.remote, txn(2, amount="21.40", pending_transaction_id="t1"))
    plaid.remove(item.remote, "t1", "acc-checking")
    result = bank_item_sync(item_id=item.pk)
    assert plaid.sync_calls == 2 and not result.error
    rows = ledger_rows(item).filter(external_id__in=["t1", "t2"])
    assert [(r.external_id, r.status, r.amount) for r in rows] == [
        ("t2", "cleared", Decimal("-21.40"))
    ]
    assert result.added == 151 and result.removed == 0


def test_a_transaction_added_and_removed_in_one_run_is_never_written(plaid, item):
    plaid.add(item.remote, txn(1))
    for n in range(100, 200):
        plaid.add(item.remote, txn(n))
    plaid.remove(item.remote, "t1", "acc-checking")
    result = bank_item_sync(item_id=item.pk)
    assert result.added == 100
    assert not ledger_rows(item).filter(external_id="t1").exists()


def test_nothing_is_read_before_an_account_is_mapped(plaid, alice):
    # Reading would move the cursor past the whole history while none of it can be kept.
    public, remote = plaid.new_item()
    item = bank_item_connect(user=alice, provider_name="plaid", public_token=public)
    plaid.add(remote, txn(1))
    result = bank_item_sync(item_id=item.pk)
    assert "Choose where" in result.error and not result.cursor_saved
    assert plaid.sync_calls == 0
    item.refresh_from_db()
    assert item.cursor == "" and item.status == "ok"

    bank_accounts_map(user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()})
    assert bank_item_sync(item_id=item.pk).added == 1


def test_a_rate_limit_is_backed_off_and_retried(plaid, item):
    for n in range(150):
        plaid.add(item.remote, txn(n))
    plaid.sync_faults[2] = ("status", 429)
    result = bank_item_sync(item_id=item.pk)
    assert (result.added, result.error) == (150, "")
    assert plaid.sync_calls == 3  # page 1, page 2 refused, page 2 again


def test_a_token_no_key_opens_fails_the_run_cleanly(plaid, item, settings):
    plaid.add(item.remote, txn(1))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_NEW]  # the old key dropped before rotation
    result = bank_item_sync(item_id=item.pk)
    assert "FIELD_ENCRYPTION_KEYS" in result.error
    item.refresh_from_db()
    assert item.status == "error" and item.cursor == ""
    assert progress_get(item.pk)["state"] == "failed"
    assert plaid.sync_calls == 0


def test_each_run_is_an_import_batch_and_a_structured_log_line(plaid, item, caplog):
    from ledger.models import ImportBatch

    plaid.add(item.remote, txn(1))
    plaid.add(item.remote, txn(2))
    bank_item_sync(item_id=item.pk)
    plaid.modify(item.remote, txn(1, amount="13.00"))
    plaid.remove(item.remote, "t2", "acc-checking")
    plaid.add(item.remote, txn(3))
    caplog.clear()
    with caplog.at_level("INFO", logger="billfold.banking.sync"):
        result = bank_item_sync(item_id=item.pk)

    batch = ImportBatch.objects.get(pk=result.batch)
    assert (batch.source, batch.state, batch.user_id) == ("bank", "committed", item.user_id)
    assert (batch.added, batch.updated, batch.removed) == (1, 1, 1)
    assert batch.meta == {"bank_item": item.pk}
    assert ImportBatch.objects.filter(source="bank", meta__bank_item=item.pk).count() == 2
    assert ledger_rows(item).get(external_id="t3").import_batch == batch

    [record] = [r for r in caplog.records if r.name == "billfold.banking.sync"]
    assert record.sync == {**result.as_dict(), "cursor_saved": True}
    assert "added=1 modified=1 removed=1" in record.getMessage()
    from config.logs import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["sync"]["added"] == 1 and line["sync"]["item"] == item.pk


def test_login_required_tells_the_user_once(plaid, item, alice):
    from budgets.models import Notification

    item.remote.login_required = True
    bank_item_sync(item_id=item.pk)
    bank_item_sync(item_id=item.pk)
    [note] = Notification.objects.filter(user=alice, kind="bank")
    assert note.title == "First Platypus Bank needs you to sign in again"
    assert note.url == "/connections/"


def test_a_confident_learned_choice_or_a_rule_beats_the_banks_category(
    plaid, item, alice, django_capture_on_commit_callbacks
):
    from ledger.models import Category
    from ledger.services.categories import categories_create_defaults
    from ledger.services.rules import RuleInput, rule_create

    categories_create_defaults(user=alice)
    by_name = {c.name: c for c in Category.objects.for_user(alice)}
    rule_create(
        user=alice,
        data=RuleInput(
            name="Pharmacy is health",
            category=by_name["Health"],
            conditions=[{"field": "payee", "op": "contains", "value": "pharmacy"}],
        ),
    )
    rows = {
        # The learned classifier knows this grocer for sure: it wins over "Shopping".
        "t1": ("TESCO STORES 22", "GENERAL_MERCHANDISE_SUPERSTORES"),
        # Nothing knows this one: the bank's category is the fallback.
        "t2": ("QZXV PLORB", "FOOD_AND_DRINK_COFFEE"),
        # A rule of the user's comes first.
        "t3": ("Corner Pharmacy", "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE"),
    }
    for n, (payee, hint) in enumerate(rows.values(), start=1):
        plaid.add(
            item.remote,
            plaid_transaction(
                transaction_id=f"t{n}",
                account_id="acc-checking",
                amount="9.99",
                date="2026-10-02",
                name=payee,
                merchant_name=payee,
                pfc_detailed=hint,
            ),
        )
    with django_capture_on_commit_callbacks(execute=True):
        bank_item_sync(item_id=item.pk)
    got = {
        t.external_id: (t.category.name, t.categorized_by)
        for t in ledger_rows(item).select_related("category")
    }
    assert got == {
        "t1": ("Groceries", "learned"),
        "t2": ("Food & Dining", "provider"),
        "t3": ("Health", "rule"),
    }
