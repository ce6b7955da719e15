import datetime
import json
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from budgets.models import Budget, Notification, RecurringItem
from budgets.services.budgets import budget_create
from budgets.services.recurring import recurring_create
from tests.ledger.factories import make_category, make_transaction

D = datetime.date
UTC = zoneinfo.ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def _march_2025():
    with time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=UTC), tick=False):
        yield


def send(client: Client, method: str, url: str, body=None):
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json"
    )


@pytest.fixture
def budget(alice, food) -> Budget:
    return budget_create(user=alice, category=food, amount="200")


@pytest.fixture
def item(alice, checking) -> RecurringItem:
    return recurring_create(user=alice, payee="Gym", amount="-30", account=checking,
                            start_date=D(2025, 1, 15))  # fmt: skip


def test_budgets_list_with_their_current_status(alice_client, budget, checking, food):
    make_transaction(checking, amount="-50", category=food, date=D(2025, 3, 2))
    data = alice_client.get("/api/v1/budgets").json()
    [row] = data["results"]
    assert row["amount"] == "200.000" or Decimal(row["amount"]) == Decimal("200")
    status = row["status"]
    assert Decimal(status["spent"]) == Decimal("50")
    assert Decimal(status["remaining"]) == Decimal("150")
    assert status["period_start"] == "2025-03-01" and status["period_end"] == "2025-03-31"
    assert status["health"] == "on-track" and status["percent"] == 25
    assert status["pace_percent"] == 32


def test_budget_crud_and_history(alice, alice_client, food, checking):
    response = send(
        alice_client,
        "post",
        "/api/v1/budgets",
        {"category": food.pk, "amount": "120", "period": "week"},
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["status"]["period_start"] == "2025-03-10"
    response = send(
        alice_client, "patch", f"/api/v1/budgets/{pk}", {"amount": "150", "rollover": True}
    )
    assert response.status_code == 200
    assert Decimal(response.json()["amount"]) == Decimal("150")
    history = alice_client.get(f"/api/v1/budgets/{pk}/history").json()
    assert len(history) == 12 and history[-1]["period_start"] == "2025-03-10"
    assert alice_client.delete(f"/api/v1/budgets/{pk}").status_code == 204
    assert Budget.objects.get(pk=pk).is_archived
    assert alice_client.get("/api/v1/budgets").json()["results"] == []
    assert len(alice_client.get("/api/v1/budgets?archived=1").json()["results"]) == 1


def test_bad_budget_input_is_a_400_and_saves_nothing(
    alice, alice_client, budget, food, bob_category
):
    income = make_category(alice, name="Salary", kind="income")
    cases = [
        ({"category": food.pk, "amount": "0"}, "amount"),
        ({"category": food.pk, "amount": "-10"}, "amount"),
        ({"category": food.pk, "amount": "10"}, "category"),  # a second monthly Food budget
        ({"category": bob_category.pk, "amount": "10"}, "category"),  # a stranger's
        ({"category": income.pk, "amount": "10"}, "category"),
        ({"amount": "10", "period": "fortnight"}, "period"),
    ]
    for body, field in cases:
        response = send(alice_client, "post", "/api/v1/budgets", body)
        assert response.status_code == 400, body
        assert field in response.json(), (body, response.json())
    assert Budget.objects.count() == 1


def test_recurring_crud_and_upcoming(alice_client, checking, item):
    response = send(alice_client, "post", "/api/v1/recurring", {
        "payee": "Rent", "amount": "-1200", "account": checking.pk, "frequency": "monthly",
        "day_of_month": 31, "start_date": "2025-01-01",
    })  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["currency"] == "USD"
    upcoming = alice_client.get("/api/v1/recurring/upcoming").json()
    assert [(row["date"], row["payee"]) for row in upcoming] == [
        ("2025-03-15", "Gym"),
        ("2025-03-31", "Rent"),
    ]
    assert upcoming[0]["seen"] is False
    bad = send(alice_client, "post", "/api/v1/recurring", {
        "payee": "Rent", "amount": "-1", "account": checking.pk, "start_date": "2025-03-01",
        "end_date": "2025-02-01",
    })  # fmt: skip
    assert bad.status_code == 400 and "end_date" in bad.json()
    assert alice_client.delete(f"/api/v1/recurring/{item.pk}").status_code == 204
    item.refresh_from_db()
    assert not item.is_active


def test_how_far_to_look_must_be_a_whole_number_in_range(alice_client, budget, item):
    assert len(alice_client.get("/api/v1/recurring/upcoming?days=60").json()) == 2
    assert len(alice_client.get(f"/api/v1/budgets/{budget.pk}/history?periods=3").json()) == 3
    for url in ["/api/v1/recurring/upcoming?days=abc", "/api/v1/recurring/upcoming?days=0",
                "/api/v1/recurring/upcoming?days=400",
                f"/api/v1/budgets/{budget.pk}/history?periods=1.5",
                f"/api/v1/budgets/{budget.pk}/history?periods=37"]:  # fmt: skip
        response = alice_client.get(url)
        assert response.status_code == 400, url
        [(name, [message])] = response.json().items()
        assert name in url and message.startswith("Enter a whole number from 1 to"), url


def test_subscriptions_are_listed_and_tracked(alice, alice_client, checking):
    for month in (11, 12):
        make_transaction(checking, amount="-9.99", payee="Spotify", date=D(2024, month, 2))
    for month in (1, 2, 3):
        make_transaction(checking, amount="-9.99", payee="Spotify", date=D(2025, month, 2))
    [series] = alice_client.get("/api/v1/subscriptions").json()
    assert series["payee"] == "Spotify" and Decimal(series["yearly_cost"]) == Decimal("119.88")
    response = send(alice_client, "post", "/api/v1/subscriptions/track", {"token": series["token"]})
    assert response.status_code == 201
    assert alice_client.get("/api/v1/subscriptions").json() == []
    assert (
        send(alice_client, "post", "/api/v1/subscriptions/track", {"token": "x"}).status_code == 400
    )


def test_notifications_list_and_mark_read(alice, alice_client):
    first = Notification.objects.create(user=alice, title="One")
    Notification.objects.create(user=alice, title="Two")
    assert len(alice_client.get("/api/v1/notifications").json()["results"]) == 2
    response = alice_client.post(f"/api/v1/notifications/{first.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"]
    assert [
        n["title"] for n in alice_client.get("/api/v1/notifications?unread=1").json()["results"]
    ] == ["Two"]
    assert alice_client.post("/api/v1/notifications/read-all").json() == {"marked": 1}


def test_strangers_see_nothing_and_change_nothing(alice, bob_client, budget, item, checking, food):
    note = Notification.objects.create(user=alice, title="Alice's")
    assert bob_client.get("/api/v1/budgets").json()["results"] == []
    assert bob_client.get("/api/v1/recurring").json()["results"] == []
    assert bob_client.get("/api/v1/notifications").json()["results"] == []
    assert bob_client.get("/api/v1/recurring/upcoming").json() == []
    for url in [f"/api/v1/budgets/{budget.pk}", f"/api/v1/budgets/{budget.pk}/history",
                f"/api/v1/recurring/{item.pk}", f"/api/v1/notifications/{note.pk}"]:  # fmt: skip
        assert bob_client.get(url).status_code == 404, url
    assert (
        send(bob_client, "patch", f"/api/v1/budgets/{budget.pk}", {"amount": "1"}).status_code
        == 404
    )
    assert bob_client.delete(f"/api/v1/recurring/{item.pk}").status_code == 404
    assert bob_client.post(f"/api/v1/notifications/{note.pk}/read").status_code == 404
    # His own rows cannot point at alice's account or category.
    response = send(bob_client, "post", "/api/v1/recurring", {
        "payee": "x", "amount": "-1", "account": checking.pk, "start_date": "2025-03-01",
    })  # fmt: skip
    assert response.status_code == 400 and "account" in response.json()
    response = send(bob_client, "post", "/api/v1/budgets", {"category": food.pk, "amount": "1"})
    assert response.status_code == 400 and "category" in response.json()
    budget.refresh_from_db()
    item.refresh_from_db()
    note.refresh_from_db()
    assert (budget.amount, item.is_active, note.read_at) == (Decimal("200"), True, None)


def test_the_api_needs_authentication(client):
    for url in [
        "/api/v1/budgets",
        "/api/v1/recurring",
        "/api/v1/subscriptions",
        "/api/v1/notifications",
    ]:
        assert client.get(url).status_code in (401, 403)


def test_the_budgets_list_runs_a_constant_number_of_queries(
    alice, alice_client, checking, django_assert_max_num_queries
):
    for n in range(30):
        budget_create(user=alice, category=make_category(alice, name=f"C{n}"), amount="10")
    alice_client.get("/api/v1/budgets")
    with django_assert_max_num_queries(10):
        assert len(alice_client.get("/api/v1/budgets").json()["results"]) == 30


def test_the_schema_documents_the_budgets_api(alice_client):
    schema = alice_client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ["/api/v1/budgets", "/api/v1/budgets/{id}/history", "/api/v1/recurring/upcoming",
                 "/api/v1/subscriptions/track", "/api/v1/notifications/{id}/read"]:  # fmt: skip
        assert path in text
