"""Imported rows go through the categorization pipeline: rules at once, the learned
classifier after the commit; and cached dashboards see the new rows."""

import datetime
import json
from io import StringIO

from django.core.management import call_command

from ledger.models import Transaction
from ledger.services.rules import RuleInput, rule_create
from tests.ledger.factories import make_category, make_tag, make_transaction


def _import(tmp_path, user, account, rows: list[str]) -> dict:
    path = tmp_path / "statement.csv"
    path.write_text("Date,Description,Amount\n" + "\n".join(rows) + "\n")
    out = StringIO()
    call_command(
        "import_statement",
        str(path),
        "--user",
        user.email,
        "--account",
        str(account.pk),
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_rules_categorize_rename_and_tag_imported_rows(
    alice, checking, tmp_path, django_capture_on_commit_callbacks
):
    coffee = make_category(alice, name="Coffee")
    treat = make_tag(alice, "treat")
    rule_create(
        user=alice,
        data=RuleInput(
            name="Coffee",
            conditions=[{"field": "payee", "op": "contains", "value": "blue bottle"}],
            category=coffee,
            tags=[treat],
            rename_payee="Blue Bottle",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = _import(tmp_path, alice, checking, ["2026-11-02,SQ *BLUE BOTTLE 123 SF,-4.50"])
    assert result["added"] == 1
    row = Transaction.objects.get(account=checking)
    assert (row.category, row.categorized_by, row.payee) == (coffee, "rule", "Blue Bottle")
    assert list(row.tags.all()) == [treat]


def test_the_learned_classifier_runs_on_what_rules_left(
    alice, checking, tmp_path, django_capture_on_commit_callbacks
):
    groceries = make_category(alice, name="Groceries")
    for day in range(1, 25):  # history the classifier learns from
        make_transaction(
            checking,
            amount="-30",
            date=datetime.date(2026, 9, day),
            payee="FRESHMART 0042",
            category=groceries,
        )
    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, alice, checking, ["2026-11-03,FRESHMART 0042,-41.20"])
    row = Transaction.objects.get(account=checking, date=datetime.date(2026, 11, 3))
    assert (row.category, row.categorized_by) == (groceries, "learned")


def test_an_import_refreshes_the_cached_dashboard(
    alice, alice_client, checking, tmp_path, django_capture_on_commit_callbacks
):
    from insights.periods import current_pay_month

    _, today, _ = current_pay_month(alice)
    with django_capture_on_commit_callbacks(execute=True):
        make_transaction(checking, amount="-1.00", date=today)
    assert "$1.00" in alice_client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, alice, checking, [f"{today:%Y-%m-%d},BIG SHOP,-500.00"])
    assert "$501.00" in alice_client.get("/").content.decode()


def test_an_imported_bill_is_matched_and_budgets_alert(
    alice, checking, tmp_path, django_capture_on_commit_callbacks
):
    from budgets.models import Notification, RecurringOccurrence
    from budgets.services.budgets import budget_create
    from budgets.services.recurring import recurring_create
    from insights.periods import current_pay_month

    _, today, _ = current_pay_month(alice)
    rent = make_category(alice, name="Rent")
    item = recurring_create(
        user=alice,
        payee="Parkside Apartments",
        amount="-1200.00",
        account=checking,
        start_date=today.replace(day=1),
        day_of_month=today.day,
        category=rent,
    )
    budget_create(user=alice, amount="1000", category=rent)
    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, alice, checking, [f"{today:%Y-%m-%d},PARKSIDE APARTMENTS,-1200.00"])
    row = Transaction.objects.get(account=checking, payee__icontains="parkside")
    occurrence = RecurringOccurrence.objects.get(item=item)
    assert occurrence.transaction_id == row.pk
    # Rent has no rule here, so the category came from nothing: categorize by hand, then
    # the alert check that follows every import/sync/edit sees the budget over its limit.
    row.category, row.categorized_by = rent, "manual"
    row.save()
    from budgets.tasks import budget_alerts_check

    assert budget_alerts_check(alice.pk) >= 1
    assert Notification.objects.filter(user=alice).exists()
