"""Rules pages: list, create/edit with field errors, test panel, apply, move, delete."""

import pytest
from django.urls import reverse

from ledger.models import Rule, Transaction
from ledger.services.rules import RuleInput, rule_create
from tests.ledger.factories import make_category, make_transaction


def cond_data(rows, **extra):
    data = {
        "cond-TOTAL_FORMS": str(len(rows)),
        "cond-INITIAL_FORMS": "0",
        "cond-MIN_NUM_FORMS": "0",
        "cond-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"cond-{i}-{key}"] = value
    data.update(extra)
    return data


@pytest.fixture
def rule(alice, groceries):
    return rule_create(
        user=alice,
        data=RuleInput(
            name="Tesco",
            category=groceries,
            conditions=[{"field": "payee", "op": "contains", "value": "tesco"}],
        ),
    )


def test_the_list_shows_rules_in_order(alice_client, rule):
    response = alice_client.get(reverse("ledger:rule-list"))
    assert response.status_code == 200
    assert "Payee contains tesco" in response.content.decode()


def test_the_list_says_what_to_do_when_empty(alice_client):
    assert (
        "Create your first rule" in alice_client.get(reverse("ledger:rule-list")).content.decode()
    )


def test_pages_need_login(client, rule):
    for url in (reverse("ledger:rule-list"), reverse("ledger:rule-edit", args=[rule.pk])):
        assert client.get(url).status_code == 302


def test_a_stranger_gets_404_everywhere(bob_client, rule, checking):
    txn = make_transaction(checking)
    for name in ("ledger:rule-edit", "ledger:rule-delete", "ledger:rule-apply"):
        assert bob_client.get(reverse(name, args=[rule.pk])).status_code == 404
    assert bob_client.post(reverse("ledger:rule-move", args=[rule.pk])).status_code == 404
    assert (
        bob_client.post(reverse("ledger:rule-from-transaction", args=[txn.pk])).status_code == 404
    )


def test_move_and_from_transaction_refuse_get(alice_client, rule, checking):
    assert alice_client.get(reverse("ledger:rule-move", args=[rule.pk])).status_code == 405
    assert alice_client.get(reverse("ledger:rule-test")).status_code == 405


def test_creating_a_rule_then_shows_the_apply_preview(alice, alice_client, checking, groceries):
    make_transaction(checking, payee="ALDI 12")
    response = alice_client.post(
        reverse("ledger:rule-create"),
        cond_data(
            [{"field": "payee", "op": "starts_with", "value": "aldi"}],
            name="Aldi",
            match_all="1",
            set_category=groceries.pk,
            stop_processing="on",
            is_active="on",
        ),
    )
    rule = Rule.objects.get(user=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:rule-apply", args=[rule.pk])
    page = alice_client.get(response["Location"]).content.decode()
    assert "1 transaction would change" in page
    alice_client.post(reverse("ledger:rule-apply", args=[rule.pk]))
    assert Transaction.objects.get(payee="ALDI 12").category == groceries


def test_a_bad_regex_is_an_error_next_to_the_condition(alice, alice_client, groceries):
    response = alice_client.post(
        reverse("ledger:rule-create"),
        cond_data(
            [{"field": "payee", "op": "regex", "value": "(a+)+"}],
            name="Bad",
            match_all="1",
            set_category=groceries.pk,
        ),
    )
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors
    assert "repeats a group" in errors["value"][0]
    assert not Rule.objects.exists()


def test_an_operator_that_does_not_fit_the_field_is_an_error(alice_client, groceries):
    response = alice_client.post(
        reverse("ledger:rule-create"),
        cond_data(
            [{"field": "amount", "op": "contains", "value": "5"}],
            name="Bad",
            match_all="1",
            set_category=groceries.pk,
        ),
    )
    assert "can be tested with" in response.context["formset"].forms[0].errors["op"][0]


def test_editing_keeps_conditions_and_saves_changes(alice_client, rule, groceries):
    page = alice_client.get(reverse("ledger:rule-edit", args=[rule.pk]))
    assert page.context["formset"].forms[0].initial["value"] == "tesco"
    alice_client.post(
        reverse("ledger:rule-edit", args=[rule.pk]),
        cond_data(
            [{"field": "amount", "op": "less", "value": "-50"}],
            name="Big spend",
            match_all="0",
            set_category=groceries.pk,
        ),
    )
    rule.refresh_from_db()
    assert rule.conditions == [{"field": "amount", "op": "less", "value": "-50"}]
    assert (rule.name, rule.match_all, rule.stop_processing) == ("Big spend", False, False)


def test_the_test_panel_lists_recent_matches_as_json(alice_client, checking, bob, bob_account):
    make_transaction(checking, payee="Netflix")
    make_transaction(checking, payee="Spotify")
    make_transaction(bob_account, payee="Netflix")
    response = alice_client.post(
        reverse("ledger:rule-test"),
        cond_data([{"field": "payee", "op": "contains", "value": "netf"}], match_all="1"),
    )
    data = response.json()
    assert [m["payee"] for m in data["matches"]] == ["Netflix"]
    bad = alice_client.post(
        reverse("ledger:rule-test"),
        cond_data([{"field": "payee", "op": "regex", "value": "(x"}]),
    )
    assert bad.status_code == 400
    assert "not a valid pattern" in bad.json()["error"]


def test_up_and_down_buttons_change_priority(alice, alice_client, rule, groceries):
    second = rule_create(
        user=alice,
        data=RuleInput(
            name="Second",
            category=groceries,
            conditions=[{"field": "payee", "op": "contains", "value": "x"}],
        ),
    )
    alice_client.post(reverse("ledger:rule-move", args=[second.pk]), {"direction": "up"})
    assert list(Rule.objects.for_user(alice).values_list("name", flat=True)) == ["Second", "Tesco"]


def test_delete_asks_first_then_deletes(alice_client, rule):
    assert (
        "Delete rule"
        in alice_client.get(reverse("ledger:rule-delete", args=[rule.pk])).content.decode()
    )
    alice_client.post(reverse("ledger:rule-delete", args=[rule.pk]))
    assert not Rule.objects.exists()


def test_always_categorize_payee_as_in_one_post(alice, alice_client, checking):
    food = make_category(alice, name="Food")
    txn = make_transaction(checking, payee="Dishoom")
    other = make_transaction(checking, payee="Dishoom")
    response = alice_client.post(
        reverse("ledger:rule-from-transaction", args=[txn.pk]),
        {"category": food.pk, "next": reverse("insights:review")},
    )
    assert response["Location"] == reverse("insights:review")
    assert Rule.objects.get(user=alice).set_category == food
    other.refresh_from_db()
    assert other.category == food


def test_from_transaction_refuses_a_strangers_category(alice, alice_client, checking, bob_category):
    txn = make_transaction(checking, payee="Dishoom")
    alice_client.post(
        reverse("ledger:rule-from-transaction", args=[txn.pk]), {"category": bob_category.pk}
    )
    assert not Rule.objects.exists()


def test_an_account_condition_is_picked_from_the_users_accounts(
    alice, alice_client, checking, groceries, bob_account
):
    data = cond_data(
        [{"field": "account", "op": "is", "account": checking.pk}],
        name="Card",
        match_all="1",
        set_category=groceries.pk,
    )
    alice_client.post(reverse("ledger:rule-create"), data)
    rule = Rule.objects.get(user=alice)
    assert rule.conditions == [{"field": "account", "op": "is", "value": checking.pk}]
    page = alice_client.get(reverse("ledger:rule-edit", args=[rule.pk]))
    assert page.context["formset"].forms[0].initial["account"] == checking.pk
    # Bob's account is not a choice.
    data["cond-0-account"] = bob_account.pk
    response = alice_client.post(reverse("ledger:rule-edit", args=[rule.pk]), data)
    assert "account" in response.context["formset"].forms[0].errors


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_runs_a_constant_number_of_queries(
    alice, alice_client, count, django_assert_max_num_queries
):
    from tests.ledger.factories import make_tag

    parent = make_category(alice, name="Food")
    tag = make_tag(alice, "t")
    for i in range(count):
        child = make_category(alice, name=f"Sub {i}", parent=parent)
        rule_create(
            user=alice,
            data=RuleInput(
                name=f"R{i}",
                category=child,
                tags=[tag],
                conditions=[{"field": "payee", "op": "contains", "value": f"p{i}"}],
            ),
        )
    with django_assert_max_num_queries(12):
        response = alice_client.get(reverse("ledger:rule-list"))
    assert "Food › Sub 1" in response.content.decode()


def test_the_pages_tell_the_user_when_a_pattern_ran_out_of_time(alice, alice_client, checking):
    make_transaction(checking, payee="," * 40)
    slow = [{"field": "payee", "op": "regex", "value": r"^(.*?,){11}P"}]
    panel = alice_client.post(reverse("ledger:rule-test"), cond_data(slow, match_all="1"))
    assert "took too long" in panel.json()["warning"]
    rule = rule_create(
        user=alice,
        data=RuleInput(name="Slow", conditions=slow, rename_payee="X"),
    )
    assert "took too long" in alice_client.get(reverse("ledger:rule-apply", args=[rule.pk])).text
    # The preview ran it over the history: the list and the editor now say so too.
    assert "Pattern too slow" in alice_client.get(reverse("ledger:rule-list")).text
    assert "Pattern too slow" in alice_client.get(reverse("ledger:rule-edit", args=[rule.pk])).text
    fine = [{"field": "payee", "op": "contains", "value": ","}]
    assert alice_client.post(reverse("ledger:rule-test"), cond_data(fine)).json()["warning"] == ""


def test_a_range_without_its_second_end_is_an_error_not_a_crash(alice_client, groceries):
    response = alice_client.post(
        reverse("ledger:rule-create"),
        cond_data(
            [{"field": "amount", "op": "between", "value": "-50", "value2": ""}],
            name="Mid-size",
            match_all="1",
            set_category=groceries.pk,
        ),
    )
    assert response.status_code == 200
    assert "both ends of the range" in response.context["formset"].forms[0].errors["value"][0]
    assert not Rule.objects.exists()


def test_the_apply_preview_shows_old_and_new_notes_and_the_notes_it_keeps(
    alice, alice_client, checking
):
    rule = rule_create(
        user=alice,
        data=RuleInput(
            name="Work rides",
            conditions=[{"field": "payee", "op": "contains", "value": "uber"}],
            set_notes="work trip",
        ),
    )
    make_transaction(checking, payee="Uber 1", notes="")
    mine = make_transaction(checking, payee="Uber 2", notes="Mum's birthday")
    page = alice_client.get(reverse("ledger:rule-apply", args=[rule.pk]))
    html = page.content.decode()
    assert "1 transaction would change" in html
    assert "only fills in empty notes" in html
    assert "(none)</span> → work trip" in html
    assert "1 matching transaction already has notes of its own" in html
    assert "Mum&#x27;s birthday" in html
    alice_client.post(reverse("ledger:rule-apply", args=[rule.pk]))
    mine.refresh_from_db()
    assert mine.notes == "Mum's birthday"


def test_the_apply_preview_tells_about_kept_notes_when_nothing_else_changes(
    alice, alice_client, checking
):
    rule = rule_create(
        user=alice,
        data=RuleInput(
            name="Work rides",
            conditions=[{"field": "payee", "op": "contains", "value": "uber"}],
            set_notes="work trip",
        ),
    )
    make_transaction(checking, payee="Uber 2", notes="Mum's birthday")
    html = alice_client.get(reverse("ledger:rule-apply", args=[rule.pk])).content.decode()
    assert "Nothing to change" in html
    assert "1 matching transaction already has notes of its own" in html


HUGE_ID = str(10**30)  # past any 64-bit id: SQLite cannot even bind it


@pytest.mark.parametrize("picker", ["set_category", "add_tags", "account"])
def test_an_id_past_any_row_is_a_field_error_in_every_picker(
    alice, alice_client, checking, groceries, picker
):
    rows = [{"field": "payee", "op": "contains", "value": "tesco"}]
    extra = {"name": "Tesco", "match_all": "1", "set_category": groceries.pk}
    if picker == "account":
        rows = [{"field": "account", "op": "is", "account": HUGE_ID}]
    else:
        extra[picker] = HUGE_ID
    response = alice_client.post(reverse("ledger:rule-create"), cond_data(rows, **extra))
    assert response.status_code == 200  # the form again, with the error beside the field
    if picker == "account":
        assert "account" in response.context["formset"].forms[0].errors
    else:
        assert picker in response.context["form"].errors
    assert not Rule.objects.filter(user=alice).exists()
    tested = alice_client.post(reverse("ledger:rule-test"), cond_data(rows, **extra))
    assert tested.status_code in (200, 400)
