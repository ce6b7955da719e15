"""Operators' read-only admin pages for LLM runs, daily cap use, classifiers and AI summaries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from insights.classifier import classifier_train
from insights.models import ClassifierState, LlmRun, LlmUsage
from insights.summaries import MonthlySummary
from tests.ledger.factories import make_account, make_category, make_transaction

MODELS = ["llmrun", "llmusage", "classifierstate", "monthlysummary"]


@pytest.fixture
def admin_client_(db) -> Client:
    admin = User.objects.create_superuser("admin@example.com", "pw")
    client = Client()
    client.force_login(admin)
    return client


def fill(user: User, days: int) -> None:
    """`days` days of LLM use, each with a run that worked and one that failed."""
    today = timezone.localdate()
    for n in range(days):
        LlmUsage.objects.create(
            user=user, day=today - datetime.timedelta(days=n), requests=n + 1, failures=1
        )
        LlmRun.objects.create(user=user, status="ok", model_name="llama3", transactions=50)
        LlmRun.objects.create(
            user=user, status="failed", model_name="llama3", error="The LLM server timed out."
        )
        MonthlySummary.objects.create(
            user=user,
            month=datetime.date(2020, 1, 1) + datetime.timedelta(days=31 * n),
            status="done",
            content={"overview": "You spent 412.00 at Secret Florist."},
        )
    account = make_account(user)
    food = make_category(user, name="Food")
    for n in range(3):
        make_transaction(account, payee="Secret Florist", amount=Decimal(-5 - n), category=food)
    classifier_train(user=user)


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_runs_the_same_queries_for_few_and_many_rows(
    admin_client_, alice, bob, model
):
    fill(alice, 2)
    few = queries(admin_client_, f"/admin/insights/{model}/")
    fill(bob, 12)
    assert queries(admin_client_, f"/admin/insights/{model}/") == few


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_searches_and_its_rows_open_read_only(admin_client_, alice, bob, model):
    fill(alice, 1)
    fill(bob, 1)
    found = admin_client_.get(f"/admin/insights/{model}/?q=alice")
    assert found.status_code == 200
    rows = found.context["cl"].result_list
    assert rows and all(row.user == alice for row in rows)

    page = admin_client_.get(f"/admin/insights/{model}/{rows[0].pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # view only
    assert admin_client_.get(f"/admin/insights/{model}/add/").status_code == 403
    assert admin_client_.post(f"/admin/insights/{model}/{rows[0].pk}/delete/").status_code == 403


def test_failures_and_the_daily_cap_can_be_filtered(admin_client_, alice, settings):
    settings.LLM_DAILY_REQUEST_CAP = 2
    fill(alice, 3)  # requests 1, 2 and 3 on three days

    failed = admin_client_.get("/admin/insights/llmrun/?status__exact=failed")
    assert {r.status for r in failed.context["cl"].result_list} == {"failed"}
    assert b"The LLM server timed out." in failed.content

    capped = admin_client_.get("/admin/insights/llmusage/?cap=reached")
    assert sorted(u.requests for u in capped.context["cl"].result_list) == [2, 3]
    assert b"3 of 2 (150%)" in capped.content


def test_the_pages_never_show_the_users_payees_or_summary_text(admin_client_, alice):
    fill(alice, 1)
    state = ClassifierState.objects.get(user=alice)
    summary = MonthlySummary.objects.get(user=alice)
    for url in [
        "/admin/insights/classifierstate/",
        f"/admin/insights/classifierstate/{state.pk}/change/",
        "/admin/insights/monthlysummary/",
        f"/admin/insights/monthlysummary/{summary.pk}/change/",
    ]:
        page = admin_client_.get(url)
        assert page.status_code == 200
        assert b"florist" not in page.content.lower(), url
        if "change" in url:
            shown = {f for fs in page.context["adminform"] for line in fs for f in line.fields}
            assert not shown & {"model", "content"}, url
    listing = admin_client_.get("/admin/insights/classifierstate/")
    assert listing.context["cl"].result_list[0].size == len(bytes(state.model))


def test_people_who_are_not_staff_are_sent_to_sign_in(alice_client):
    for model in MODELS:
        response = alice_client.get(f"/admin/insights/{model}/")
        assert response.status_code == 302
        assert "/login/" in response["Location"]
