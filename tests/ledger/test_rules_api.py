"""Rules API: CRUD, reorder, test, preview/apply, from-transaction; a stranger gets 404."""

import pytest

from ledger.models import Rule, Transaction
from ledger.services.rules import RuleInput, rule_create
from tests.ledger.factories import make_category, make_tag, make_transaction

TESCO = [{"field": "payee", "op": "contains", "value": "tesco"}]


@pytest.fixture
def rule(alice, groceries):
    return rule_create(
        user=alice, data=RuleInput(name="Tesco", category=groceries, conditions=TESCO)
    )


def test_create_list_update_and_delete(alice_client, groceries, alice):
    tag = make_tag(alice, "food")
    created = alice_client.post(
        "/api/v1/rules",
        {
            "name": "Tesco",
            "conditions": TESCO,
            "set_category": groceries.pk,
            "add_tags": [tag.pk],
            "stop_processing": False,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["set_category"], body["add_tags"], body["priority"]) == (groceries.pk, [tag.pk], 0)
    listed = alice_client.get("/api/v1/rules").json()
    assert [r["name"] for r in listed["results"]] == ["Tesco"]
    patched = alice_client.patch(
        f"/api/v1/rules/{body['id']}", {"name": "Tesco shop"}, content_type="application/json"
    )
    assert patched.json()["name"] == "Tesco shop"
    assert patched.json()["conditions"] == TESCO
    assert alice_client.delete(f"/api/v1/rules/{body['id']}").status_code == 204
    assert not Rule.objects.exists()


def test_a_bad_regex_is_a_field_error(alice_client, groceries):
    response = alice_client.post(
        "/api/v1/rules",
        {
            "name": "x",
            "conditions": [{"field": "payee", "op": "regex", "value": "(a*)*"}],
            "set_category": groceries.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "repeats a group" in response.json()["conditions"][0]


def test_someone_elses_category_is_a_400_field_error(alice_client, bob_category):
    response = alice_client.post(
        "/api/v1/rules",
        {"name": "x", "conditions": TESCO, "set_category": bob_category.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "set_category" in response.json()


def test_reorder(alice, alice_client, rule, groceries):
    second = rule_create(user=alice, data=RuleInput(name="B", category=groceries, conditions=TESCO))
    response = alice_client.post(
        "/api/v1/rules/reorder", {"ids": [second.pk, rule.pk]}, content_type="application/json"
    )
    assert [r["id"] for r in response.json()] == [second.pk, rule.pk]
    bad = alice_client.post(
        "/api/v1/rules/reorder", {"ids": [9999]}, content_type="application/json"
    )
    assert bad.status_code == 400


def test_preview_then_apply(alice_client, rule, checking, groceries):
    make_transaction(checking, payee="Tesco 1")
    make_transaction(checking, payee="Tesco 2")
    make_transaction(checking, payee="Aldi")
    preview = alice_client.get(f"/api/v1/rules/{rule.pk}/preview").json()
    assert preview["count"] == 2
    assert preview["warning"] == ""
    assert {m["payee"] for m in preview["sample"]} == {"Tesco 1", "Tesco 2"}
    applied = alice_client.post(f"/api/v1/rules/{rule.pk}/apply").json()
    assert applied == {"changed": 2, "background": False}
    assert Transaction.objects.filter(category=groceries).count() == 2


def test_apply_runs_in_the_background_past_the_threshold(
    alice_client, rule, checking, groceries, monkeypatch, django_capture_on_commit_callbacks
):
    import ledger.services.rules as service

    monkeypatch.setattr(service, "APPLY_IN_BACKGROUND_ABOVE", 1)
    make_transaction(checking, payee="Tesco 1")
    make_transaction(checking, payee="Tesco 2")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = alice_client.post(f"/api/v1/rules/{rule.pk}/apply")
    assert response.status_code == 202
    # The apply task; once it ran, the budget-alert check that a category change queues.
    assert len(queued) == 2
    # Tests run django-q2 tasks inline: once queued after commit, the work is done.
    assert Transaction.objects.filter(category=groceries, categorized_by="rule").count() == 2


def test_test_endpoint(alice_client, checking):
    make_transaction(checking, payee="Uber trip", amount="-60")
    make_transaction(checking, payee="Uber trip", amount="-6")
    response = alice_client.post(
        "/api/v1/rules/test",
        {
            "conditions": [
                {"field": "payee", "op": "contains", "value": "uber"},
                {"field": "amount", "op": "less", "value": "-50"},
            ]
        },
        content_type="application/json",
    )
    assert [m["amount"] for m in response.json()] == ["-60.000"]


def test_from_transaction(alice, alice_client, checking):
    food = make_category(alice, name="Food")
    txn = make_transaction(checking, payee="Dishoom")
    response = alice_client.post(
        "/api/v1/rules/from-transaction",
        {"transaction": txn.pk, "category": food.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["conditions"] == [{"field": "payee", "op": "equals", "value": "Dishoom"}]


def test_a_stranger_gets_404_and_sees_nothing(bob_client, rule, checking):
    assert bob_client.get("/api/v1/rules").json()["results"] == []
    for method, url in [
        ("get", f"/api/v1/rules/{rule.pk}"),
        ("patch", f"/api/v1/rules/{rule.pk}"),
        ("delete", f"/api/v1/rules/{rule.pk}"),
        ("get", f"/api/v1/rules/{rule.pk}/preview"),
        ("post", f"/api/v1/rules/{rule.pk}/apply"),
    ]:
        assert getattr(bob_client, method)(url, content_type="application/json").status_code == 404
    txn = make_transaction(checking, payee="Mine")
    response = bob_client.post(
        "/api/v1/rules/from-transaction",
        {"transaction": txn.pk, "category": rule.set_category_id},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Rule.objects.count() == 1


def test_the_api_needs_authentication(client):
    assert client.get("/api/v1/rules").status_code in (401, 403)


def test_a_pattern_that_ran_out_of_time_is_reported(alice, alice_client, checking):
    make_transaction(checking, payee="," * 40)
    slow = rule_create(
        user=alice,
        data=RuleInput(
            name="Slow",
            conditions=[{"field": "payee", "op": "regex", "value": r"^(.*?,){11}P"}],
            rename_payee="X",
        ),
    )
    assert alice_client.get(f"/api/v1/rules/{slow.pk}").json()["pattern_timed_out_at"] is None
    preview = alice_client.get(f"/api/v1/rules/{slow.pk}/preview").json()
    assert "took too long" in preview["warning"]
    assert alice_client.get(f"/api/v1/rules/{slow.pk}").json()["pattern_timed_out_at"]


HUGE_ID = 10**30  # past any 64-bit id: SQLite cannot even bind it


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"set_category": HUGE_ID}, "set_category"),
        ({"add_tags": [HUGE_ID]}, "add_tags"),
        ({"conditions": [{"field": "account", "op": "is", "value": HUGE_ID}]}, "conditions"),
    ],
)
def test_an_id_past_any_row_is_a_400_field_error(alice, alice_client, body, field):
    response = alice_client.post(
        "/api/v1/rules", {"name": "x", "conditions": TESCO, **body}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Rule.objects.filter(user=alice).exists()


def test_huge_ids_elsewhere_in_the_rules_api_are_400_or_404(alice_client, rule):
    for url, body in [
        ("/api/v1/rules/reorder", {"ids": [HUGE_ID]}),
        ("/api/v1/rules/from-transaction", {"transaction": HUGE_ID, "category": HUGE_ID}),
    ]:
        assert alice_client.post(url, body, content_type="application/json").status_code == 400
    for url in (f"/api/v1/rules/{HUGE_ID}", f"/api/v1/rules/{HUGE_ID}/preview"):
        assert alice_client.get(url).status_code == 404


def test_the_preview_shows_notes_before_and_after_and_those_it_keeps(alice, alice_client, checking):
    rule = rule_create(
        user=alice, data=RuleInput(name="Work", conditions=TESCO, set_notes="work lunch")
    )
    empty = make_transaction(checking, payee="Tesco 1", notes="")
    mine = make_transaction(checking, payee="Tesco 2", notes="for the party")
    preview = alice_client.get(f"/api/v1/rules/{rule.pk}/preview").json()
    assert preview["count"] == 1
    assert [(m["id"], m["notes_before"], m["notes"]) for m in preview["sample"]] == [
        (empty.pk, "", "work lunch")
    ]
    assert preview["notes_kept"] == 1
    assert [(m["id"], m["notes"]) for m in preview["notes_kept_sample"]] == [
        (mine.pk, "for the party")
    ]
    assert alice_client.post(f"/api/v1/rules/{rule.pk}/apply").json()["changed"] == 1
    mine.refresh_from_db()
    assert mine.notes == "for the party"
