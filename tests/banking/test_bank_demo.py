"""The built-in demo bank goes through exactly the same sync pipeline as Plaid."""

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from banking.connections import BankItem
from banking.providers.demo import DemoBank
from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync
from ledger.models import Transaction

DAY = datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def demo_item(alice):
    item = bank_item_connect(user=alice, provider_name="demo", public_token="demo")
    bank_accounts_map(user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()})
    return item


def test_the_demo_bank_is_deterministic_for_one_connection():
    bank = DemoBank()
    with time_machine.travel(DAY, tick=False):
        first = bank.sync(access_token="demo-access-abc", cursor="")
        second = bank.sync(access_token="demo-access-abc", cursor="")
    assert [t.id for t in first.added] == [t.id for t in second.added]
    assert [t.amount for t in first.added] == [t.amount for t in second.added]


def test_the_first_sync_brings_two_months_with_salary_rent_and_recent_pending(demo_item):
    with time_machine.travel(DAY, tick=False):
        result = bank_item_sync(item_id=demo_item.pk)
    rows = Transaction.objects.filter(account__bank_links__item=demo_item)
    assert result.added == rows.count() > 60
    payees = set(rows.values_list("payee", flat=True))
    assert {"ACME Corp", "Parkside Apartments", "Netflix"} <= payees
    assert rows.filter(payee="ACME Corp").first().amount > 0
    assert rows.filter(payee="Netflix").first().amount < 0
    assert rows.filter(status="pending").exists()
    assert all(t.date >= datetime.date(2026, 9, 11) for t in rows)


def test_every_sync_has_something_new_and_pending_ones_post_later(demo_item):
    with time_machine.travel(DAY, tick=False):
        bank_item_sync(item_id=demo_item.pk)
        again = bank_item_sync(item_id=demo_item.pk)
    assert again.added >= 1
    rows = Transaction.objects.filter(account__bank_links__item=demo_item)
    pending_before = set(rows.filter(status="pending").values_list("pk", flat=True))
    assert pending_before

    with time_machine.travel(DAY + datetime.timedelta(days=3), tick=False):
        later = bank_item_sync(item_id=demo_item.pk)
    assert later.added > 0 and not later.error
    # The pending rows were replaced in place by their posted twins: same rows, now cleared.
    assert not rows.filter(pk__in=pending_before, status="pending").exists()
    assert rows.filter(pk__in=pending_before).count() == len(pending_before)
    ids = list(rows.values_list("external_id", flat=True))
    assert len(ids) == len(set(ids))


def test_bank_sync_command_connects_the_demo_bank_and_reruns_add_only_news(alice):
    out = StringIO()
    call_command("bank_sync", "--user", alice.email, "--connect-demo", "--json", stdout=out)
    first = json.loads(out.getvalue())
    assert first["added"] > 0 and first["cursor_saved"] is True
    assert BankItem.objects.filter(user=alice, provider="demo").count() == 1

    out = StringIO()
    call_command(
        "bank_sync", "--user", alice.email, "--item", str(first["item"]), "--json", stdout=out
    )
    second = json.loads(out.getvalue())
    assert second["item"] == first["item"]
    assert 1 <= second["added"] <= 2  # only the fresh purchase of this sync


def test_bank_sync_command_refuses_unknown_users_and_other_peoples_items(alice, bob, demo_item):
    with pytest.raises(CommandError, match="No user"):
        call_command("bank_sync", "--user", "nobody@example.com", "--connect-demo")
    with pytest.raises(CommandError, match="has no bank item"):
        call_command("bank_sync", "--user", bob.email, "--item", str(demo_item.pk))


def test_over_a_few_syncs_the_demo_bank_also_corrects_and_withdraws_transactions(demo_item):
    results = []
    for day in range(4):
        with time_machine.travel(DAY + datetime.timedelta(days=day), tick=False):
            results.append(bank_item_sync(item_id=demo_item.pk))
    assert all(not r.error and r.cursor_saved for r in results)
    assert sum(r.modified for r in results) >= 2
    assert sum(r.removed for r in results) >= 1
    rows = Transaction.objects.filter(account__bank_links__item=demo_item)
    assert rows.filter(description__endswith="(corrected)").exists()
    ids = list(rows.values_list("external_id", flat=True))
    assert len(ids) == len(set(ids))
    # Nothing pending is older than the demo bank's two pending days.
    assert not rows.filter(status="pending", date__lt=datetime.date(2026, 11, 12)).exists()
