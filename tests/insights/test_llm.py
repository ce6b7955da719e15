"""LLM categorization with the real openai client over HTTP against a local stand-in."""

import json

import pytest

from insights.llm import llm_categorize, llm_enabled, llm_status
from insights.models import LlmRun, LlmUsage, Suggestion
from insights.tasks import classify_batch
from ledger.models import Category, Transaction
from tests.insights.openai_standin import Reply, StandIn
from tests.ledger.factories import make_account, make_transaction

KNOWN = {"MYSTERY CAFE": ("Food & Dining", 0.95), "ODD SHOP": ("Shopping", 0.5)}


def decide(txn, categories):
    category, confidence = KNOWN.get(txn["payee"], (None, 0.0))
    assert category is None or category in categories
    return category, confidence


@pytest.fixture
def server(settings):
    with StandIn(decide) as standin:
        settings.OPENAI_API_KEY = "test-key"
        settings.OPENAI_BASE_URL = standin.url
        settings.OPENAI_MODEL = "test-model"
        settings.OPENAI_TIMEOUT = 2.0
        settings.LLM_MAX_RETRIES = 2
        yield standin


@pytest.fixture
def account(alice):
    return make_account(alice, name="Everyday", mask="9876", provider_account_id="acc-secret-1")


def ids(*txns):
    return [t.pk for t in txns]


def test_it_is_off_cleanly_when_not_configured(alice, account, categories, settings):
    settings.OPENAI_API_KEY = settings.OPENAI_BASE_URL = settings.OPENAI_MODEL = ""
    txn = make_transaction(account, payee="MYSTERY CAFE")
    assert not llm_enabled()
    assert "OPENAI_MODEL" in llm_status()["how_to_enable"]
    outcome = llm_categorize(user=alice, transaction_ids=ids(txn))
    assert outcome.requests == 0
    assert classify_batch(alice.pk, ids(txn))["left"] == 1
    assert not LlmRun.objects.exists()


def test_it_applies_confident_answers_and_suggests_the_rest(server, alice, account, categories):
    cafe = make_transaction(account, payee="MYSTERY CAFE", amount="-7")
    shop = make_transaction(account, payee="ODD SHOP", amount="-30")
    nothing = make_transaction(account, payee="QQQ", amount="-3")
    outcome = llm_categorize(user=alice, transaction_ids=ids(cafe, shop, nothing))
    assert (outcome.requests, outcome.categorized, outcome.suggested) == (1, 1, 1)
    cafe.refresh_from_db()
    assert (cafe.category, cafe.categorized_by, cafe.confidence) == (
        categories["Food & Dining"],
        "ai",
        0.95,
    )
    assert Transaction.objects.get(pk=shop.pk).category is None
    suggestion = Suggestion.objects.get(transaction=shop)
    assert (suggestion.category, suggestion.source) == (categories["Shopping"], "ai")
    run = LlmRun.objects.get()
    assert (run.status, run.transactions, run.attempts) == ("ok", 3, 1)
    assert LlmUsage.objects.get(user=alice).requests == 1
    body = server.requests[0]["body"]
    assert body["model"] == "test-model"
    assert body["response_format"]["type"] == "json_schema"


def test_only_payee_description_amount_date_and_account_type_leave_the_machine(
    server, alice, account, categories
):
    make_transaction(
        account,
        payee="MYSTERY CAFE",
        description="CARD 4111111111111111 REF 77",
        notes="my secret note",
        amount="-7",
    )
    llm_categorize(
        user=alice, transaction_ids=list(Transaction.objects.values_list("pk", flat=True))
    )
    raw = server.requests[0]["raw"]
    asked = json.loads(server.requests[0]["body"]["messages"][-1]["content"])
    assert set(asked["transactions"][0]) == {
        "ref",
        "payee",
        "description",
        "amount",
        "date",
        "account_type",
    }
    assert asked["transactions"][0]["account_type"] == "checking"
    for secret in (
        "my secret note",
        "alice",
        "example.com",
        "9876",
        "acc-secret-1",
        "Everyday",
        "4111111111111111",
    ):
        assert secret not in raw
    assert "user" not in server.requests[0]["body"]


def test_malformed_json_is_recorded_as_a_failure_and_changes_nothing(
    server, alice, account, categories
):
    server.script = [Reply(content="{not json")]
    txn = make_transaction(account, payee="MYSTERY CAFE")
    outcome = llm_categorize(user=alice, transaction_ids=ids(txn))
    assert outcome.failed == 1
    run = LlmRun.objects.get()
    assert run.status == "failed"
    assert "not JSON" in run.error
    assert Transaction.objects.get(pk=txn.pk).category is None
    assert LlmUsage.objects.get(user=alice).failures == 1


def test_an_answer_outside_the_schema_is_a_failure(server, alice, account, categories):
    server.script = [Reply(content=json.dumps({"answers": []}))]
    txn = make_transaction(account, payee="MYSTERY CAFE")
    llm_categorize(user=alice, transaction_ids=ids(txn))
    assert "no list of results" in LlmRun.objects.get().error


def test_results_that_break_the_schema_are_left_out_and_recorded(
    server, alice, account, categories
):
    cafe = make_transaction(account, payee="MYSTERY CAFE")
    shop = make_transaction(account, payee="ODD SHOP")
    other = make_transaction(account, payee="QQQ")
    server.script = [
        Reply(
            content=json.dumps(
                {
                    "results": [
                        {"ref": "t0", "category": "Food & Dining", "confidence": 0.95},
                        {"ref": "t1", "category": "Shopping", "confidence": "high"},
                        {"ref": "t2", "category": "Shopping", "confidence": 0.9, "why": "x"},
                        {"ref": "t9", "category": "Shopping", "confidence": 0.9},
                        {"category": "Shopping", "confidence": 0.9},
                        "t2: Shopping",
                    ]
                }
            )
        )
    ]
    outcome = llm_categorize(user=alice, transaction_ids=ids(cafe, shop, other))
    assert (outcome.categorized, outcome.suggested, outcome.failed) == (1, 0, 0)
    assert Transaction.objects.get(pk=cafe.pk).category == categories["Food & Dining"]
    assert Transaction.objects.filter(pk__in=ids(shop, other), category=None).count() == 2
    assert not Suggestion.objects.exists()
    run = LlmRun.objects.get()
    assert run.status == "ok"
    assert "5 answer(s) did not follow the schema" in run.error
    for problem in (
        "results[1].confidence is not number",
        "results[2] has an unknown 'why'",
        "'t9' is not a transaction that was sent",
        "results[4] lacks 'ref'",
        "results[5] is not object",
    ):
        assert problem in run.error


def test_an_answer_with_unexpected_top_level_fields_is_a_failure(
    server, alice, account, categories
):
    server.script = [Reply(content=json.dumps({"results": [], "note": "hi"}))]
    txn = make_transaction(account, payee="MYSTERY CAFE")
    outcome = llm_categorize(user=alice, transaction_ids=ids(txn))
    assert outcome.failed == 1
    assert "does not follow the schema" in LlmRun.objects.get().error


def test_a_category_that_is_not_the_users_is_rejected_not_created(
    server, alice, account, categories
):
    server.script = [
        Reply(
            content=json.dumps(
                {"results": [{"ref": "t0", "category": "Crypto Gains", "confidence": 0.99}]}
            )
        )
    ]
    txn = make_transaction(account, payee="MYSTERY CAFE")
    before = Category.objects.count()
    outcome = llm_categorize(user=alice, transaction_ids=ids(txn))
    assert outcome.rejected == 1
    assert Category.objects.count() == before
    assert Transaction.objects.get(pk=txn.pk).category is None
    run = LlmRun.objects.get()
    assert run.rejected == 1
    assert "not yours were rejected: Crypto Gains" in run.error


def test_a_timeout_is_recorded(server, alice, account, categories, settings):
    settings.OPENAI_TIMEOUT = 0.3
    settings.LLM_MAX_RETRIES = 0
    server.script = [Reply(delay=1.5)]
    txn = make_transaction(account, payee="MYSTERY CAFE")
    outcome = llm_categorize(user=alice, transaction_ids=ids(txn))
    assert outcome.failed == 1
    assert "did not answer within 0.3 s" in LlmRun.objects.get().error


def test_429_then_success_is_retried_with_backoff(server, alice, account, categories):
    server.script = [Reply(status=429, headers={"retry-after-ms": "20"}), Reply()]
    txn = make_transaction(account, payee="MYSTERY CAFE")
    outcome = llm_categorize(user=alice, transaction_ids=ids(txn))
    assert outcome.categorized == 1
    assert len(server.requests) == 2
    assert server.requests[1]["headers"]["x-stainless-retry-count"] == "1"
    assert LlmRun.objects.get().attempts == 2


def test_5xx_until_the_retries_run_out_is_a_recorded_failure(
    server, alice, account, categories, settings
):
    settings.LLM_MAX_RETRIES = 1
    server.script = [Reply(status=503, headers={"retry-after-ms": "10"})] * 2
    txn = make_transaction(account, payee="MYSTERY CAFE")
    llm_categorize(user=alice, transaction_ids=ids(txn))
    run = LlmRun.objects.get()
    assert (run.status, run.attempts) == ("failed", 2)
    assert "HTTP 503" in run.error
    assert len(server.requests) == 2


def test_batches_hold_at_most_50_transactions(server, alice, account, categories):
    txns = [make_transaction(account, payee=f"THING {i}") for i in range(120)]
    outcome = llm_categorize(user=alice, transaction_ids=ids(*txns))
    sizes = [
        len(json.loads(r["body"]["messages"][-1]["content"])["transactions"])
        for r in server.requests
    ]
    assert (outcome.requests, sizes) == (3, [50, 50, 20])


def test_the_daily_request_cap_stops_further_requests(server, alice, account, categories, settings):
    settings.LLM_DAILY_REQUEST_CAP = 1
    txns = [make_transaction(account, payee=f"THING {i}") for i in range(60)]
    outcome = llm_categorize(user=alice, transaction_ids=ids(*txns))
    assert outcome.capped
    assert len(server.requests) == 1
    assert LlmRun.objects.filter(status="capped").count() == 1


def test_a_hand_set_category_is_never_sent_or_changed(server, alice, account, categories):
    txn = make_transaction(account, payee="MYSTERY CAFE", category=categories["Health"])
    llm_categorize(user=alice, transaction_ids=ids(txn))
    assert server.requests == []
    txn.refresh_from_db()
    assert (txn.category, txn.categorized_by) == (categories["Health"], "manual")


def test_the_task_sends_what_rules_and_learning_left_to_the_llm(server, alice, account, categories):
    tesco = make_transaction(account, payee="TESCO STORES 1")
    cafe = make_transaction(account, payee="MYSTERY CAFE")
    result = classify_batch(alice.pk, ids(tesco, cafe))
    assert result["learned"] == 1
    asked = json.loads(server.requests[0]["body"]["messages"][-1]["content"])
    assert [t["payee"] for t in asked["transactions"]] == ["MYSTERY CAFE"]
    cafe.refresh_from_db()
    assert cafe.categorized_by == "ai"


def test_other_users_transactions_are_never_sent(server, alice, bob, account, categories):
    theirs = make_transaction(make_account(bob), payee="MYSTERY CAFE")
    llm_categorize(user=alice, transaction_ids=ids(theirs))
    assert server.requests == []


def test_the_review_page_shows_todays_use_and_the_last_failure(
    server, alice, alice_client, account, categories, settings
):
    from django.urls import reverse

    settings.LLM_MAX_RETRIES = 0
    settings.LLM_DAILY_REQUEST_CAP = 200
    server.script = [Reply(status=500)]
    llm_categorize(user=alice, transaction_ids=ids(make_transaction(account, payee="ODD")))
    page = alice_client.get(reverse("insights:review")).content.decode()
    assert "AI categorization is on (test-model)" in page
    assert "1 of 200 requests used today" in page
    assert "failed: The LLM server answered with an error (HTTP 500)." in page
    # A later clean request clears the alarm.
    llm_categorize(user=alice, transaction_ids=ids(make_transaction(account, payee="MYSTERY CAFE")))
    page = alice_client.get(reverse("insights:review")).content.decode()
    assert "2 of 200 requests used today" in page
    assert "data-llm-trouble" not in page


def asked_payees(server) -> list[str]:
    return [
        t["payee"]
        for r in server.requests
        for t in json.loads(r["body"]["messages"][-1]["content"])["transactions"]
    ]


def test_a_file_import_sends_what_is_left_to_the_llm_after_the_commit(
    server, alice, account, categories, tmp_path, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "statement.csv"
    path.write_text(
        "Date,Description,Amount\n2026-11-02,MYSTERY CAFE,-7.00\n2026-11-03,TESCO STORES 9,-20\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_statement",
            str(path),
            "--user",
            alice.email,
            "--account",
            str(account.pk),
            stdout=StringIO(),
        )
        assert server.requests == []  # nothing is sent inside the import's transaction
    assert asked_payees(server) == ["MYSTERY CAFE"]  # Tesco was known to the merchant book
    cafe = Transaction.objects.get(account=account, payee="MYSTERY CAFE")
    assert (cafe.category, cafe.categorized_by) == (categories["Food & Dining"], "ai")


def test_a_bank_sync_sends_what_is_left_to_the_llm_after_the_commit(
    server, alice, django_capture_on_commit_callbacks
):
    from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync
    from tests.ledger.factories import make_category

    # One category of her own and none of the defaults: neither the bank's hints nor the
    # merchant book can place the demo bank's rows, so all of them are left for the LLM.
    make_category(alice, name="Mystery")
    item = bank_item_connect(user=alice, provider_name="demo", public_token="demo")
    bank_accounts_map(user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()})
    with django_capture_on_commit_callbacks(execute=True):
        bank_item_sync(item_id=item.pk)
        assert server.requests == []  # nothing is sent inside the sync's transaction
    rows = Transaction.objects.filter(account__bank_links__item=item, transfer=None)
    sizes = [
        len(json.loads(r["body"]["messages"][-1]["content"])["transactions"])
        for r in server.requests
    ]
    assert sum(sizes) == rows.count() > 50
    assert max(sizes) == 50
    assert sorted(asked_payees(server)) == sorted(rows.values_list("payee", flat=True))
    assert LlmRun.objects.filter(user=alice, status="ok").count() == len(sizes)


def test_no_automation_ever_changes_a_hand_set_category(server, alice, account, categories):
    from insights.categorize import categorize_transactions
    from ledger.services.rules import RuleInput, rule_apply_to_existing, rule_create

    for i in range(30):  # a history that teaches "tesco" and "mystery cafe" as groceries
        make_transaction(
            account,
            payee=f"{'TESCO STORES' if i % 2 else 'MYSTERY CAFE'} {i}",
            category=categories["Groceries"],
            categorized_by="rule",
        )
    mine = {
        make_transaction(account, payee="TESCO STORES 1", category=categories["Shopping"]).pk,
        make_transaction(account, payee="MYSTERY CAFE", category=categories["Health"]).pk,
        # Cleared by hand on purpose: stays uncategorized.
        make_transaction(account, payee="NETFLIX.COM", categorized_by="manual").pk,
    }
    before = dict(Transaction.objects.filter(pk__in=mine).values_list("pk", "category_id"))
    rules = [
        rule_create(
            user=alice,
            data=RuleInput(
                name=word,
                conditions=[{"field": "payee", "op": "contains", "value": word}],
                category=categories["Groceries"],
            ),
        )
        for word in ("tesco", "mystery", "netflix")
    ]
    classify_batch(alice.pk, list(mine))
    categorize_transactions(user=alice, transaction_ids=list(mine))
    llm_categorize(user=alice, transaction_ids=list(mine))
    for rule in rules:
        rule_apply_to_existing(rule=rule)
    after = Transaction.objects.filter(pk__in=mine)
    assert dict(after.values_list("pk", "category_id")) == before
    assert set(after.values_list("categorized_by", flat=True)) == {"manual"}
    assert server.requests == []


def test_each_request_is_its_own_task_and_the_cap_is_recorded_once_a_day(
    server, alice, account, categories, settings
):
    from django_q.models import Task

    settings.LLM_DAILY_REQUEST_CAP = 1
    txns = [make_transaction(account, payee=f"THING {i}") for i in range(120)]
    classify_batch(alice.pk, ids(*txns))
    assert Task.objects.filter(func="insights.tasks.classify_with_llm").count() == 3
    assert len(server.requests) == 1
    capped = LlmRun.objects.get(status="capped")  # one record, not one per task
    assert capped.transactions == 70
    assert "daily limit of 1 requests was reached" in capped.error


def test_todays_use_is_counted_on_the_workers_day_whatever_the_users_time_zone(
    server, alice, alice_client, account, categories, settings
):
    import datetime

    import time_machine
    from django.urls import reverse

    from accounts.models import Profile

    settings.LLM_DAILY_REQUEST_CAP = 200
    Profile.objects.filter(user=alice).update(timezone="Asia/Tokyo")
    # 20:00 UTC on 1 March is already 2 March in Tokyo.
    with time_machine.travel(datetime.datetime(2026, 3, 1, 20, tzinfo=datetime.UTC)):
        txn = make_transaction(account, payee="MYSTERY CAFE")
        llm_categorize(user=alice, transaction_ids=ids(txn))  # as the worker does it
        page = alice_client.get(reverse("insights:review")).content.decode()
    assert LlmUsage.objects.get(user=alice).day == datetime.date(2026, 3, 1)
    assert "1 of 200 requests used today" in page
