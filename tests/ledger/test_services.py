import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from ledger.models import Category, Rule, Transaction, TransactionSplit, Transfer
from ledger.selectors import accounts_with_balance, net_worth, transactions_totals
from ledger.services.accounts import account_create, account_delete, account_update
from ledger.services.categories import (
    DEFAULT_CATEGORIES,
    categories_create_defaults,
    category_archive,
    category_create,
    category_merge,
    category_update,
)
from ledger.services.splits import transaction_split, transaction_unsplit
from ledger.services.tags import tag_create, tags_get_or_create
from ledger.services.transactions import (
    BulkValidationError,
    transaction_create,
    transaction_delete,
    transaction_update,
    transactions_bulk_create,
    transactions_bulk_delete,
    transactions_bulk_tag,
    transactions_bulk_update_category,
)
from ledger.services.transfers import (
    transaction_convert_to_transfer,
    transfer_create,
    transfer_delete,
    transfer_sides,
    transfer_update,
)
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_tag,
    make_transaction,
    make_transfer,
)

DAY = datetime.date(2025, 3, 10)


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


# --- accounts and balances ---------------------------------------------------------------


def test_a_balance_is_the_opening_balance_plus_its_transactions(alice, checking):
    make_transaction(checking, amount="-25.50")
    make_transaction(checking, amount="100.00")
    balance = accounts_with_balance(user=alice).get(pk=checking.pk).balance
    assert balance == Decimal("1074.50")


def test_an_account_without_transactions_has_its_opening_balance(alice, checking):
    assert accounts_with_balance(user=alice).get().balance == Decimal("1000.00")


def test_net_worth_is_assets_minus_liabilities_per_currency(alice, checking):
    card = make_account(alice, type="credit_card", opening_balance="-300")
    make_transaction(card, amount="-200")
    euro = make_account(alice, currency="EUR", opening_balance="50")
    make_account(alice, currency="EUR", opening_balance="999", is_archived=True)
    worth = {n.currency: n for n in net_worth(user=alice)}
    assert worth["USD"].assets == Decimal("1000")
    assert worth["USD"].liabilities == Decimal("500")
    assert worth["USD"].net == Decimal("500")
    assert worth["EUR"].net == Decimal("50")
    assert euro.currency == "EUR"


def test_account_create_rejects_an_unknown_currency(alice):
    with pytest.raises(ValidationError) as exc:
        account_create(user=alice, name="Weird", currency="XYZ")
    assert "currency" in errors_of(exc)


def test_account_create_without_a_currency_uses_the_users_base_currency(alice, bob):
    alice.profile.base_currency = "EUR"
    alice.profile.save()

    assert account_create(user=alice, name="Giro").currency == "EUR"
    assert account_create(user=alice, name="Cash", currency="").currency == "EUR"
    assert account_create(user=alice, name="Yen", currency="JPY").currency == "JPY"
    assert account_create(user=bob, name="Checking").currency == "USD"  # the profile default


def test_account_create_checks_the_opening_balance_against_the_currency(alice):
    with pytest.raises(ValidationError) as exc:
        account_create(user=alice, name="Yen", currency="JPY", opening_balance="10.5")
    assert errors_of(exc)["opening_balance"] == ["JPY amounts have no decimal places."]
    account = account_create(user=alice, name="Dinar", currency="KWD", opening_balance="1.234")
    assert account.opening_balance == Decimal("1.234")


def test_an_account_with_transactions_keeps_its_currency(alice, checking):
    make_transaction(checking)
    with pytest.raises(ValidationError) as exc:
        account_update(user=alice, account=checking, currency="EUR")
    assert "currency" in errors_of(exc)


def test_deleting_an_account_leaves_the_other_side_of_its_transfers_as_plain(
    alice, checking, savings
):
    transfer = make_transfer(checking, savings, amount="50")
    account_delete(user=alice, account=savings)
    left = Transaction.objects.get(account=checking)
    assert left.transfer_id is None and left.amount == Decimal("-50")
    assert not Transfer.objects.filter(pk=transfer.pk).exists()


# --- categories --------------------------------------------------------------------------


def test_new_users_get_the_default_categories_once(alice):
    created = categories_create_defaults(user=alice)
    names = set(Category.objects.for_user(alice).values_list("name", flat=True))
    assert {name for name, *_ in DEFAULT_CATEGORIES} <= names
    assert {"Restaurants", "Coffee"} <= names
    assert categories_create_defaults(user=alice) == []
    assert Category.objects.for_user(alice).count() == len(created)
    coffee = Category.objects.get(user=alice, name="Coffee")
    assert coffee.parent.name == "Food & Dining" and coffee.icon


def test_a_category_can_not_be_three_levels_deep(alice):
    food = category_create(user=alice, name="Food")
    cafe = category_create(user=alice, name="Cafe", parent=food)
    with pytest.raises(ValidationError) as exc:
        category_create(user=alice, name="Espresso", parent=cafe)
    assert "parent" in errors_of(exc)


def test_a_category_name_is_unique_among_its_siblings(alice):
    category_create(user=alice, name="Food")
    with pytest.raises(ValidationError) as exc:
        category_create(user=alice, name="food")
    assert "name" in errors_of(exc)


def test_a_category_under_someone_elses_parent_is_refused(alice, bob_category):
    with pytest.raises(ValidationError) as exc:
        category_create(user=alice, name="Mine", parent=bob_category)
    assert errors_of(exc)["parent"] == ["Choose one of your own."]


def test_merge_moves_transactions_splits_rules_and_children_then_deletes_source(alice, checking):
    source = make_category(alice, name="Eating out")
    child = make_category(alice, name="Lunch", parent=source)
    target = make_category(alice, name="Restaurants")
    txn = make_transaction(checking, category=source)
    split_txn = make_transaction(checking, amount="-30")
    make_split(split_txn, [(source, "-10"), (None, "-20")])
    rule = Rule.objects.create(user=alice, name="Diner", set_category=source)
    category_merge(user=alice, source=source, target=target)
    txn.refresh_from_db()
    rule.refresh_from_db()
    child.refresh_from_db()
    assert txn.category == target
    assert TransactionSplit.objects.filter(category=target).count() == 1
    assert rule.set_category == target
    assert child.parent == target
    assert not Category.objects.filter(pk=source.pk).exists()


def test_merge_moves_budgets_and_recurring_bills_filed_under_the_source(alice, checking):
    budget = apps.get_model("budgets", "Budget")
    recurring = apps.get_model("budgets", "RecurringItem")
    source = make_category(alice, name="Eating out")
    target = make_category(alice, name="Restaurants")
    day = datetime.date(2025, 1, 1)
    kept = budget.objects.create(user=alice, category=source, amount=Decimal("200"), start_date=day)
    bill = recurring.objects.create(
        user=alice,
        payee="Meal kit",
        amount=Decimal("-60"),
        account=checking,
        category=source,
        start_date=day,
        post_from=day,
    )
    category_merge(user=alice, source=source, target=target)
    kept.refresh_from_db()
    bill.refresh_from_db()
    assert kept.category == target and bill.category == target


def test_merge_keeps_the_targets_budget_when_both_have_one(alice):
    budget = apps.get_model("budgets", "Budget")
    source = make_category(alice, name="Eating out")
    target = make_category(alice, name="Restaurants")
    day = datetime.date(2025, 1, 1)
    budget.objects.create(user=alice, category=source, amount=Decimal("200"), start_date=day)
    theirs = budget.objects.create(
        user=alice, category=target, amount=Decimal("300"), start_date=day
    )
    category_merge(user=alice, source=source, target=target)
    assert list(budget.objects.filter(user=alice)) == [theirs]
    assert not Category.objects.filter(pk=source.pk).exists()


def test_merge_joins_sub_categories_with_the_same_name(alice, checking):
    source = make_category(alice, name="Eating out")
    target = make_category(alice, name="Food")
    old_coffee = make_category(alice, name="Coffee", parent=source)
    coffee = make_category(alice, name="coffee", parent=target)
    txn = make_transaction(checking, category=old_coffee)
    category_merge(user=alice, source=source, target=target)
    txn.refresh_from_db()
    assert txn.category == coffee
    assert list(target.children.all()) == [coffee]


def test_merge_refuses_merging_a_category_into_itself_or_another_kind(alice):
    food = make_category(alice, name="Food")
    salary = make_category(alice, name="Salary", kind="income")
    with pytest.raises(ValidationError):
        category_merge(user=alice, source=food, target=food)
    with pytest.raises(ValidationError):
        category_merge(user=alice, source=food, target=salary)


def test_merge_does_not_touch_another_users_rows(alice, bob, bob_category, bob_account):
    mine = make_category(alice)
    with pytest.raises(ValidationError):
        category_merge(user=alice, source=bob_category, target=mine)
    assert Category.objects.filter(pk=bob_category.pk).exists()


def test_archiving_a_category_archives_its_children(alice):
    parent = make_category(alice)
    child = make_category(alice, parent=parent)
    category_archive(user=alice, category=parent)
    child.refresh_from_db()
    assert child.is_archived


def test_renaming_and_recolouring_a_category(alice):
    cat = make_category(alice, name="Fod")
    category_update(user=alice, category=cat, name="Food", color="#AABBCC")
    cat.refresh_from_db()
    assert (cat.name, cat.color) == ("Food", "#aabbcc")
    with pytest.raises(ValidationError):
        category_update(user=alice, category=cat, color="red")


def test_tags_get_or_create_reuses_names_case_insensitively(alice):
    trip = tag_create(user=alice, name="Trip")
    tags = tags_get_or_create(user=alice, names=["trip", "Work", "work "])
    assert tags[0] == trip and len(tags) == 2


# --- transactions ------------------------------------------------------------------------


def test_transaction_create_records_a_manual_category(alice, checking, groceries):
    tag = make_tag(alice)
    txn = transaction_create(
        user=alice,
        account=checking,
        date=DAY,
        amount="-12.5",
        payee="Market",
        category=groceries,
        tags=[tag],
    )
    assert txn.amount == Decimal("-12.50")
    assert txn.categorized_by == "manual" and txn.confidence is None
    assert list(txn.tags.all()) == [tag]


@pytest.mark.parametrize(
    ("currency", "amount", "message"),
    [
        ("USD", "12abc", "Enter an amount as a number, like 1234.56 or -12.50."),
        ("USD", "1.234", "USD amounts have at most 2 decimal places."),
        ("JPY", "10.5", "JPY amounts have no decimal places."),
        ("KWD", "1.2345", "KWD amounts have at most 3 decimal places."),
        (
            "USD",
            "1000000000000",
            "That amount is too large: it must be less than 1,000,000,000,000.",
        ),
    ],
)
def test_transaction_create_rejects_bad_amounts(alice, currency, amount, message):
    account = make_account(alice, currency=currency)
    with pytest.raises(ValidationError) as exc:
        transaction_create(user=alice, account=account, date=DAY, amount=amount)
    assert errors_of(exc)["amount"] == [message]
    assert not Transaction.objects.exists()


def test_transaction_create_accepts_the_currencys_own_minor_units(alice):
    yen = make_account(alice, currency="JPY")
    dinar = make_account(alice, currency="KWD")
    assert transaction_create(user=alice, account=yen, date=DAY, amount="-1500").amount == -1500
    txn = transaction_create(user=alice, account=dinar, date=DAY, amount="-1.250")
    assert txn.amount == Decimal("-1.250")


def test_transaction_create_rejects_a_date_that_does_not_parse(alice, checking):
    with pytest.raises(ValidationError) as exc:
        transaction_create(user=alice, account=checking, date="2025-02-30", amount="1")
    assert "date" in errors_of(exc)


def test_transaction_create_refuses_someone_elses_account_category_and_tags(
    alice, bob, checking, bob_account, bob_category
):
    bob_tag = make_tag(bob)
    with pytest.raises(ValidationError) as exc:
        transaction_create(user=alice, account=bob_account, date=DAY, amount="1")
    assert "account" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        transaction_create(
            user=alice,
            account=checking,
            date=DAY,
            amount="1",
            category=bob_category,
            tags=[bob_tag],
        )
    assert set(errors_of(exc)) == {"category", "tags"}
    assert not Transaction.objects.exists()


def test_a_positive_amount_in_an_expense_category_is_a_refund_and_allowed(
    alice, checking, groceries
):
    txn = transaction_create(
        user=alice, account=checking, date=DAY, amount="5.00", category=groceries
    )
    assert txn.amount == Decimal("5.00")


def test_external_ids_are_unique_per_account(alice, checking, savings):
    transaction_create(user=alice, account=checking, date=DAY, amount="1", external_id="x1")
    transaction_create(user=alice, account=savings, date=DAY, amount="1", external_id="x1")
    with pytest.raises(ValidationError) as exc:
        transaction_create(user=alice, account=checking, date=DAY, amount="1", external_id="x1")
    assert "external_id" in errors_of(exc)


def test_transaction_update_bumps_the_version_and_marks_a_manual_category(
    alice, checking, groceries
):
    txn = make_transaction(checking, categorized_by="rule", confidence=0.9)
    txn = transaction_update(
        user=alice, transaction=txn, expected_version=1, category=groceries, payee="New"
    )
    txn.refresh_from_db()
    assert txn.version == 2 and txn.payee == "New"
    assert txn.categorized_by == "manual" and txn.confidence is None


def test_a_stale_version_is_refused_and_nothing_is_written(alice, checking):
    txn = make_transaction(checking, payee="Original")
    transaction_update(user=alice, transaction=txn, expected_version=1, payee="First editor")
    stale = Transaction.objects.get(pk=txn.pk)
    stale.version = 1
    with pytest.raises(ValidationError) as exc:
        transaction_update(user=alice, transaction=stale, expected_version=1, payee="Second")
    assert exc.value.code == "conflict"
    assert "changed by someone else" in exc.value.messages[0]
    txn.refresh_from_db()
    assert txn.payee == "First editor" and txn.version == 2


def test_moving_a_transaction_to_another_currency_checks_the_amount_again(alice, checking):
    yen = make_account(alice, currency="JPY")
    txn = make_transaction(checking, amount="-10.50")
    with pytest.raises(ValidationError) as exc:
        transaction_update(user=alice, transaction=txn, account=yen)
    assert "amount" in errors_of(exc)


def test_deleting_one_side_of_a_transfer_deletes_both(alice, checking, savings):
    transfer = make_transfer(checking, savings)
    out = Transaction.objects.get(account=checking)
    transaction_delete(user=alice, transaction=out)
    assert not Transaction.objects.exists()
    assert not Transfer.objects.filter(pk=transfer.pk).exists()


def test_bulk_create_writes_all_rows_with_their_tags(alice, checking, groceries):
    tag = make_tag(alice)
    rows = [
        {"account": checking, "date": DAY, "amount": f"-{i}.00", "payee": f"P{i}", "tags": [tag]}
        for i in range(1, 6)
    ]
    rows[0]["category"] = groceries
    created = transactions_bulk_create(user=alice, rows=rows)
    assert len(created) == 5 and all(t.pk for t in created)
    assert Transaction.objects.filter(tags=tag).count() == 5
    assert Transaction.objects.get(payee="P1").categorized_by == "manual"


def test_bulk_create_writes_nothing_when_one_row_is_bad(alice, checking):
    rows = [{"account": checking, "date": DAY, "amount": "-1.00"} for _ in range(4)]
    rows[2]["amount"] = "-1.001"
    rows[3]["date"] = "yesterday"
    with pytest.raises(BulkValidationError) as exc:
        transactions_bulk_create(user=alice, rows=rows)
    assert set(exc.value.row_errors) == {2, 3}
    assert "amount" in exc.value.row_errors[2] and "date" in exc.value.row_errors[3]
    assert not Transaction.objects.exists()


def test_bulk_create_refuses_duplicate_external_ids_in_the_batch(alice, checking):
    make_transaction(checking, external_id="old")
    rows = [
        {"account": checking, "date": DAY, "amount": "1", "external_id": "new"},
        {"account": checking, "date": DAY, "amount": "1", "external_id": "new"},
        {"account": checking, "date": DAY, "amount": "1", "external_id": "old"},
    ]
    with pytest.raises(BulkValidationError) as exc:
        transactions_bulk_create(user=alice, rows=rows)
    assert set(exc.value.row_errors) == {1, 2}


def test_bulk_create_has_a_limit_of_a_thousand_rows(alice, checking):
    rows = [{"account": checking, "date": DAY, "amount": "1"}] * 1001
    with pytest.raises(ValidationError) as exc:
        transactions_bulk_create(user=alice, rows=rows)
    assert "rows" in errors_of(exc)


def test_bulk_category_skips_transfers_splits_and_strangers_rows(
    alice, bob, checking, savings, groceries, bob_account
):
    plain = make_transaction(checking)
    split = make_transaction(checking, amount="-20")
    make_split(split, [(None, "-10"), (None, "-10")])
    make_transfer(checking, savings)
    theirs = make_transaction(bob_account)
    all_ids = list(Transaction.objects.values_list("pk", flat=True))
    assert transactions_bulk_update_category(user=alice, ids=all_ids, category=groceries) == 1
    plain.refresh_from_db()
    theirs.refresh_from_db()
    assert plain.category == groceries and plain.categorized_by == "manual"
    assert theirs.category is None


def test_bulk_tag_adds_and_removes(alice, checking):
    a, b = make_tag(alice, "a"), make_tag(alice, "b")
    t1 = make_transaction(checking, tags=[b])
    t2 = make_transaction(checking)
    assert transactions_bulk_tag(user=alice, ids=[t1.pk, t2.pk], add=[a], remove=[b]) == 2
    assert set(t1.tags.all()) == {a} and set(t2.tags.all()) == {a}
    with pytest.raises(ValidationError):
        transactions_bulk_tag(user=alice, ids=[t1.pk], add=[make_tag(_other_user())])


def _other_user():
    from accounts.models import User

    return User.objects.create_user("carol@example.com", "x")


def test_bulk_delete_only_deletes_the_users_rows(alice, checking, bob_account):
    mine = make_transaction(checking)
    theirs = make_transaction(bob_account)
    assert transactions_bulk_delete(user=alice, ids=[mine.pk, theirs.pk]) == 1
    assert list(Transaction.objects.all()) == [theirs]


# --- transfers ---------------------------------------------------------------------------


def test_a_transfer_is_a_linked_pair_and_never_income_or_expense(alice, checking, savings):
    transfer = transfer_create(
        user=alice, from_account=checking, to_account=savings, date=DAY, amount="200"
    )
    out, into = transfer_sides(transfer)
    assert (out.account, out.amount) == (checking, Decimal("-200"))
    assert (into.account, into.amount) == (savings, Decimal("200"))
    assert out.payee == "Transfer to Savings"
    totals = transactions_totals(transactions=Transaction.objects.for_user(alice))
    assert totals[0].income == 0 and totals[0].expenses == 0
    assert totals[0].transfers_out == Decimal("-200")
    balances = {a.pk: a.balance for a in accounts_with_balance(user=alice)}
    assert balances == {checking.pk: Decimal("800.00"), savings.pk: Decimal("200")}


def test_a_transfer_between_currencies_needs_both_amounts(alice, checking):
    euro = make_account(alice, currency="EUR", name="Euro card")
    with pytest.raises(ValidationError) as exc:
        transfer_create(user=alice, from_account=checking, to_account=euro, date=DAY, amount="110")
    assert "to_amount" in errors_of(exc)
    transfer = transfer_create(
        user=alice,
        from_account=checking,
        to_account=euro,
        date=DAY,
        amount="110",
        to_amount="100.55",
    )
    out, into = transfer_sides(transfer)
    assert out.amount == Decimal("-110") and into.amount == Decimal("100.55")


def test_a_transfer_to_the_same_account_is_refused(alice, checking):
    with pytest.raises(ValidationError) as exc:
        transfer_create(
            user=alice, from_account=checking, to_account=checking, date=DAY, amount="1"
        )
    assert "to_account" in errors_of(exc)
    assert not Transaction.objects.exists() and not Transfer.objects.exists()


def test_a_transfer_to_someone_elses_account_is_refused(alice, checking, bob_account):
    with pytest.raises(ValidationError) as exc:
        transfer_create(
            user=alice, from_account=checking, to_account=bob_account, date=DAY, amount="1"
        )
    assert "to_account" in errors_of(exc)


def test_transfer_update_keeps_both_sides_consistent(alice, checking, savings):
    transfer = transfer_create(
        user=alice, from_account=checking, to_account=savings, date=DAY, amount="50"
    )
    transfer_update(user=alice, transfer=transfer, amount="75", date=datetime.date(2025, 4, 1))
    out, into = transfer_sides(transfer)
    assert (out.amount, into.amount) == (Decimal("-75"), Decimal("75"))
    assert out.date == into.date == datetime.date(2025, 4, 1)


def test_editing_one_side_of_a_transfer_moves_the_other(alice, checking, savings):
    transfer = make_transfer(checking, savings, amount="40")
    out = Transaction.objects.get(account=checking)
    transaction_update(user=alice, transaction=out, amount="-45", date=datetime.date(2025, 5, 1))
    into = Transaction.objects.get(account=savings)
    assert into.amount == Decimal("45") and into.date == datetime.date(2025, 5, 1)
    assert transfer.pk == into.transfer_id


def test_moving_a_transfer_side_to_another_currency_asks_what_moved_there(alice, checking):
    savings = make_account(alice, name="Savings")
    euros = make_account(alice, name="Euro card", currency="EUR")
    transfer = transfer_create(
        user=alice, from_account=checking, to_account=savings, date=DAY, amount="100"
    )
    with pytest.raises(ValidationError) as exc:
        transfer_update(user=alice, transfer=transfer, to_account=euros)
    assert "to_amount" in errors_of(exc)
    out, into = transfer_sides(transfer)
    assert into.account == savings and into.amount == Decimal("100")
    transfer_update(user=alice, transfer=transfer, to_account=euros, to_amount="91.50")
    out, into = transfer_sides(transfer)
    assert (out.amount, into.account, into.amount) == (Decimal("-100"), euros, Decimal("91.5"))
    with pytest.raises(ValidationError) as exc:
        transfer_update(
            user=alice, transfer=transfer, from_account=make_account(alice, currency="GBP")
        )
    assert "amount" in errors_of(exc)
    # back to one currency: the arriving amount follows the amount again
    transfer_update(user=alice, transfer=transfer, to_account=savings)
    out, into = transfer_sides(transfer)
    assert (out.amount, into.amount) == (Decimal("-100"), Decimal("100"))


def test_transfer_delete_removes_both_sides(alice, checking, savings):
    transfer = make_transfer(checking, savings)
    transfer_delete(user=alice, transfer=transfer)
    assert not Transaction.objects.exists()


def test_a_transaction_becomes_a_transfer(alice, checking, savings, groceries):
    txn = make_transaction(checking, amount="-60", category=groceries)
    transfer = transaction_convert_to_transfer(user=alice, transaction=txn, other_account=savings)
    out, into = transfer_sides(transfer)
    assert out.pk == txn.pk and out.category is None
    assert into.account == savings and into.amount == Decimal("60")


@pytest.mark.parametrize(
    ("other_amount", "message"),
    [
        (None, "Enter the amount in EUR"),
        ("0", "other than zero"),
        ("1.234", "at most 2 decimal places"),
    ],
)
def test_a_transaction_becomes_a_transfer_across_currencies_only_with_a_real_amount(
    alice, checking, other_amount, message
):
    euros = make_account(alice, currency="EUR")
    txn = make_transaction(checking, amount="-60")
    with pytest.raises(ValidationError) as exc:
        transaction_convert_to_transfer(
            user=alice, transaction=txn, other_account=euros, other_amount=other_amount
        )
    assert message in " ".join(errors_of(exc)["other_amount"])
    assert not Transfer.objects.exists() and Transaction.objects.count() == 1


# --- splits ------------------------------------------------------------------------------


def test_a_split_must_add_up_to_the_transaction(alice, checking, groceries):
    txn = make_transaction(checking, amount="-100", category=groceries)
    other = make_category(alice)
    with pytest.raises(ValidationError) as exc:
        transaction_split(
            user=alice, transaction=txn, parts=[(groceries, "-60", ""), (other, "-30", "")]
        )
    assert errors_of(exc)["parts"] == [
        "The parts add up to -$90.00 but the transaction is -$100.00: $10.00 left to assign."
    ]
    assert not TransactionSplit.objects.exists()
    parts = transaction_split(
        user=alice, transaction=txn, parts=[(groceries, "-60", "food"), (other, "-40", "")]
    )
    txn.refresh_from_db()
    assert len(parts) == 2 and txn.category is None and txn.categorized_by == "manual"


def test_a_split_refuses_someone_elses_category(alice, checking, bob_category):
    txn = make_transaction(checking, amount="-10")
    with pytest.raises(ValidationError) as exc:
        transaction_split(user=alice, transaction=txn, parts=[(bob_category, "-5"), (None, "-5")])
    assert "Choose one of your own." in errors_of(exc)["parts"][0]


def test_unsplit_restores_one_category(alice, checking, groceries):
    txn = make_transaction(checking, amount="-10")
    make_split(txn, [(None, "-5"), (None, "-5")])
    transaction_unsplit(user=alice, transaction=txn, category=groceries)
    txn.refresh_from_db()
    assert txn.category == groceries and not txn.splits.exists()


def test_a_split_transaction_keeps_its_amount(alice, checking):
    txn = make_transaction(checking, amount="-10")
    make_split(txn, [(None, "-5"), (None, "-5")])
    with pytest.raises(ValidationError) as exc:
        transaction_update(user=alice, transaction=txn, amount="-12")
    assert "amount" in errors_of(exc)


def test_signing_up_gives_the_default_categories(client, db):
    from django.core import mail  # noqa: F401  (locmem backend collects the confirmation)

    from accounts.models import User

    response = client.post(
        "/auth/signup/",
        {
            "email": "new@example.com",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code in (200, 302)
    user = User.objects.get(email="new@example.com")
    assert Category.objects.for_user(user).filter(name="Groceries").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_at_the_same_moment_cannot_both_win(alice, checking):
    import threading

    from django.db import connection

    txn = make_transaction(checking, payee="Original")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def edit(name: str) -> None:
        try:
            loaded = Transaction.objects.get(pk=txn.pk)
            barrier.wait(timeout=10)
            transaction_update(user=alice, transaction=loaded, expected_version=1, payee=name)
            results.append("saved")
        except ValidationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(name,)) for name in ("Ann", "Ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["conflict", "saved"]
    txn.refresh_from_db()
    assert txn.version == 2 and txn.payee in {"Ann", "Ben"}


def test_one_side_of_a_transfer_keeps_its_sign_and_cannot_be_zero(alice):
    import datetime

    from django.core.exceptions import ValidationError

    from ledger.services.transactions import transaction_update
    from ledger.services.transfers import transfer_create
    from tests.ledger.factories import make_account

    usd, eur = make_account(alice, currency="USD"), make_account(alice, currency="EUR")
    transfer = transfer_create(
        user=alice,
        from_account=usd,
        to_account=eur,
        date=datetime.date(2026, 1, 2),
        amount="100",
        to_amount="90",
    )
    out_side = transfer.transactions.get(account=usd)
    for bad in ("0", "0.01"):
        with pytest.raises(ValidationError) as caught:
            transaction_update(user=alice, transaction=out_side, amount=bad)
        assert "keep its sign" in str(caught.value)
    out_side.refresh_from_db()
    assert out_side.amount == -100
