"""Rule writes, rules over new and existing transactions, and "always categorize X as Y"."""

from decimal import Decimal

import pytest

from ledger.models import Rule, Transaction
from ledger.rules import RuleError
from ledger.services.rules import (
    RuleInput,
    rule_apply_to_existing,
    rule_create,
    rule_from_transaction,
    rule_move,
    rule_preview,
    rule_test,
    rule_update,
    rules_apply,
    rules_attach_tags,
    rules_reorder,
)
from tests.ledger.factories import make_account, make_category, make_tag, make_transaction


def payee_rule(user, text, category, **extra):
    return rule_create(
        user=user,
        data=RuleInput(
            name=f"{text} rule",
            conditions=[{"field": "payee", "op": "contains", "value": text}],
            category=category,
            **extra,
        ),
    )


def test_rules_apply_changes_new_transactions_in_memory_before_they_are_saved(alice, checking):
    coffee = make_category(alice, name="Coffee")
    trip = make_tag(alice, "trip")
    payee_rule(alice, "blue bottle", coffee, tags=[trip], rename_payee="Blue Bottle")
    rows = [
        Transaction(
            user=alice,
            account=checking,
            date="2025-01-02",
            amount=Decimal("-4.50"),
            payee="SQ *BLUE BOTTLE 123 SF",
        ),
        Transaction(
            user=alice,
            account=checking,
            date="2025-01-02",
            amount=Decimal("-9"),
            payee="Corner shop",
        ),
    ]
    changed = rules_apply(user=alice, transactions=rows)
    assert changed == [rows[0]]
    assert rows[0].category_id == coffee.pk
    assert rows[0].categorized_by == "rule"
    assert rows[0].confidence == 1.0
    assert rows[0].payee == "Blue Bottle"
    assert rows[1].category_id is None
    saved = Transaction.objects.bulk_create(rows)
    assert rules_attach_tags(transactions=saved) == 1
    assert list(saved[0].tags.all()) == [trip]


def test_a_rule_never_overwrites_a_hand_set_category(alice, checking, groceries):
    coffee = make_category(alice, name="Coffee")
    payee_rule(alice, "shop", coffee, set_notes="checked")
    txn = make_transaction(checking, payee="Shop", category=groceries)  # manual
    rules_apply(user=alice, transactions=[txn])
    assert txn.category_id == groceries.pk
    assert txn.categorized_by == "manual"
    assert txn.notes == "checked"  # the other actions still apply


def test_the_rule_with_higher_priority_wins_and_reorder_changes_it(alice, checking):
    first, second = make_category(alice, name="A"), make_category(alice, name="B")
    r1 = payee_rule(alice, "uber", first)
    r2 = payee_rule(alice, "uber", second)
    txn = Transaction(user=alice, account=checking, amount=Decimal("-5"), payee="Uber trip")
    rules_apply(user=alice, transactions=[txn])
    assert txn.category_id == first.pk
    rules_reorder(user=alice, rule_ids=[r2.pk, r1.pk])
    txn = Transaction(user=alice, account=checking, amount=Decimal("-5"), payee="Uber trip")
    rules_apply(user=alice, transactions=[txn])
    assert txn.category_id == second.pk
    rule_move(rule=Rule.objects.get(pk=r2.pk), up=False)
    assert list(Rule.objects.for_user(alice).values_list("pk", flat=True)) == [r1.pk, r2.pk]


def test_go_on_applies_the_next_rule_too(alice, checking):
    food = make_category(alice, name="Food")
    weekend = make_tag(alice, "weekend")
    payee_rule(
        alice, "sq *", None, tags=[weekend], rename_payee="Blue Bottle", stop_processing=False
    )
    payee_rule(alice, "blue bottle", food)
    txn = Transaction(user=alice, account=checking, amount=Decimal("-5"), payee="SQ *BLUE B 1")
    rules_apply(user=alice, transactions=[txn])
    assert (txn.payee, txn.category_id, txn._rule_tag_ids) == ("Blue Bottle", food.pk, {weekend.pk})


def test_reorder_refuses_someone_elses_rule(alice, bob, groceries, bob_category):
    mine = payee_rule(alice, "a", groceries)
    theirs = payee_rule(bob, "b", bob_category)
    with pytest.raises(RuleError):
        rules_reorder(user=alice, rule_ids=[theirs.pk, mine.pk])


def test_rules_refuse_strangers_categories_and_accounts(alice, bob_category, bob_account):
    with pytest.raises(RuleError, match="your categories"):
        payee_rule(alice, "x", bob_category)
    with pytest.raises(RuleError, match="your accounts"):
        rule_create(
            user=alice,
            data=RuleInput(
                name="x",
                conditions=[{"field": "account", "op": "is", "value": bob_account.pk}],
                rename_payee="X",
            ),
        )


def test_a_rule_needs_an_action(alice):
    with pytest.raises(RuleError, match="at least one action"):
        rule_create(
            user=alice,
            data=RuleInput(
                name="x", conditions=[{"field": "payee", "op": "contains", "value": "x"}]
            ),
        )


def test_apply_to_existing_previews_how_many_and_which_then_applies(alice, checking, groceries):
    food = make_category(alice, name="Food")
    matching = [make_transaction(checking, payee=f"Tesco {i}") for i in range(3)]
    make_transaction(checking, payee="Tesco hand-set", category=groceries)  # manual: stays
    make_transaction(checking, payee="Tesco already", category=food, categorized_by="rule")
    make_transaction(checking, payee="Aldi")
    rule = payee_rule(alice, "tesco", food)
    preview = rule_preview(rule=rule)
    assert preview.count == 3
    assert {t.pk for t in preview.sample} == {t.pk for t in matching}
    assert Transaction.objects.filter(category=food).count() == 1  # a preview changes nothing
    assert rule_apply_to_existing(rule=rule) == 3
    assert Transaction.objects.filter(category=food, categorized_by="rule").count() == 4
    assert Transaction.objects.get(payee="Tesco hand-set").category_id == groceries.pk
    assert rule_preview(rule=rule).count == 0  # idempotent


def test_apply_to_existing_bumps_the_version_of_changed_rows(alice, checking, groceries):
    txn = make_transaction(checking, payee="Tesco")
    rule_apply_to_existing(rule=payee_rule(alice, "tesco", groceries))
    txn.refresh_from_db()
    assert txn.version == 2


def test_rule_test_lists_recent_matches_of_unsaved_conditions(alice, bob, checking):
    make_transaction(checking, payee="Netflix")
    make_transaction(checking, payee="Spotify")
    make_transaction(make_account(bob), payee="Netflix")
    found = rule_test(user=alice, conditions=[{"field": "payee", "op": "contains", "value": "net"}])
    assert [t.payee for t in found.matches] == ["Netflix"]
    assert all(t.user_id == alice.pk for t in found.matches)


def test_always_categorize_payee_as_makes_a_rule_and_applies_it(alice, checking, groceries):
    txn = make_transaction(checking, payee="Whole Foods")
    other = make_transaction(checking, payee="whole foods")
    rule = rule_from_transaction(transaction=txn, category=groceries)
    assert rule.conditions == [{"field": "payee", "op": "equals", "value": "Whole Foods"}]
    assert rule.set_category == groceries
    other.refresh_from_db()
    assert (other.category_id, other.categorized_by) == (groceries.pk, "rule")


def test_rule_update_validates_like_create(alice, groceries):
    rule = payee_rule(alice, "x", groceries)
    with pytest.raises(RuleError, match="not a valid pattern"):
        rule_update(
            rule=rule,
            data=RuleInput(
                name="x",
                conditions=[{"field": "payee", "op": "regex", "value": "("}],
                category=groceries,
            ),
        )


def test_a_rule_overrides_a_banks_category_but_not_the_users(alice, checking, groceries):
    food = make_category(alice, name="Food")
    payee_rule(alice, "deli", food)
    from_bank = make_transaction(
        checking, payee="Deli", category=groceries, categorized_by="provider"
    )
    rules_apply(user=alice, transactions=[from_bank])
    assert (from_bank.category_id, from_bank.categorized_by) == (food.pk, "rule")


SLOW_PATTERN = r"^(.*?,){11}P"  # catastrophic on a run of commas; only the time limit stops it


def slow_rule(user, category):
    return rule_create(
        user=user,
        data=RuleInput(
            name="Slow",
            conditions=[{"field": "payee", "op": "regex", "value": SLOW_PATTERN}],
            category=category,
        ),
    )


def test_a_rule_whose_pattern_runs_out_of_time_is_flagged_until_it_is_saved_again(
    alice, checking, groceries
):
    rule = slow_rule(alice, groceries)
    rows = [
        Transaction(user=alice, account=checking, amount=Decimal("-5"), payee="," * 40)
        for _ in range(50)
    ]
    assert rules_apply(user=alice, transactions=rows) == []
    rule.refresh_from_db()
    assert rule.pattern_timed_out_at is not None
    rule_update(
        rule=rule,
        data=RuleInput(
            name="Fixed",
            conditions=[{"field": "payee", "op": "regex", "value": r"^([^,]*,){11}P"}],
            category=groceries,
        ),
    )
    rule.refresh_from_db()
    assert rule.pattern_timed_out_at is None


def test_preview_and_test_panel_say_when_the_pattern_ran_out_of_time(alice, checking, groceries):
    rule = slow_rule(alice, groceries)
    make_transaction(checking, payee="," * 40)
    make_transaction(checking, payee="a,b,c,d,e,f,g,h,i,j,k,P")
    preview = rule_preview(rule=rule)
    assert preview.slow_pattern
    assert preview.count == 1  # the slow row counts as not matching; the other still does
    tested = rule_test(user=alice, conditions=rule.conditions)
    assert tested.slow_pattern
    assert [t.payee for t in tested.matches] == ["a,b,c,d,e,f,g,h,i,j,k,P"]
    fast = rule_test(user=alice, conditions=[{"field": "payee", "op": "contains", "value": "P"}])
    assert not fast.slow_pattern


def test_a_tags_only_rule_applied_to_existing_counts_only_rows_still_missing_the_tag(
    alice, checking
):
    trip = make_tag(alice, "trip")
    tagged = make_transaction(checking, payee="Hotel Lumiere", tags=[trip])
    untagged = make_transaction(checking, payee="Hotel Lumiere 2")
    make_transaction(checking, payee="Corner shop")
    rule = rule_create(
        user=alice,
        data=RuleInput(
            name="Trip",
            conditions=[{"field": "payee", "op": "starts_with", "value": "hotel"}],
            tags=[trip],
        ),
    )
    preview = rule_preview(rule=rule)
    assert (preview.count, [t.pk for t in preview.sample]) == (1, [untagged.pk])
    assert rule_apply_to_existing(rule=rule) == 1
    assert list(untagged.tags.all()) == [trip]
    assert list(tagged.tags.all()) == [trip]
    assert rule_preview(rule=rule).count == 0


def test_applying_set_notes_to_existing_fills_empty_notes_and_keeps_the_users_own(alice, checking):
    rule = payee_rule(alice, "uber", None, set_notes="work trip")
    blank = make_transaction(checking, payee="Uber 1", notes="")
    spaces = make_transaction(checking, payee="Uber 2", notes="  ")
    mine = make_transaction(checking, payee="Uber 3", notes="Mum's birthday, paid back")
    done = make_transaction(checking, payee="Uber 4", notes="work trip")

    preview = rule_preview(rule=rule)
    assert preview.count == 2
    assert {(t.pk, t.notes_before, t.notes) for t in preview.sample} == {
        (blank.pk, "", "work trip"),
        (spaces.pk, "  ", "work trip"),
    }
    assert preview.notes_kept == 1
    assert [(t.pk, t.notes) for t in preview.kept_sample] == [
        (mine.pk, "Mum's birthday, paid back")
    ]

    assert rule_apply_to_existing(rule=rule) == 2
    notes = dict(Transaction.objects.values_list("pk", "notes"))
    assert notes == {
        blank.pk: "work trip",
        spaces.pk: "work trip",
        mine.pk: "Mum's birthday, paid back",
        done.pk: "work trip",
    }
    assert rule_preview(rule=rule).count == 0  # nothing left to do, and nothing overwritten
