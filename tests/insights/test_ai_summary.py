"""The AI monthly summary through the real openai client against a local stand-in server."""

import datetime
import json

import pytest
import time_machine
from django.urls import reverse

from insights.summaries import MonthlySummary
from insights.summary import summary_generate, summary_payload
from tests.insights.openai_standin import Reply, StandIn
from tests.ledger.factories import make_account, make_category, make_transaction

MONTH = datetime.date(2026, 10, 1)
IN_NOVEMBER = datetime.datetime(2026, 11, 15, 12, tzinfo=datetime.UTC)
GOOD = {
    "overview": "You spent $1,240 in October, a little less than in September.",
    "top_categories": ["Rent $900", "Groceries $240", "Coffee $100"],
    "behaviour": "Coffee doubled while groceries fell.",
    "tips": ["Brew coffee at home twice a week.", "Plan meals.", "Cap dining at $150."],
}


@pytest.fixture
def llm(settings):
    with StandIn(decide=lambda txn, cats: (None, 0.0)) as server:
        settings.OPENAI_API_KEY = "test-key"
        settings.OPENAI_BASE_URL = server.url
        settings.OPENAI_MODEL = "test-model"
        settings.OPENAI_TIMEOUT = 1.0
        settings.LLM_MAX_RETRIES = 0
        yield server


@pytest.fixture
def month_of_spending(alice):
    account = make_account(alice, name="Joint 12345678")
    rent = make_category(alice, name="Rent")
    make_transaction(
        account,
        amount="-900",
        date=MONTH,
        category=rent,
        payee="Landlord Ltd",
        notes="secret note about my landlord",
    )
    make_transaction(
        account, amount="-4.50", date=MONTH + datetime.timedelta(days=3), payee="Corner Cafe"
    )
    make_transaction(
        account, amount="-3.25", date=MONTH + datetime.timedelta(days=4), payee="Corner Cafe"
    )
    return account


def test_the_summary_is_written_and_stored(alice, llm, month_of_spending):
    llm.script.append(Reply(content=json.dumps(GOOD)))
    summary = summary_generate(user=alice, month=MONTH)
    assert summary.status == "done"
    assert summary.content["tips"][0] == "Brew coffee at home twice a week."
    assert MonthlySummary.objects.get(user=alice, month=MONTH).model_name == "test-model"


def test_the_prompt_carries_aggregates_only(alice, llm, month_of_spending):
    llm.script.append(Reply(content=json.dumps(GOOD)))
    summary_generate(user=alice, month=MONTH)
    sent = llm.requests[-1]["raw"]
    assert "900.00" in sent and "Rent" in sent  # the category total
    assert "7.75" in sent  # uncategorized spending, as one total
    for private in (
        "Landlord Ltd",
        "Corner Cafe",
        "secret note",
        "12345678",
        alice.email,
        "4.50",
        "3.25",
    ):
        assert private not in sent
    for day in ("2026-10-01", "2026-10-04", "2026-10-05"):  # no single payment's date
        assert day not in sent
    payload = summary_payload(user=alice, month=MONTH)
    assert "transactions" not in json.dumps(payload)
    assert set(payload) == {
        "month",
        "currency",
        "income",
        "spending",
        "savings_rate_percent",
        "previous_month",
        "categories",
        "subscriptions",
    }


def test_subscriptions_are_sent_as_one_line_each_without_reference_numbers(alice, llm):
    account = make_account(alice)
    for month in range(5, 11):
        make_transaction(
            account,
            amount="-9.99" if month < 9 else "-12.99",
            date=datetime.date(2026, month, 8),
            payee="Tunes 88112233",
        )
    payload = summary_payload(user=alice, month=MONTH)
    assert payload["subscriptions"] == [
        {
            "name": "Tunes #",
            "currency": "USD",
            "amount": "12.99",
            "frequency": "monthly",
            "yearly_cost": "155.88",
            "price_rise": "from 9.99 to 12.99",
        }
    ]
    llm.script.append(Reply(content=json.dumps(GOOD)))
    summary_generate(user=alice, month=MONTH)
    assert "88112233" not in llm.requests[-1]["raw"]


def test_an_empty_month_is_not_sent_to_the_llm(alice, llm):
    summary = summary_generate(user=alice, month=MONTH)
    assert summary.status == "failed" and "nothing in October 2026" in summary.error
    assert llm.requests == []


def test_a_closed_month_is_summarised_by_the_daily_schedule(alice, bob, llm, month_of_spending):
    from insights.tasks import summaries_for_closed_months

    llm.script.append(Reply(content=json.dumps(GOOD)))
    with time_machine.travel(IN_NOVEMBER, tick=False):
        assert summaries_for_closed_months() == 1  # alice's October; bob has nothing to say
        assert summaries_for_closed_months() == 0  # once a month only
    assert MonthlySummary.objects.get(user=alice, month=MONTH).status == "done"
    assert not MonthlySummary.objects.filter(user=bob).exists()
    assert len(llm.requests) == 1


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(content="this is not json"), "not valid JSON"),
        (Reply(content=json.dumps({"overview": "x"})), "missed"),
        (Reply(status=500), "did not answer"),
        (Reply(delay=1.5, content=json.dumps(GOOD)), "did not answer"),
    ],
    ids=["malformed", "incomplete", "server error", "timeout"],
)
def test_bad_answers_are_recorded_as_failures(alice, llm, month_of_spending, reply, message):
    llm.script.append(reply)
    summary = summary_generate(user=alice, month=MONTH)
    assert summary.status == "failed" and message in summary.error


def test_without_an_llm_the_page_says_how_to_turn_it_on(alice_client, settings):
    settings.OPENAI_MODEL = ""
    page = alice_client.get(reverse("insights:insights")).content.decode()
    assert "AI summaries and saving tips are off" in page and "OPENAI_MODEL" in page
    response = alice_client.post(reverse("insights:summary-regenerate"))
    assert response.status_code == 302
    assert alice_client.post("/api/v1/insights/summary/regenerate").status_code == 400


def test_regenerate_runs_in_the_background_and_the_answer_is_escaped(
    alice, alice_client, llm, month_of_spending, django_capture_on_commit_callbacks
):
    # Through the API, for any month: 202 at once, written in the background.
    llm.script.append(Reply(content=json.dumps(GOOD)))
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/insights/summary/regenerate", {"month": "2026-10"})
    assert response.status_code == 202 and response.json()["status"] == "pending"
    summary = MonthlySummary.objects.get(user=alice, month=MONTH)
    assert summary.status == "done" and summary.content["overview"] == GOOD["overview"]

    hostile = dict(GOOD, overview="<script>alert(1)</script> You spent a lot.")
    llm.script.append(Reply(content=json.dumps(hostile)))
    # In November, October is the last closed month: the page's button writes it again.
    with time_machine.travel(IN_NOVEMBER, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(reverse("insights:summary-regenerate"))
        assert response.status_code == 302
        assert MonthlySummary.objects.get(user=alice, month=MONTH).status == "done"
        page = alice_client.get(reverse("insights:insights")).content.decode()
    # Shown escaped, never as HTML, with the date it was written and a way to write it again.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "Your October in words" in page and "Regenerate" in page
    assert "Written 15 Nov 2026" in page and "test-model" in page


def test_a_stranger_never_sees_the_summary(bob_client, alice, llm, month_of_spending):
    llm.script.append(Reply(content=json.dumps(GOOD)))
    summary_generate(user=alice, month=MONTH)
    assert "Brew coffee" not in bob_client.get(reverse("insights:insights")).content.decode()
    assert bob_client.get("/api/v1/insights").json()["ai"]["summary"] is None
