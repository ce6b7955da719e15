import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Profile
from budgets.models import Budget, BudgetSettings, Notification, RecurringItem
from budgets.services.budgets import budget_create
from budgets.services.recurring import recurring_create, recurring_match
from ledger.models import Transaction
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_transaction,
    make_transactions,
)

D = datetime.date
UTC = zoneinfo.ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def _march_2025():
    with time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def budget(alice, food) -> Budget:
    return budget_create(user=alice, category=food, amount="200")


@pytest.fixture
def item(alice, checking) -> RecurringItem:
    return recurring_create(user=alice, payee="Gym", amount="-30", account=checking,
                            start_date=D(2025, 1, 15))  # fmt: skip


@pytest.fixture
def notification(alice) -> Notification:
    return Notification.objects.create(user=alice, title="Food: over budget", url="/budgets/")


def test_the_budgets_page_shows_status_and_links_to_transactions(
    alice_client, budget, checking, food
):
    make_transaction(checking, amount="-150", category=food, date=D(2025, 3, 2))
    page = alice_client.get(reverse("budgets:budget-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Food" in html and "$150.00" in html and "$50.00" in html
    assert "At risk" in html  # 150 in 10 days heads well past 200
    assert f"date_from=2025-03-01&amp;date_to=2025-03-31&amp;category={food.pk}" in html
    assert "fill w-75" in html and "pace at-30" in html
    assert 'style="' not in html


def test_the_summary_cards_keep_their_order_whatever_the_budgets_health(
    alice, alice_client, checking, food
):
    coffee = make_category(alice, name="Coffee")
    budget_create(user=alice, category=food, amount="200")
    budget_create(user=alice, category=coffee, amount="10", period="week")
    orders = []
    for spent_on_food in ("-5", "-190"):  # the monthly budget goes from on track to at risk
        make_transaction(checking, amount=spent_on_food, category=food, date=D(2025, 3, 2))
        totals = alice_client.get(reverse("budgets:budget-list")).context["totals"]
        orders.append([row["period"] for row in totals])
    assert orders == [["Monthly", "Weekly"], ["Monthly", "Weekly"]]


def test_the_budgets_page_is_an_empty_state_with_a_one_click_start(alice_client):
    html = alice_client.get(reverse("budgets:budget-list")).content.decode()
    assert "No budgets yet" in html and reverse("budgets:budget-suggest") in html


def test_thirty_budgets_cost_a_fixed_number_of_queries(
    alice, alice_client, checking, django_assert_max_num_queries
):
    categories = [make_category(alice, name=f"Category {n}") for n in range(30)]
    for category in categories:
        budget_create(user=alice, category=category, amount="100", rollover=category.pk % 2 == 0)
        make_transactions(checking, 20, start=D(2025, 1, 1), category=category)
    recurring_create(
        user=alice, payee="Gym", amount="-30", account=checking, start_date=D(2025, 1, 15)
    )
    alice_client.get(reverse("budgets:budget-list"))  # the login's first request saves the session
    with django_assert_max_num_queries(10):
        page = alice_client.get(reverse("budgets:budget-list"))
    assert page.status_code == 200
    assert page.content.decode().count('class="card budget-card') == 30


def test_the_budget_page_has_history_chart_data(alice_client, budget, checking, food):
    make_transaction(checking, amount="-20", category=food, date=D(2024, 12, 3))
    page = alice_client.get(reverse("budgets:budget-detail", args=[budget.pk]))
    assert page.status_code == 200
    chart = page.context["chart"]
    assert len(chart["labels"]) == 12 and chart["labels"][-1] == "Mar 2025"
    assert chart["spent"][-4] == "20.00"
    assert 'id="budget-history-data"' in page.content.decode()


def test_the_budget_page_says_what_its_forecast_is_based_on(
    alice, alice_client, budget, checking, food, django_capture_on_commit_callbacks
):
    page = alice_client.get(reverse("budgets:budget-detail", args=[budget.pk]))
    assert "your pace so far, with no earlier month to compare it with yet" in (
        page.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):  # the ledger stamps its changes
        salary = make_category(alice, name="Salary", kind="income")
        make_transaction(checking, amount="3000", category=salary, date=D(2024, 12, 1))
        make_transaction(checking, amount="-20", category=food, date=D(2025, 1, 3))
    recurring_create(user=alice, payee="Veg box", amount="-25", account=checking,
                     category=food, start_date=D(2025, 1, 20))  # fmt: skip
    page = alice_client.get(reverse("budgets:budget-detail", args=[budget.pk]))
    text = " ".join(page.content.decode().split())
    assert "your pace so far, blended with your last 3 months" in text
    assert "like rent count once, not at a daily pace: $25.00 of them still due" in text
    assert page.context["status"].history_periods == 3
    weekly = budget_create(user=alice, amount="90", period="week")
    page = alice_client.get(reverse("budgets:budget-detail", args=[weekly.pk]))
    assert "blended with your last 13 weeks (the pace counts more as the week goes on)" in (
        " ".join(page.content.decode().split())
    )


def test_the_budget_page_lists_the_periods_transactions_like_its_link(
    alice, alice_client, budget, checking, food, cafe
):
    rent = make_category(alice, name="Rent")
    euro = make_account(alice, currency="EUR")
    make_transaction(checking, amount="-12", payee="Corner cafe", category=cafe, date=D(2025, 3, 3))
    make_transaction(checking, amount="-40", payee="Market", category=food, date=D(2025, 3, 5))
    split = make_transaction(checking, amount="-30", payee="Big shop", date=D(2025, 3, 6))
    make_split(split, [(food, "-10"), (rent, "-20")])
    make_transaction(checking, amount="-900", payee="Landlord", category=rent, date=D(2025, 3, 1))
    make_transaction(checking, amount="-7", payee="Old", category=food, date=D(2025, 2, 28))
    make_transaction(euro, amount="-9", payee="Paris", category=food, date=D(2025, 3, 4))
    page = alice_client.get(reverse("budgets:budget-detail", args=[budget.pk]))
    assert [t.payee for t in page.context["transactions"]] == ["Big shop", "Market", "Corner cafe"]
    assert page.context["transactions_count"] == 3
    html = page.content.decode()
    assert "Split" in html and "Food › Cafe" in html
    listed = alice_client.get(page.context["status"].transactions_url)
    linked = {t.payee for t in listed.context["page_obj"]}
    assert {"Big shop", "Market", "Corner cafe"} <= linked and "Landlord" not in linked


def test_the_budget_page_links_to_all_when_there_are_many(alice, alice_client, budget, checking,
                                                         food):  # fmt: skip
    make_transactions(checking, 12, start=D(2025, 3, 1), category=food)
    page = alice_client.get(reverse("budgets:budget-detail", args=[budget.pk]))
    assert len(page.context["transactions"]) == 10
    assert "See all 12 transactions" in page.content.decode()


def test_the_budget_page_writes_counts_and_amounts_in_the_users_number_format(
    alice, alice_client, checking, food
):
    Profile.objects.filter(user=alice).update(number_format="eu")
    budget = budget_create(user=alice, category=food, amount="2000")
    Transaction.objects.bulk_create(
        Transaction(user=alice, account=checking, date=D(2025, 3, 2), amount=Decimal("-1.25"),
                    payee=f"Stall {i}", category=food, categorized_by="manual")
        for i in range(1200)
    )  # fmt: skip

    html = alice_client.get(reverse("budgets:budget-detail", args=[budget.pk])).content.decode()

    assert "See all 1.200 transactions" in html
    assert "$1.500,00" in html and "$2.000,00" in html  # spent, and the limit
    assert "1,500.00" not in html
    # The history chart's labels and tooltips are written by the page's script in that format.
    assert '{"group": ".", "decimal": ",", "lakh": false}' in html


def test_a_rollover_budget_with_nothing_left_says_so_instead_of_a_percentage(
    alice, alice_client, checking, food
):
    with time_machine.travel(datetime.datetime(2025, 1, 10, 12, tzinfo=UTC), tick=False):
        budget = budget_create(user=alice, category=food, amount="100", rollover=True)
    make_transaction(checking, amount="-350", category=food, date=D(2025, 1, 5))
    make_transaction(checking, amount="-20", category=food, date=D(2025, 3, 5))
    page = alice_client.get(reverse("budgets:budget-detail", args=[budget.pk]))
    assert page.context["status"].available == Decimal("-50")
    html = page.content.decode()
    assert "Nothing is available this period" in html and "999%" not in html


def test_creating_a_budget(alice, alice_client, food):
    response = alice_client.post(
        reverse("budgets:budget-create"),
        {"category": food.pk, "period": "month", "amount": "250", "currency": "USD"},
    )
    assert response.status_code == 302
    budget = Budget.objects.for_user(alice).get()
    assert (budget.category, budget.amount, budget.start_date) == (
        food,
        Decimal("250"),
        D(2025, 3, 1),
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "more than zero"), ("-5", "without a minus sign"), ("abc", "")],
)
def test_a_limit_must_be_positive(alice, alice_client, food, amount, message):
    response = alice_client.post(
        reverse("budgets:budget-create"),
        {"category": food.pk, "period": "month", "amount": amount, "currency": "USD"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert message in str(response.context["form"].errors["amount"])
    assert not Budget.objects.exists()


def test_a_second_budget_for_the_same_category_and_period_is_refused(alice_client, budget, food):
    response = alice_client.post(
        reverse("budgets:budget-create"),
        {"category": food.pk, "period": "month", "amount": "10", "currency": "USD"},
    )
    assert "already have a monthly budget for Food" in str(
        response.context["form"].errors["category"]
    )
    assert Budget.objects.count() == 1
    weekly = alice_client.post(
        reverse("budgets:budget-create"),
        {"category": food.pk, "period": "week", "amount": "10", "currency": "USD"},
    )
    assert weekly.status_code == 302


def test_editing_and_archiving_a_budget(alice_client, budget):
    response = alice_client.post(
        reverse("budgets:budget-edit", args=[budget.pk]),
        {
            "category": budget.category_id,
            "period": "month",
            "amount": "300",
            "currency": "USD",
            "rollover": "on",
        },
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert (budget.amount, budget.rollover) == (Decimal("300"), True)
    alice_client.post(reverse("budgets:budget-archive", args=[budget.pk]))
    budget.refresh_from_db()
    assert budget.is_archived
    html = alice_client.get(reverse("budgets:budget-list")).content.decode()
    assert "Archived" in html and "Restore" in html


def test_a_starting_set_from_the_last_three_months(alice, alice_client, checking, food):
    rent = make_category(alice, name="Rent")
    make_transaction(checking, amount="-100", category=food, date=D(2025, 1, 5))
    make_transaction(checking, amount="-141", category=food, date=D(2025, 2, 5))
    make_transaction(checking, amount="-900", category=rent, date=D(2024, 12, 1))
    make_transaction(checking, amount="-999", category=rent, date=D(2024, 11, 30))  # too old
    response = alice_client.post(reverse("budgets:budget-suggest"))
    assert response.status_code == 302
    limits = dict(Budget.objects.for_user(alice).values_list("category__name", "amount"))
    assert limits == {"Food": Decimal("90"), "Rent": Decimal("300")}
    alice_client.post(reverse("budgets:budget-suggest"))  # again: nothing new
    assert Budget.objects.for_user(alice).count() == 2


def test_copy_last_months_spending_as_budgets(alice, alice_client, checking, food):
    make_transaction(checking, amount="-123.45", category=food, date=D(2025, 2, 5))
    alice_client.post(reverse("budgets:budget-copy"))
    assert Budget.objects.for_user(alice).get().amount == Decimal("130")


def test_alert_settings(alice, alice_client):
    response = alice_client.post(
        reverse("budgets:budget-settings"), {"thresholds": "90, 50", "email_alerts": "on"}
    )
    assert response.status_code == 302
    settings = BudgetSettings.objects.get(user=alice)
    assert (settings.thresholds, settings.email_alerts) == ([50, 90], True)
    bad = alice_client.post(reverse("budgets:budget-settings"), {"thresholds": "lots"})
    assert bad.context["form"].errors["thresholds"]


def test_notifications_list_mark_read_and_bell(alice, alice_client, notification):
    html = alice_client.get(reverse("budgets:budget-list")).content.decode()
    assert "Notifications, 1 unread" in html
    page = alice_client.get(reverse("budgets:notification-list"))
    assert "Food: over budget" in page.content.decode()
    response = alice_client.post(
        reverse("budgets:notification-read", args=[notification.pk]), {"follow": "1"}
    )
    assert response.status_code == 302 and response["Location"] == "/budgets/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    Notification.objects.create(user=alice, title="Another")
    alice_client.post(reverse("budgets:notification-read-all"))
    assert not Notification.objects.for_user(alice).unread().exists()
    assert (
        "unread"
        not in alice_client.get(reverse("budgets:budget-list"))
        .content.decode()
        .split("Notifications")[1][:20]
    )


def test_recurring_pages(alice, alice_client, item, checking):
    assert "Gym" in alice_client.get(reverse("budgets:recurring-list")).content.decode()
    upcoming = alice_client.get(reverse("budgets:recurring-upcoming"))
    assert [row.date for row in upcoming.context["expected"]] == [D(2025, 3, 15)]
    assert upcoming.context["totals"] == [
        {"currency": "USD", "bills": Decimal("30"), "count": 1, "seen": 0, "income": 0}
    ]
    response = alice_client.post(
        reverse("budgets:recurring-create"),
        {"payee": "Rent", "direction": "expense", "amount": "1200", "account": checking.pk,
         "frequency": "monthly", "day_of_month": "31", "start_date": "2025-03-01"},
    )  # fmt: skip
    assert response.status_code == 302
    rent = RecurringItem.objects.get(payee="Rent")
    assert rent.amount == Decimal("-1200") and rent.day_of_month == 31
    upcoming = alice_client.get(reverse("budgets:recurring-upcoming"))
    assert D(2025, 3, 31) in [row.date for row in upcoming.context["expected"]]


def test_upcoming_totals_the_bills_apart_from_income_and_counts_those_seen(
    alice, alice_client, item, checking
):
    recurring_create(user=alice, payee="Salary", amount="2500", account=checking,
                     start_date=D(2025, 1, 25))  # fmt: skip
    seen = recurring_create(user=alice, payee="Phone", amount="-20", account=checking,
                            start_date=D(2025, 1, 12))  # fmt: skip
    real = make_transaction(checking, amount="-20", payee="PHONE CO", date=D(2025, 3, 10))
    recurring_match(user=alice, transactions=[real])  # the bill of the 12th came early
    page = alice_client.get(reverse("budgets:recurring-upcoming"))
    assert page.context["totals"] == [
        {"currency": "USD", "bills": Decimal("50"), "count": 2, "seen": 1,
         "income": Decimal("2500")}
    ]  # fmt: skip
    html = page.content.decode()
    assert "$50.00" in html and "1 of 2 seen already" in html and "$2,500.00" in html
    assert [(row.item, row.seen) for row in page.context["expected"]][:2] == [
        (seen, True), (item, False)
    ]  # fmt: skip


def test_a_recurring_item_ending_before_it_starts_is_a_field_error(alice_client, checking):
    response = alice_client.post(
        reverse("budgets:recurring-create"),
        {"payee": "Rent", "direction": "expense", "amount": "1200", "account": checking.pk,
         "frequency": "monthly", "start_date": "2025-03-01", "end_date": "2025-02-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"]
    assert not RecurringItem.objects.exists()


def test_editing_and_stopping_a_recurring_item(alice_client, item, checking):
    response = alice_client.post(
        reverse("budgets:recurring-edit", args=[item.pk]),
        {"payee": "Gym+", "direction": "expense", "amount": "35", "account": checking.pk,
         "frequency": "monthly", "start_date": "2025-01-15"},
    )  # fmt: skip
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.payee, item.amount) == ("Gym+", Decimal("-35"))
    alice_client.post(reverse("budgets:recurring-stop", args=[item.pk]))
    item.refresh_from_db()
    assert not item.is_active


def test_tracking_a_detected_subscription_in_one_click(alice, alice_client, checking):
    for month in (11, 12):
        make_transaction(checking, amount="-9.99", payee="Spotify", date=D(2024, month, 2))
    for month in (1, 2, 3):
        make_transaction(checking, amount="-9.99", payee="Spotify", date=D(2025, month, 2))
    page = alice_client.get(reverse("budgets:recurring-list"))
    [series] = page.context["detected"]
    assert "$119.88" in page.content.decode()
    response = alice_client.post(reverse("budgets:subscription-track"), {"token": series.token})
    assert response.status_code == 302
    item = RecurringItem.objects.for_user(alice).get()
    assert (item.payee, item.amount, item.day_of_month, item.auto_post) == (
        "Spotify",
        Decimal("-9.99"),
        2,
        False,
    )
    # Its five payments so far are its history; the next one is expected on 2 April.
    assert item.start_date == D(2024, 11, 2)
    assert [(o.date, o.status) for o in item.occurrences.all()] == [
        (D(2024, 11, 2), "seen"), (D(2024, 12, 2), "seen"), (D(2025, 1, 2), "seen"),
        (D(2025, 2, 2), "seen"), (D(2025, 3, 2), "seen"),
    ]  # fmt: skip
    assert "expected next on 02 Apr 2025" in alice_client.get(response.url).content.decode()
    assert (
        alice_client.post(
            reverse("budgets:subscription-track"), {"token": series.token}
        ).status_code
        == 404
    )


PAGES = [
    ("budgets:budget-list", False), ("budgets:budget-create", False),
    ("budgets:budget-settings", False), ("budgets:notification-list", False),
    ("budgets:recurring-list", False), ("budgets:recurring-create", False),
    ("budgets:recurring-upcoming", False),
]  # fmt: skip


@pytest.mark.parametrize(("name", "_"), PAGES)
def test_pages_need_login(client, name, _):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/auth/login/" in response["Location"]


@pytest.mark.parametrize(("name", "_"), PAGES)
def test_pages_work(alice_client, name, _):
    assert alice_client.get(reverse(name)).status_code == 200


def test_the_stranger_gets_404_and_changes_nothing(
    bob_client, budget, item, notification, food, checking
):
    for name, obj in [("budgets:budget-detail", budget), ("budgets:budget-edit", budget),
                      ("budgets:recurring-edit", item)]:  # fmt: skip
        assert bob_client.get(reverse(name, args=[obj.pk])).status_code == 404
    assert bob_client.post(reverse("budgets:budget-edit", args=[budget.pk]),
                           {"period": "month", "amount": "1", "currency": "USD"}).status_code == 404  # fmt: skip
    assert bob_client.post(reverse("budgets:budget-archive", args=[budget.pk])).status_code == 404
    assert bob_client.post(reverse("budgets:recurring-stop", args=[item.pk])).status_code == 404
    assert (
        bob_client.post(reverse("budgets:notification-read", args=[notification.pk])).status_code
        == 404
    )
    bob_client.post(reverse("budgets:notification-read-all"))
    budget.refresh_from_db()
    item.refresh_from_db()
    notification.refresh_from_db()
    assert (budget.amount, budget.is_archived, item.is_active, notification.read_at) == (
        Decimal("200"),
        False,
        True,
        None,
    )
    # Nor can he point his own budget at alice's category.
    response = bob_client.post(reverse("budgets:budget-create"),
                               {"category": food.pk, "period": "month", "amount": "5", "currency": "USD"})  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors["category"]
    response = bob_client.post(
        reverse("budgets:recurring-create"),
        {"payee": "x", "direction": "expense", "amount": "1", "account": checking.pk,
         "frequency": "monthly", "start_date": "2025-03-01"},
    )  # fmt: skip
    assert response.context["form"].errors["account"]
    assert Budget.objects.count() == 1 and RecurringItem.objects.count() == 1


def test_wrong_methods_get_405(alice_client, budget, item, notification):
    assert alice_client.post(reverse("budgets:budget-list")).status_code == 405
    assert alice_client.post(reverse("budgets:budget-detail", args=[budget.pk])).status_code == 405
    assert alice_client.get(reverse("budgets:budget-archive", args=[budget.pk])).status_code == 405
    assert alice_client.get(reverse("budgets:budget-suggest")).status_code == 405
    assert alice_client.get(reverse("budgets:recurring-stop", args=[item.pk])).status_code == 405
    assert (
        alice_client.get(reverse("budgets:notification-read", args=[notification.pk])).status_code
        == 405
    )
    assert alice_client.get(reverse("budgets:subscription-track")).status_code == 405
    assert alice_client.post(reverse("budgets:recurring-upcoming")).status_code == 405


def test_the_edit_form_says_a_new_limit_changes_what_past_months_carried_over(alice_client, budget):
    note = "changing the limit also changes what past months carried over"
    edit = alice_client.get(reverse("budgets:budget-edit", args=[budget.pk])).content.decode()
    assert note in edit and 'aria-describedby="id_amount_helptext"' in edit
    assert note not in alice_client.get(reverse("budgets:budget-create")).content.decode()
