import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Profile
from ledger.models import Transaction, TransactionSplit, Transfer
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_tag,
    make_transaction,
    make_transactions,
    make_transfer,
)

pytestmark = pytest.mark.django_db

LIST = reverse("ledger:transaction-list")


def ids_on_page(response) -> list[int]:
    return [t.pk for t in response.context["page_obj"].object_list]


# --- The list ---------------------------------------------------------------------------------


def test_a_new_user_is_told_how_to_add_import_or_connect(alice_client):
    response = alice_client.get(LIST)
    page = response.content.decode()
    assert "No transactions yet" in page
    for name in ("ledger:quick-add", "banking:import", "banking:connections"):
        assert reverse(name) in page


def test_the_list_shows_only_alices_transactions_newest_first(alice_client, alice, bob):
    account = make_account(alice)
    old = make_transaction(account, date=datetime.date(2025, 1, 1), payee="Old")
    new = make_transaction(account, date=datetime.date(2025, 2, 1), payee="New")
    make_transaction(make_account(bob), payee="Bob's")
    response = alice_client.get(LIST)
    assert ids_on_page(response) == [new.pk, old.pk]
    assert b"Bob&#x27;s" not in response.content


def test_filters_combine_and_live_in_the_url(alice_client, alice):
    checking, savings = make_account(alice, name="Checking"), make_account(alice, name="Savings")
    food = make_category(alice, name="Food")
    trip = make_tag(alice, "trip")
    hit = make_transaction(
        checking,
        amount="-20.00",
        payee="Cafe Rio",
        category=food,
        tags=[trip],
        date=datetime.date(2025, 3, 10),
    )
    make_transaction(
        checking, amount="-20.00", payee="Cafe Rio", category=food, date=datetime.date(2025, 3, 11)
    )  # no tag
    make_transaction(
        savings,
        amount="-20.00",
        payee="Cafe Rio",
        category=food,
        tags=[trip],
        date=datetime.date(2025, 3, 12),
    )  # other account
    make_transaction(
        checking,
        amount="-20.00",
        payee="Bakery",
        category=food,
        tags=[trip],
        date=datetime.date(2025, 3, 13),
    )  # other payee
    make_transaction(
        checking,
        amount="-500.00",
        payee="Cafe Rio",
        category=food,
        tags=[trip],
        date=datetime.date(2025, 3, 14),
    )  # too big

    response = alice_client.get(
        LIST,
        {
            "account": checking.pk,
            "category": food.pk,
            "tag": trip.pk,
            "q": "cafe",
            "amount_max": "100",
        },
    )
    assert ids_on_page(response) == [hit.pk]
    totals = {t.currency: t for t in response.context["totals"]}
    assert totals["USD"].expenses == Decimal("-20.00")
    assert totals["USD"].count == 1


def test_the_uncategorized_filter(alice_client, alice):
    account = make_account(alice)
    loose = make_transaction(account)
    make_transaction(account, category=make_category(alice))
    response = alice_client.get(LIST, {"category": "uncategorized"})
    assert ids_on_page(response) == [loose.pk]


def test_totals_are_per_currency_and_leave_transfers_out(alice_client, alice):
    usd, eur = make_account(alice), make_account(alice, currency="EUR")
    make_transaction(usd, amount="-10.00")
    make_transaction(usd, amount="100.00")
    make_transaction(eur, amount="-7.00")
    make_transfer(usd, make_account(alice), amount="50.00")
    totals = {t.currency: t for t in alice_client.get(LIST).context["totals"]}
    assert (totals["USD"].income, totals["USD"].expenses) == (Decimal("100"), Decimal("-10"))
    assert totals["USD"].net == Decimal("90")
    assert totals["EUR"].net == Decimal("-7")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("amount", ["B", "A", "C"]),
        ("-amount", ["C", "A", "B"]),
        ("payee", ["A", "B", "C"]),
        ("date", ["C", "B", "A"]),
        ("-payee", ["C", "B", "A"]),
    ],
)
def test_it_sorts(alice_client, alice, sort, expected):
    account = make_account(alice)
    make_transaction(account, payee="A", amount="-5", date=datetime.date(2025, 1, 3))
    make_transaction(account, payee="B", amount="-50", date=datetime.date(2025, 1, 2))
    make_transaction(account, payee="C", amount="5", date=datetime.date(2025, 1, 1))
    response = alice_client.get(LIST, {"ordering": sort})
    assert [t.payee for t in response.context["page_obj"].object_list] == expected


def test_it_paginates_by_fifty(alice_client, alice):
    make_transactions(make_account(alice), 120)
    first = alice_client.get(LIST)
    third = alice_client.get(LIST, {"page": 3})
    assert len(ids_on_page(first)) == 50
    assert len(ids_on_page(third)) == 20


@pytest.mark.parametrize("rows", [10, 500])
def test_the_list_runs_a_constant_number_of_queries(
    alice_client, alice, django_assert_max_num_queries, rows
):
    account = make_account(alice)
    food = make_category(alice)
    txns = make_transactions(account, rows, category=food)
    tag = make_tag(alice)
    Transaction.tags.through.objects.bulk_create(
        Transaction.tags.through(transaction_id=t.pk, tag_id=tag.pk) for t in txns
    )
    make_split(txns[0], [(food, "-2.00"), (None, "-3.00")])
    # 9 for the page itself (filter pickers, count, rows, tags, splits, categories, tags,
    # accounts, totals) + the shared chrome (session, user, notification bell, the profile
    # read once for the time zone, number format, onboarding and "today") + on a session's
    # first page, the session's write (3 with its savepoint).
    with django_assert_max_num_queries(15):
        response = alice_client.get(LIST, {"q": "Payee", "tag": tag.pk})
    assert len(ids_on_page(response)) == min(rows, 50)


def test_the_pages_are_counted_from_the_totals_and_those_are_reused(alice_client, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_transactions(make_account(alice), 120)
    alice_client.get(LIST)
    with CaptureQueriesContext(connection) as captured:
        response = alice_client.get(LIST, {"page": 3})
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert 'COUNT(*) AS "__count" FROM "ledger_transaction"' not in sql
    assert "SUM(" not in sql  # the totals came from the cache
    assert response.context["page_obj"].paginator.num_pages == 3
    assert len(ids_on_page(response)) == 20


def test_totals_and_pages_follow_a_new_transaction(
    alice_client, alice, django_capture_on_commit_callbacks
):
    account = make_account(alice)
    with django_capture_on_commit_callbacks(execute=True):  # change stamps apply on commit
        make_transaction(account, amount="-10.00")
    assert alice_client.get(LIST).context["totals"][0].count == 1
    with django_capture_on_commit_callbacks(execute=True):
        make_transaction(account, amount="-5.00")
    response = alice_client.get(LIST)
    (usd,) = response.context["totals"]
    assert (usd.count, usd.expenses) == (2, Decimal("-15.00"))
    assert response.context["page_obj"].paginator.count == 2


def test_totals_of_a_tag_filter_follow_bulk_tagging(alice_client, alice):
    from ledger.services.transactions import transactions_bulk_tag

    account = make_account(alice)
    trip = make_tag(alice, "trip")
    txns = [make_transaction(account), make_transaction(account)]
    assert alice_client.get(LIST, {"tag": trip.pk}).context["totals"] == []
    transactions_bulk_tag(user=alice, ids=[t.pk for t in txns], add=[trip])
    response = alice_client.get(LIST, {"tag": trip.pk})
    assert response.context["totals"][0].count == 2
    assert len(ids_on_page(response)) == 2


def test_the_list_needs_login(client):
    assert client.get(LIST).status_code == 302


def test_the_list_refuses_post(alice_client):
    assert alice_client.post(LIST).status_code == 405


# --- Export -----------------------------------------------------------------------------------


def test_export_follows_the_current_filter_and_neutralises_formulas(alice_client, alice, bob):
    account = make_account(alice)
    food = make_category(alice, name="Food")
    make_transaction(account, amount="-12.50", payee="=cmd|'/c calc'!A1", category=food)
    make_transaction(account, amount="-1.00", payee="Not food")
    make_transaction(make_account(bob), payee="Bob's", category=make_category(bob))

    response = alice_client.get(reverse("ledger:transaction-export"), {"category": food.pk})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["payee"] == "'=cmd|'/c calc'!A1"
    assert rows[0]["amount"] == "-12.50"
    assert rows[0]["category"] == "Food"


# --- Bulk actions -----------------------------------------------------------------------------


def test_bulk_set_category(alice_client, alice):
    account = make_account(alice)
    food = make_category(alice)
    a, b, c = (make_transaction(account) for _ in range(3))
    response = alice_client.post(
        reverse("ledger:transaction-bulk"),
        {"action": "set_category", "ids": [a.pk, b.pk], "category": food.pk, "next": LIST + "?q=x"},
    )
    assert response.status_code == 302 and response.url == LIST + "?q=x"
    assert set(Transaction.objects.filter(category=food).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
    }
    c.refresh_from_db()
    assert c.category is None


def test_bulk_add_and_remove_a_tag(alice_client, alice):
    account = make_account(alice)
    trip = make_tag(alice, "trip")
    a, b = make_transaction(account), make_transaction(account)
    bulk = reverse("ledger:transaction-bulk")
    alice_client.post(bulk, {"action": "add_tag", "ids": [a.pk, b.pk], "tag": trip.pk})
    assert set(trip.transactions.values_list("pk", flat=True)) == {a.pk, b.pk}
    alice_client.post(bulk, {"action": "remove_tag", "ids": [a.pk], "tag": trip.pk})
    assert set(trip.transactions.values_list("pk", flat=True)) == {b.pk}


def test_bulk_delete_asks_first_then_deletes(alice_client, alice):
    account = make_account(alice)
    a, b, keep = (make_transaction(account) for _ in range(3))
    bulk = reverse("ledger:transaction-bulk")

    confirm = alice_client.post(bulk, {"action": "delete", "ids": [a.pk, b.pk]})
    assert confirm.status_code == 200
    assert b"Delete 2 transactions?" in confirm.content
    assert Transaction.objects.for_user(alice).count() == 3

    done = alice_client.post(bulk, {"action": "delete", "ids": [a.pk, b.pk], "confirm": "1"})
    assert done.status_code == 302
    assert list(Transaction.objects.for_user(alice).values_list("pk", flat=True)) == [keep.pk]


def test_bulk_actions_touch_nothing_of_bobs(alice_client, alice, bob):
    bobs = make_transaction(make_account(bob))
    food = make_category(alice)
    bulk = reverse("ledger:transaction-bulk")
    alice_client.post(bulk, {"action": "set_category", "ids": [bobs.pk], "category": food.pk})
    alice_client.post(bulk, {"action": "delete", "ids": [bobs.pk], "confirm": "1"})
    bobs.refresh_from_db()
    assert bobs.category is None


def test_bulk_needs_a_selection_and_refuses_get(alice_client):
    bulk = reverse("ledger:transaction-bulk")
    response = alice_client.post(bulk, {"action": "delete"}, follow=True)
    assert b"Select at least one transaction" in response.content
    assert alice_client.get(bulk).status_code == 405


# --- Quick add --------------------------------------------------------------------------------


def test_quick_add_saves_in_one_step_and_returns_to_next(alice_client, alice):
    account = make_account(alice)
    food = make_category(alice, name="Groceries")
    response = alice_client.post(
        reverse("ledger:quick-add"),
        {
            "amount": "12.30",
            "direction": "expense",
            "payee": "Market",
            "category": "groceries",
            "account": account.pk,
            "date": "2025-05-01",
            "next": "/budgets/?month=2025-05",
        },
    )
    assert response.status_code == 302
    assert response.url == "/budgets/?month=2025-05"
    txn = Transaction.objects.for_user(alice).get()
    assert (txn.amount, txn.payee, txn.category, txn.date) == (
        Decimal("-12.30"),
        "Market",
        food,
        datetime.date(2025, 5, 1),
    )
    assert (txn.source, txn.categorized_by) == ("manual", "manual")


def test_quick_add_income_is_positive(alice_client, alice):
    account = make_account(alice)
    alice_client.post(
        reverse("ledger:quick-add"),
        {"amount": "1000", "direction": "income", "account": account.pk, "date": "2025-05-01"},
    )
    assert Transaction.objects.for_user(alice).get().amount == Decimal("1000")


def test_quick_add_ignores_a_next_that_leaves_the_site(alice_client, alice):
    account = make_account(alice)
    response = alice_client.post(
        reverse("ledger:quick-add"),
        {
            "amount": "1",
            "direction": "expense",
            "account": account.pk,
            "date": "2025-05-01",
            "next": "https://evil.example/steal",
        },
    )
    assert response.url == LIST


@time_machine.travel(datetime.datetime(2025, 6, 30, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_quick_add_defaults_to_today_in_the_users_timezone(alice_client, alice):
    Profile.objects.update_or_create(
        user=alice, defaults={"timezone": "Pacific/Auckland"}
    )  # already July 1st there
    make_account(alice)
    response = alice_client.get(reverse("ledger:quick-add"), {"next": "/reports/"})
    form = response.context["form"]
    assert form.initial["date"] == datetime.date(2025, 7, 1)
    assert form.initial["next"] == "/reports/"
    assert b'list="quick-add-categories"' in response.content


def test_quick_add_without_accounts_says_to_add_one(alice_client):
    response = alice_client.get(reverse("ledger:quick-add"))
    assert b"First, an account" in response.content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "12abc", "Enter an amount"),
        ("amount", "1.234", "at most 2 decimal places"),
        ("amount", "5000000000000", "too large"),
        ("amount", "0", "other than zero"),
        ("date", "31/31/2025", "date"),
        ("category", "Nope", "no category called"),
    ],
)
def test_quick_add_bad_input_is_a_field_error_and_writes_nothing(
    alice_client, alice, field, value, message
):
    account = make_account(alice)
    data = {"amount": "10", "direction": "expense", "account": account.pk, "date": "2025-05-01"}
    data[field] = value
    response = alice_client.post(reverse("ledger:quick-add"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Transaction.objects.exists()


def test_quick_add_into_bobs_account_is_refused(alice_client, alice, bob):
    make_account(alice)
    bobs = make_account(bob)
    response = alice_client.post(
        reverse("ledger:quick-add"),
        {"amount": "10", "direction": "expense", "account": bobs.pk, "date": "2025-05-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["account"]
    assert not Transaction.objects.exists()


HUGE_ID = 10**30  # beyond any 64-bit id: SQLite cannot bind it, so it must never reach a query


@pytest.mark.parametrize("query", ["account", "tag", "import_batch"])
def test_an_id_too_large_to_exist_in_a_filter_is_a_field_error(alice_client, alice, query):
    make_transaction(make_account(alice), payee="Still listed")
    response = alice_client.get(reverse("ledger:transaction-list"), {query: HUGE_ID})
    assert response.status_code == 200
    form = response.context["filter_fields"][0].form
    assert form.errors[query]
    response = alice_client.get(reverse("ledger:transaction-export"), {query: HUGE_ID})
    assert response.status_code == 200


def test_ids_too_large_to_exist_in_forms_are_field_errors_and_write_nothing(alice_client, alice):
    account = make_account(alice)
    txn = make_transaction(account, amount="-5")
    response = alice_client.post(
        reverse("ledger:transaction-create"),
        {
            "direction": "expense",
            "amount": "10",
            "account": account.pk,
            "date": "2025-05-01",
            "status": "cleared",
            "tags": [HUGE_ID],
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["tags"]
    response = alice_client.post(
        reverse("ledger:transaction-bulk"),
        {"action": "delete", "confirm": "1", "ids": [txn.pk, HUGE_ID]},
        follow=True,
    )
    assert response.status_code == 200
    assert "not one of the available choices" in response.content.decode()
    assert list(Transaction.objects.all()) == [txn]


# --- Edit, delete -----------------------------------------------------------------------------


def edit_data(txn, **changes):
    data = {
        "direction": "expense" if txn.amount < 0 else "income",
        "amount": str(abs(txn.amount)),
        "account": txn.account_id,
        "date": txn.date.isoformat(),
        "payee": txn.payee,
        "description": txn.description,
        "category": txn.category_id or "",
        "status": txn.status,
        "notes": txn.notes,
        "version": txn.version,
    }
    data.update(changes)
    return data


def test_it_edits_every_field_and_tags(alice_client, alice):
    account, other = make_account(alice), make_account(alice)
    food = make_category(alice)
    trip = make_tag(alice, "trip")
    txn = make_transaction(account, amount="-5.00")
    response = alice_client.post(
        reverse("ledger:transaction-edit", args=[txn.pk]),
        edit_data(
            txn,
            amount="7.25",
            account=other.pk,
            payee="Bistro",
            category=food.pk,
            tags=[trip.pk],
            notes="lunch",
            status="pending",
            date="2025-04-02",
        ),
    )
    assert response.status_code == 302
    txn.refresh_from_db()
    assert (txn.amount, txn.account, txn.payee, txn.category, txn.notes, txn.status) == (
        Decimal("-7.25"),
        other,
        "Bistro",
        food,
        "lunch",
        "pending",
    )
    assert list(txn.tags.all()) == [trip]
    assert txn.version == 2


def test_an_edit_conflict_shows_the_message_and_keeps_the_input(alice_client, alice):
    txn = make_transaction(make_account(alice), payee="Original")
    stale = edit_data(txn, payee="Mine")
    Transaction.objects.filter(pk=txn.pk).update(payee="Theirs", version=2)

    response = alice_client.post(reverse("ledger:transaction-edit", args=[txn.pk]), stale)

    assert response.status_code == 200
    assert "changed by someone else" in " ".join(response.context["form"].non_field_errors())
    assert b'value="Mine"' in response.content
    txn.refresh_from_db()
    assert txn.payee == "Theirs"


def test_the_edit_form_round_trips_a_stored_amount(alice_client, alice):
    txn = make_transaction(make_account(alice), amount="-12.500")
    page = alice_client.get(reverse("ledger:transaction-edit", args=[txn.pk]))
    assert page.context["form"].initial["amount"] == "12.50"


def test_delete_asks_first(alice_client, alice):
    txn = make_transaction(make_account(alice))
    page = alice_client.get(reverse("ledger:transaction-delete", args=[txn.pk]))
    assert page.status_code == 200
    assert Transaction.objects.filter(pk=txn.pk).exists()
    response = alice_client.post(reverse("ledger:transaction-delete", args=[txn.pk]))
    assert response.status_code == 302
    assert not Transaction.objects.filter(pk=txn.pk).exists()


def test_deleting_one_side_of_a_transfer_deletes_both(alice_client, alice):
    transfer = make_transfer(make_account(alice), make_account(alice))
    side = transfer.transactions.first()
    alice_client.post(reverse("ledger:transaction-delete", args=[side.pk]))
    assert not Transaction.objects.filter(transfer_id=transfer.pk).exists()


def test_the_full_form_creates_a_transaction(alice_client, alice):
    account = make_account(alice)
    trip = make_tag(alice, "trip")
    response = alice_client.post(
        reverse("ledger:transaction-create"),
        {
            "direction": "income",
            "amount": "1,250.00",
            "account": account.pk,
            "date": "2025-04-01",
            "payee": "Employer",
            "status": "cleared",
            "tags": [trip.pk],
        },
    )
    assert response.status_code == 302
    txn = Transaction.objects.for_user(alice).get()
    assert txn.amount == Decimal("1250.00")
    assert list(txn.tags.all()) == [trip]


@pytest.mark.parametrize(
    ("currency", "field", "value", "message"),
    [
        ("USD", "amount", "12abc", "Enter an amount"),
        ("USD", "amount", "1.234", "at most 2 decimal places"),
        ("JPY", "amount", "1.5", "no decimal places"),
        ("KWD", "amount", "1.2345", "Use at most 3 decimal places"),
        ("USD", "amount", "5000000000000", "too large"),
        ("USD", "date", "2025-02-30", "real date"),
        ("USD", "status", "maybe", "valid choice"),
    ],
)
def test_the_full_form_and_the_edit_form_refuse_bad_input_and_write_nothing(
    alice_client, alice, currency, field, value, message
):
    account = make_account(alice, currency=currency)
    data = {
        "direction": "expense",
        "amount": "10",
        "account": account.pk,
        "date": "2025-04-01",
        "status": "cleared",
        field: value,
    }
    response = alice_client.post(reverse("ledger:transaction-create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Transaction.objects.exists()
    txn = make_transaction(account, amount="-3")
    url = reverse("ledger:transaction-edit", args=[txn.pk])
    response = alice_client.post(url, edit_data(txn, **{field: value}))
    assert message in " ".join(response.context["form"].errors[field])
    txn.refresh_from_db()
    assert (txn.amount, txn.version) == (Decimal("-3"), 1)


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("ledger:transaction-edit", "get"),
        ("ledger:transaction-edit", "post"),
        ("ledger:transaction-delete", "get"),
        ("ledger:transaction-delete", "post"),
        ("ledger:transaction-split", "get"),
        ("ledger:transaction-split", "post"),
        ("ledger:transaction-make-transfer", "get"),
        ("ledger:transaction-make-transfer", "post"),
    ],
)
def test_the_stranger_gets_404_on_alices_transaction(bob_client, bob, alice, name, method):
    txn = make_transaction(make_account(alice), payee="Alice's", amount="-10.00")
    bobs_account = make_account(bob)
    data = {
        **edit_data(txn, payee="Bob was here", account=bobs_account.pk),
        "parts-TOTAL_FORMS": "2",
        "parts-INITIAL_FORMS": "0",
        "parts-0-amount": "5",
        "parts-1-amount": "5",
    }
    response = getattr(bob_client, method)(reverse(name, args=[txn.pk]), data)
    assert response.status_code == 404
    txn.refresh_from_db()
    assert (txn.payee, txn.account.user_id) == ("Alice's", alice.pk)
    assert not txn.splits.exists()


def test_transaction_pages_need_login(client, alice):
    txn = make_transaction(make_account(alice))
    for url in (
        reverse("ledger:quick-add"),
        reverse("ledger:transaction-create"),
        reverse("ledger:transfer-create"),
        reverse("ledger:transaction-export"),
        reverse("ledger:transaction-edit", args=[txn.pk]),
        reverse("ledger:transaction-split", args=[txn.pk]),
        reverse("ledger:transaction-make-transfer", args=[txn.pk]),
    ):
        assert client.get(url).status_code == 302, url


def test_edit_delete_and_make_transfer_refuse_other_methods(alice_client, alice):
    txn = make_transaction(make_account(alice))
    assert alice_client.put(reverse("ledger:transaction-edit", args=[txn.pk])).status_code == 405
    assert (
        alice_client.patch(reverse("ledger:transaction-delete", args=[txn.pk])).status_code == 405
    )
    url = reverse("ledger:transaction-make-transfer", args=[txn.pk])
    assert alice_client.put(url).status_code == 405


# --- Transfers --------------------------------------------------------------------------------


def test_it_records_a_transfer_between_two_accounts(alice_client, alice):
    checking, savings = make_account(alice), make_account(alice)
    response = alice_client.post(
        reverse("ledger:transfer-create"),
        {
            "from_account": checking.pk,
            "to_account": savings.pk,
            "amount": "200",
            "date": "2025-03-01",
        },
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get(user=alice)
    amounts = dict(transfer.transactions.values_list("account_id", "amount"))
    assert amounts == {checking.pk: Decimal("-200"), savings.pk: Decimal("200")}


def test_the_transfer_form_returns_to_the_page_it_was_opened_from(alice_client, alice):
    checking, savings = make_account(alice), make_account(alice)
    back = f"{LIST}?kind=transfer&period=month"
    page = alice_client.get(reverse("ledger:transfer-create"), {"next": back})
    assert f'name="next" value="{back.replace("&", "&amp;")}"' in page.content.decode()
    data = {"from_account": checking.pk, "to_account": savings.pk, "amount": "5"}
    response = alice_client.post(
        reverse("ledger:transfer-create"), {**data, "date": "2025-03-01", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back


def test_editing_a_transfer_side_has_no_kind_or_category_and_moves_both(alice_client, alice):
    checking, savings = make_account(alice, name="Checking"), make_account(alice, name="Savings")
    make_transfer(checking, savings, amount="40")
    out = Transaction.objects.get(account=checking)
    url = reverse("ledger:transaction-edit", args=[out.pk])
    page = alice_client.get(url)
    form = page.context["form"]
    assert "direction" not in form.fields and "category" not in form.fields
    assert "or the amount changes both sides" in page.content.decode()
    data = edit_data(out, amount="45", date="2025-05-01")
    del data["direction"], data["category"]
    response = alice_client.post(url, data)
    assert response.status_code == 302
    out.refresh_from_db()
    into = Transaction.objects.get(account=savings)
    assert (out.amount, into.amount) == (Decimal("-45"), Decimal("45"))
    assert out.date == into.date == datetime.date(2025, 5, 1)
    response = alice_client.post(url, edit_data(out, account=savings.pk))
    assert response.context["form"].errors["account"]


def test_making_a_transaction_a_transfer(alice_client, alice):
    checking, card = make_account(alice, name="Checking"), make_account(alice, name="Card")
    food = make_category(alice, name="Food")
    txn = make_transaction(checking, amount="-300", payee="Card payment", category=food)
    url = reverse("ledger:transaction-make-transfer", args=[txn.pk])
    page = alice_client.get(url)
    assert list(page.context["form"].fields["other_account"].queryset) == [card]
    response = alice_client.post(url, {"other_account": card.pk})
    assert response.status_code == 302
    txn.refresh_from_db()
    assert txn.transfer_id and txn.category is None
    other = Transaction.objects.get(account=card)
    assert other.amount == Decimal("300") and other.transfer_id == txn.transfer_id
    assert alice_client.get(url).status_code == 302  # already a transfer


def test_making_a_transfer_across_currencies_needs_the_other_amount(alice_client, alice):
    checking = make_account(alice, name="Checking")
    euros = make_account(alice, name="Euro card", currency="EUR")
    txn = make_transaction(checking, amount="-100")
    url = reverse("ledger:transaction-make-transfer", args=[txn.pk])
    for data, field in (
        ({"other_account": euros.pk}, "other_amount"),
        ({"other_account": euros.pk, "other_amount": "9x"}, "other_amount"),
        ({"other_account": euros.pk, "other_amount": "0"}, "other_amount"),
        ({"other_account": checking.pk}, "other_account"),
    ):
        response = alice_client.post(url, data)
        assert response.status_code == 200 and response.context["form"].errors[field]
    assert not Transfer.objects.exists() and Transaction.objects.count() == 1
    alice_client.post(url, {"other_account": euros.pk, "other_amount": "92.10"})
    assert Transaction.objects.get(account=euros).amount == Decimal("92.10")


def test_a_transfer_into_bobs_account_is_refused(alice_client, alice, bob):
    txn = make_transaction(make_account(alice), amount="-5")
    url = reverse("ledger:transaction-make-transfer", args=[txn.pk])
    response = alice_client.post(url, {"other_account": make_account(bob).pk})
    assert response.status_code == 200 and response.context["form"].errors["other_account"]
    assert not Transfer.objects.exists()


def test_a_transfer_between_currencies_needs_the_second_amount(alice_client, alice):
    usd, eur = make_account(alice), make_account(alice, currency="EUR")
    data = {"from_account": usd.pk, "to_account": eur.pk, "amount": "100", "date": "2025-03-01"}
    response = alice_client.post(reverse("ledger:transfer-create"), data)
    assert response.context["form"].errors["to_amount"]
    assert not Transfer.objects.exists()
    alice_client.post(reverse("ledger:transfer-create"), {**data, "to_amount": "91.50"})
    assert Transaction.objects.get(account=eur).amount == Decimal("91.50")


def test_a_transfer_to_the_same_account_is_a_field_error(alice_client, alice):
    account = make_account(alice)
    response = alice_client.post(
        reverse("ledger:transfer-create"),
        {"from_account": account.pk, "to_account": account.pk, "amount": "5", "date": "2025-03-01"},
    )
    assert response.context["form"].errors["to_account"]
    assert not Transaction.objects.exists()


def test_a_transfer_from_bobs_account_is_refused(alice_client, alice, bob):
    bobs = make_account(bob)
    response = alice_client.post(
        reverse("ledger:transfer-create"),
        {
            "from_account": bobs.pk,
            "to_account": make_account(alice).pk,
            "amount": "5",
            "date": "2025-03-01",
        },
    )
    assert response.context["form"].errors["from_account"]
    assert not Transaction.objects.exists()


# --- Splits -----------------------------------------------------------------------------------


def split_data(*parts):
    data = {
        "parts-TOTAL_FORMS": str(len(parts)),
        "parts-INITIAL_FORMS": "0",
        "parts-MIN_NUM_FORMS": "2",
        "parts-MAX_NUM_FORMS": "50",
    }
    for i, (category, amount) in enumerate(parts):
        data[f"parts-{i}-category"] = category.pk if category else ""
        data[f"parts-{i}-amount"] = amount
    return data


def test_it_splits_a_transaction_over_categories(alice_client, alice):
    txn = make_transaction(make_account(alice), amount="-100.00")
    food, home = make_category(alice), make_category(alice)
    page = alice_client.get(reverse("ledger:transaction-split", args=[txn.pk]))
    assert b'data-split-total="100.00"' in page.content

    response = alice_client.post(
        reverse("ledger:transaction-split", args=[txn.pk]),
        split_data((food, "60.00"), (home, "40")),
    )
    assert response.status_code == 302
    parts = dict(txn.splits.values_list("category_id", "amount"))
    assert parts == {food.pk: Decimal("-60.00"), home.pk: Decimal("-40.00")}


def test_a_split_that_does_not_sum_writes_nothing(alice_client, alice):
    txn = make_transaction(make_account(alice), amount="-100.00")
    food = make_category(alice)
    response = alice_client.post(
        reverse("ledger:transaction-split", args=[txn.pk]),
        split_data((food, "60.00"), (None, "30.00")),
    )
    assert response.status_code == 200
    assert "$10.00 is left to assign" in " ".join(response.context["formset"].non_form_errors())
    assert not TransactionSplit.objects.exists()


def test_a_split_part_with_letters_is_a_field_error(alice_client, alice):
    txn = make_transaction(make_account(alice), amount="-100.00")
    response = alice_client.post(
        reverse("ledger:transaction-split", args=[txn.pk]),
        split_data((None, "6o"), (None, "40")),
    )
    assert response.context["formset"].forms[0].errors["amount"]
    assert not TransactionSplit.objects.exists()


def test_removing_a_split(alice_client, alice):
    txn = make_transaction(make_account(alice), amount="-10.00")
    make_split(txn, [(None, "-4.00"), (None, "-6.00")])
    alice_client.post(reverse("ledger:transaction-split", args=[txn.pk]), {"unsplit": "1"})
    assert not txn.splits.exists()


def test_saving_an_edit_returns_to_the_filtered_list(alice_client, alice):
    txn = make_transaction(make_account(alice))
    back = LIST + "?q=Shop&page=2"
    page = alice_client.get(LIST, {"q": "Shop"})
    assert f"?next={LIST}%3Fq%3DShop".encode() in page.content
    response = alice_client.post(
        reverse("ledger:transaction-edit", args=[txn.pk]) + "?next=x",
        {**edit_data(txn, payee="Shop 2"), "next": back},
    )
    assert response.url == back


def test_quick_add_preselects_the_account_from_the_url(alice_client, alice):
    make_account(alice, name="A")
    wanted = make_account(alice, name="B")
    response = alice_client.get(reverse("ledger:quick-add"), {"account": wanted.pk})
    assert response.context["form"].initial["account"] == wanted.pk
