import datetime
import json
from decimal import Decimal

import pytest
from django.test import Client

from ledger.models import Account, Category, Tag, Transaction, TransactionSplit, Transfer
from tests.ledger.factories import (
    make_account,
    make_category,
    make_split,
    make_tag,
    make_transaction,
    make_transactions,
    make_transfer,
)

API = "/api/v1"
LIST_PAGE = "/transactions/"


def post(client: Client, url: str, body, method: str = "post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def txn_body(account: Account, **extra) -> dict:
    return {"account": account.pk, "date": "2025-03-10", "amount": "-12.50", **extra}


# --- accounts, categories, tags ----------------------------------------------------------


def test_accounts_list_shows_each_balance_as_a_string(alice_client, alice, checking):
    make_transaction(checking, amount="-0.5")
    data = alice_client.get(f"{API}/accounts").json()
    assert data["results"][0]["balance"] == "999.50"
    assert data["results"][0]["opening_balance"] == "1000.00"


def test_account_crud(alice_client, alice):
    response = post(
        alice_client,
        f"{API}/accounts",
        {"name": "Yen wallet", "type": "cash", "currency": "JPY", "opening_balance": "5000"},
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["balance"] == "5000"
    response = post(alice_client, f"{API}/accounts/{pk}", {"name": "Wallet"}, "patch")
    assert response.status_code == 200 and response.json()["name"] == "Wallet"
    assert alice_client.delete(f"{API}/accounts/{pk}").status_code == 204
    assert not Account.objects.exists()


def test_an_account_created_without_a_currency_is_in_the_users_base_currency(alice_client, alice):
    alice.profile.base_currency = "GBP"
    alice.profile.save()

    response = post(alice_client, f"{API}/accounts", {"name": "Pocket", "type": "cash"})

    assert response.status_code == 201, response.json()
    assert response.json()["currency"] == "GBP"
    assert Account.objects.get(pk=response.json()["id"]).currency == "GBP"


def test_every_writable_field_can_be_sent_on_create(alice_client, alice):
    account = {
        "name": "Old card",
        "type": "credit_card",
        "currency": "EUR",
        "opening_balance": "-10.5",
        "opening_date": "2024-01-01",
        "institution": "Bank",
        "is_archived": True,
    }
    response = post(alice_client, f"{API}/accounts", account)
    assert response.status_code == 201, response.json()
    assert response.json()["is_archived"] is True and response.json()["balance"] == "-10.50"
    category = {
        "name": "Old",
        "kind": "income",
        "color": "#000000",
        "icon": "x",
        "is_archived": True,
    }
    response = post(alice_client, f"{API}/categories", category)
    assert response.status_code == 201, response.json()
    assert response.json()["is_archived"] is True


def test_an_account_with_an_unknown_currency_is_a_400(alice_client):
    response = post(alice_client, f"{API}/accounts", {"name": "X", "currency": "ABC"})
    assert response.status_code == 400 and "currency" in response.json()
    assert not Account.objects.exists()


def test_category_crud_and_merge(alice_client, alice, checking):
    response = post(alice_client, f"{API}/categories", {"name": "Food", "color": "#112233"})
    assert response.status_code == 201, response.json()
    food = response.json()["id"]
    sub = post(alice_client, f"{API}/categories", {"name": "Cafe", "parent": food}).json()
    assert sub["parent"] == food
    target = make_category(alice, name="Eating")
    txn = make_transaction(checking, category=Category.objects.get(pk=food))
    response = post(alice_client, f"{API}/categories/{food}/merge", {"target": target.pk})
    assert response.status_code == 200, response.json()
    txn.refresh_from_db()
    assert txn.category == target and not Category.objects.filter(pk=food).exists()


def test_tags_crud(alice_client):
    tag = post(alice_client, f"{API}/tags", {"name": "trip"}).json()
    assert post(alice_client, f"{API}/tags", {"name": "Trip"}).status_code == 400
    assert post(alice_client, f"{API}/tags/{tag['id']}", {"name": "travel"}, "put").json() == {
        "id": tag["id"],
        "name": "travel",
    }
    assert alice_client.delete(f"{API}/tags/{tag['id']}").status_code == 204


# --- transactions ------------------------------------------------------------------------


def test_transaction_crud(alice_client, alice, checking, groceries):
    tag = make_tag(alice)
    response = post(
        alice_client,
        f"{API}/transactions",
        txn_body(checking, payee="Market", category=groceries.pk, tags=[tag.pk]),
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["amount"] == "-12.50" and data["currency"] == "USD"
    assert data["kind"] == "expense" and data["tags"] == [tag.pk] and data["version"] == 1
    pk = data["id"]
    assert alice_client.get(f"{API}/transactions/{pk}").json()["payee"] == "Market"
    response = post(
        alice_client, f"{API}/transactions/{pk}", {"payee": "Shop", "version": 1}, "patch"
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    assert alice_client.delete(f"{API}/transactions/{pk}").status_code == 204
    assert not Transaction.objects.exists()


def test_an_edit_with_a_stale_version_is_a_409(alice_client, checking):
    txn = make_transaction(checking, version=3)
    response = post(
        alice_client, f"{API}/transactions/{txn.pk}", {"payee": "X", "version": 2}, "patch"
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.json()["detail"]


@pytest.mark.parametrize(
    ("currency", "body", "field"),
    [
        ("USD", {"amount": "12abc"}, "amount"),
        ("USD", {"amount": "-1.234"}, "amount"),
        ("JPY", {"amount": "-1.5"}, "amount"),
        ("USD", {"amount": "1000000000000"}, "amount"),
        ("USD", {"amount": True}, "amount"),
        ("USD", {"date": "2025-02-30"}, "date"),
        ("USD", {"date": "yesterday"}, "date"),
        ("USD", {"status": "maybe"}, "status"),
    ],
)
def test_bad_transaction_input_is_a_400_and_writes_nothing(
    alice_client, alice, currency, body, field
):
    account = make_account(alice, currency=currency)
    response = post(alice_client, f"{API}/transactions", txn_body(account, **body))
    assert response.status_code == 400
    assert field in response.json()
    assert not Transaction.objects.exists()


def test_a_date_that_does_not_exist_is_named_in_plain_words(alice_client, alice, checking):
    message = ["Enter a real date as YYYY-MM-DD, like 2025-03-31."]
    response = post(alice_client, f"{API}/transactions", txn_body(checking, date="2025-02-30"))
    assert response.json() == {"date": message}
    response = post(alice_client, f"{API}/accounts", {"name": "x", "opening_date": "31/01/2025"})
    assert response.json() == {"opening_date": message}
    assert not Transaction.objects.exists() and Account.objects.count() == 1


def test_filters_combine(alice_client, alice, checking, savings, groceries):
    tag = make_tag(alice, "weekly")
    hit = make_transaction(
        checking,
        amount="-40",
        payee="Corner Market",
        category=groceries,
        tags=[tag],
        date=datetime.date(2025, 2, 3),
    )
    make_transaction(checking, amount="-40", payee="Corner Market", date=datetime.date(2025, 3, 3))
    make_transaction(savings, amount="-40", payee="Corner Market", category=groceries, tags=[tag])
    make_transaction(checking, amount="-400", payee="Corner Market", category=groceries)
    make_transaction(checking, amount="40", payee="Corner Market", category=groceries)
    query = (
        f"account={checking.pk}&category={groceries.pk}&tag={tag.pk}&kind=expense"
        "&amount_min=10&amount_max=50&q=market&date_from=2025-01-01&date_to=2025-02-28"
        "&status=cleared"
    )
    data = alice_client.get(f"{API}/transactions?{query}").json()
    assert [row["id"] for row in data["results"]] == [hit.pk]


def test_the_uncategorized_filter_leaves_out_transfers_and_splits(
    alice_client, alice, checking, savings, groceries
):
    plain = make_transaction(checking)
    make_transaction(checking, category=groceries)
    make_transfer(checking, savings)
    split = make_transaction(checking, amount="-10")
    make_split(split, [(None, "-5"), (None, "-5")])
    data = alice_client.get(f"{API}/transactions?category=uncategorized").json()
    assert [row["id"] for row in data["results"]] == [plain.pk]


def test_a_category_filter_includes_its_sub_categories_and_split_parts(
    alice_client, alice, checking
):
    food = make_category(alice, name="Food")
    cafe = make_category(alice, name="Cafe", parent=food)
    a = make_transaction(checking, category=cafe)
    b = make_transaction(checking, amount="-10")
    make_split(b, [(food, "-4"), (None, "-6")])
    make_transaction(checking)
    data = alice_client.get(f"{API}/transactions?category={food.pk}").json()
    assert {row["id"] for row in data["results"]} == {a.pk, b.pk}


def test_the_month_period_uses_the_users_today(alice_client, checking, time_machine):
    time_machine.move_to(datetime.datetime(2025, 3, 15, 12, tzinfo=datetime.UTC))
    this = make_transaction(checking, date=datetime.date(2025, 3, 1))
    make_transaction(checking, date=datetime.date(2025, 2, 28))
    data = alice_client.get(f"{API}/transactions?period=month").json()
    assert [row["id"] for row in data["results"]] == [this.pk]


def test_a_bad_filter_value_is_a_400(alice_client, checking):
    assert alice_client.get(f"{API}/transactions?date_from=soon").status_code == 400
    assert alice_client.get(f"{API}/transactions?kind=gift").status_code == 400


# Larger than any 64-bit id: SQLite cannot even bind it, so it must never reach a query.
HUGE_ID = 10**30


@pytest.mark.parametrize("query", ["account", "tag", "import_batch"])
def test_an_id_too_large_to_exist_in_a_filter_is_a_400(alice_client, checking, query):
    response = alice_client.get(f"{API}/transactions?{query}={HUGE_ID}")
    assert response.status_code == 400
    assert query in response.json()


def test_bulk_create_with_ids_too_large_to_exist_is_a_400_by_row(alice_client, checking):
    rows = [
        txn_body(checking),
        {**txn_body(checking), "account": HUGE_ID},
        txn_body(checking, category=HUGE_ID, tags=[HUGE_ID]),
    ]
    response = post(alice_client, f"{API}/transactions/bulk", {"transactions": rows})
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"1", "2"}
    assert "account" in errors["1"] and {"category", "tags"} <= set(errors["2"])
    assert not Transaction.objects.exists()


def test_cursor_pagination_walks_every_row_once(alice_client, checking):
    make_transactions(checking, 120)
    seen, url = [], f"{API}/transactions?page_size=50"
    while url:
        data = alice_client.get(url).json()
        seen += [row["id"] for row in data["results"]]
        url = data["next"]
    assert len(seen) == 120 == len(set(seen))
    assert seen == list(Transaction.objects.order_by("-date", "-id").values_list("pk", flat=True))


@pytest.mark.parametrize("ordering", ["amount", "-amount", "payee", "-payee", "date"])
def test_the_cursor_follows_the_sort_and_walks_every_row_once(alice_client, checking, ordering):
    for n in range(30):  # ties on purpose: amounts and payees repeat across page breaks
        make_transaction(checking, amount=f"-{n % 4}.50", payee=f"Shop {n % 3}")
    seen, url = [], f"{API}/transactions?page_size=7&ordering={ordering}"
    while url:
        data = alice_client.get(url).json()
        seen += [row["id"] for row in data["results"]]
        url = data["next"]
    page = alice_client.get(LIST_PAGE, {"ordering": ordering})
    same_as_page = [t.pk for t in page.context["page_obj"].object_list]
    assert seen == same_as_page and len(seen) == 30 == len(set(seen))


def test_sorting_the_api_by_account_is_a_400(alice_client, checking):
    response = alice_client.get(f"{API}/transactions?ordering=account")
    assert response.status_code == 400 and "ordering" in response.json()


def test_the_page_size_is_at_most_two_hundred(alice_client, checking):
    make_transactions(checking, 250)
    assert len(alice_client.get(f"{API}/transactions?page_size=1000").json()["results"]) == 200
    assert len(alice_client.get(f"{API}/transactions").json()["results"]) == 50


@pytest.mark.parametrize("rows", [10, 500])
def test_the_transaction_list_runs_a_constant_number_of_queries(
    alice_client, alice, checking, groceries, rows, django_assert_max_num_queries
):
    tag = make_tag(alice)
    created = make_transactions(checking, rows, category=groceries)
    Transaction.tags.through.objects.bulk_create(
        Transaction.tags.through(transaction_id=t.pk, tag_id=tag.pk) for t in created
    )
    make_split(created[0], [(groceries, "-2"), (None, "-3")])
    with django_assert_max_num_queries(6):
        response = alice_client.get(f"{API}/transactions?page_size=200&category={groceries.pk}")
    assert response.status_code == 200 and response.json()["results"]


@pytest.mark.parametrize("endpoint", ["accounts", "categories", "tags", "transfers"])
def test_other_lists_run_a_constant_number_of_queries(
    alice_client, alice, checking, savings, endpoint, django_assert_max_num_queries
):
    for i in range(20):
        make_account(alice)
        make_category(alice)
        make_tag(alice, f"t{i}")
        make_transfer(checking, savings)
    with django_assert_max_num_queries(7):
        assert alice_client.get(f"{API}/{endpoint}").status_code == 200


# --- bulk --------------------------------------------------------------------------------


def test_bulk_create_writes_every_row(alice_client, alice, checking, groceries):
    tag = make_tag(alice)
    rows = [txn_body(checking, amount=f"-{i}.00", tags=[tag.pk]) for i in range(1, 11)]
    rows[0]["category"] = groceries.pk
    response = post(alice_client, f"{API}/transactions/bulk", {"transactions": rows})
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 10 and len(response.json()["ids"]) == 10
    assert Transaction.objects.filter(tags=tag).count() == 10


def test_bulk_create_with_one_bad_row_writes_nothing(alice_client, checking, bob_account):
    rows = [txn_body(checking) for _ in range(5)]
    rows[1]["amount"] = "-1.001"
    rows[3]["account"] = bob_account.pk
    rows[4]["date"] = "31/12/2025"
    response = post(alice_client, f"{API}/transactions/bulk", {"transactions": rows})
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"1", "3", "4"}
    assert errors["1"] == {"amount": ["USD amounts have at most 2 decimal places."]}
    assert not Transaction.objects.exists()


def test_bulk_create_reports_currency_errors_by_row(alice_client, checking):
    rows = [txn_body(checking), txn_body(checking, amount="-1.001")]
    response = post(alice_client, f"{API}/transactions/bulk", {"transactions": rows})
    assert response.status_code == 400
    assert response.json() == {"1": {"amount": ["USD amounts have at most 2 decimal places."]}}
    assert not Transaction.objects.exists()


def test_bulk_create_takes_at_most_a_thousand_rows(alice_client, checking):
    rows = [txn_body(checking)] * 1001
    response = post(alice_client, f"{API}/transactions/bulk", {"transactions": rows})
    assert response.status_code == 400 and "transactions" in response.json()
    assert not Transaction.objects.exists()


# --- transfers and splits ----------------------------------------------------------------


def test_transfer_create_retrieve_delete(alice_client, alice, checking, savings):
    body = {
        "from_account": checking.pk,
        "to_account": savings.pk,
        "date": "2025-03-01",
        "amount": "250",
    }
    response = post(alice_client, f"{API}/transfers", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["amount"], data["to_amount"]) == ("250.00", "250.00")
    assert len(data["transactions"]) == 2
    assert alice_client.get(f"{API}/transfers/{data['id']}").json() == data
    listed = alice_client.get(f"{API}/transactions?kind=transfer").json()["results"]
    assert {row["kind"] for row in listed} == {"transfer"}
    assert alice_client.delete(f"{API}/transfers/{data['id']}").status_code == 204
    assert not Transaction.objects.exists() and not Transfer.objects.exists()


def test_a_transfer_edit_changes_both_sides(alice_client, alice, checking, savings):
    transfer = make_transfer(checking, savings, amount="40")
    url = f"{API}/transfers/{transfer.pk}"
    response = post(alice_client, url, {"amount": "55", "date": "2025-02-02"}, "patch")
    assert response.status_code == 200, response.json()
    assert (response.json()["amount"], response.json()["to_amount"]) == ("55.00", "55.00")
    sides = {t.account_id: t for t in Transaction.objects.filter(transfer=transfer)}
    assert sides[checking.pk].amount == Decimal("-55") and sides[savings.pk].amount == 55
    assert {t.date for t in sides.values()} == {datetime.date(2025, 2, 2)}
    response = post(alice_client, url, {"to_account": checking.pk}, "patch")
    assert response.status_code == 400 and "to_account" in response.json()
    response = post(alice_client, url, {"amount": "1.234"}, "patch")
    assert response.status_code == 400 and "amount" in response.json()
    assert Transaction.objects.get(account=savings).amount == Decimal("55")


def test_a_cross_currency_transfer_needs_the_arriving_amount(alice_client, alice, checking):
    euro = make_account(alice, currency="EUR")
    body = {
        "from_account": checking.pk,
        "to_account": euro.pk,
        "date": "2025-03-01",
        "amount": "110",
    }
    response = post(alice_client, f"{API}/transfers", body)
    assert response.status_code == 400 and "to_amount" in response.json()
    response = post(alice_client, f"{API}/transfers", {**body, "to_amount": "100.40"})
    assert response.status_code == 201 and response.json()["to_amount"] == "100.40"


def test_a_transfer_to_the_same_account_is_a_400(alice_client, checking):
    body = {
        "from_account": checking.pk,
        "to_account": checking.pk,
        "date": "2025-03-01",
        "amount": "1",
    }
    response = post(alice_client, f"{API}/transfers", body)
    assert response.status_code == 400 and "to_account" in response.json()
    assert not Transaction.objects.exists()


def test_splits_put_and_delete(alice_client, alice, checking, groceries):
    txn = make_transaction(checking, amount="-30", category=groceries)
    other = make_category(alice)
    url = f"{API}/transactions/{txn.pk}/splits"
    bad = {
        "parts": [
            {"category": groceries.pk, "amount": "-10"},
            {"category": other.pk, "amount": "-10"},
        ]
    }
    response = post(alice_client, url, bad, "put")
    assert response.status_code == 400 and "$10.00 left to assign" in response.json()["parts"][0]
    good = {
        "parts": [
            {"category": groceries.pk, "amount": "-10"},
            {"category": other.pk, "amount": "-20"},
        ]
    }
    response = post(alice_client, url, good, "put")
    assert response.status_code == 200, response.json()
    assert [p["amount"] for p in response.json()["splits"]] == ["-10.00", "-20.00"]
    assert response.json()["category"] is None
    response = alice_client.delete(url)
    assert response.status_code == 200 and response.json()["splits"] == []


# --- isolation ---------------------------------------------------------------------------


@pytest.fixture
def alices_things(alice, checking, savings, groceries):
    tag = make_tag(alice, "mine")
    txn = make_transaction(checking, category=groceries, tags=[tag])
    transfer = make_transfer(checking, savings)
    return {
        "accounts": checking.pk,
        "categories": groceries.pk,
        "tags": tag.pk,
        "transactions": txn.pk,
        "transfers": transfer.pk,
    }


@pytest.mark.parametrize(
    "endpoint", ["accounts", "categories", "tags", "transactions", "transfers"]
)
def test_bob_gets_404_for_every_alice_object(bob_client, alices_things, endpoint):
    url = f"{API}/{endpoint}/{alices_things[endpoint]}"
    assert bob_client.get(url).status_code == 404
    assert post(bob_client, url, {"name": "x"}, "patch").status_code in (404, 405)
    assert bob_client.delete(url).status_code == 404
    assert bob_client.get(f"{API}/{endpoint}").json()["results"] == []


def test_bob_gets_404_on_alices_splits_and_merge(bob_client, bob, alices_things):
    txn = alices_things["transactions"]
    assert (
        post(bob_client, f"{API}/transactions/{txn}/splits", {"parts": []}, "put").status_code
        == 404
    )
    assert bob_client.delete(f"{API}/transactions/{txn}/splits").status_code == 404
    mine = make_category(bob)
    merge = f"{API}/categories/{alices_things['categories']}/merge"
    assert post(bob_client, merge, {"target": mine.pk}).status_code == 404
    assert Category.objects.filter(pk=alices_things["categories"]).exists()
    assert TransactionSplit.objects.count() == 0


def test_bob_gets_400_when_pointing_at_alices_rows(bob_client, bob, alices_things):
    own = make_account(bob)
    own_cat = make_category(bob)
    own_txn = make_transaction(own, amount="-10")
    cases = [
        (
            "post",
            "transactions",
            {**txn_body(own), "account": alices_things["accounts"]},
            "account",
        ),
        ("post", "transactions", txn_body(own, category=alices_things["categories"]), "category"),
        ("post", "transactions", txn_body(own, tags=[alices_things["tags"]]), "tags"),
        ("post", "categories", {"name": "x", "parent": alices_things["categories"]}, "parent"),
        (
            "post",
            "transfers",
            {
                "from_account": own.pk,
                "to_account": alices_things["accounts"],
                "date": "2025-01-01",
                "amount": "1",
            },
            "to_account",
        ),
        ("patch", f"transactions/{own_txn.pk}", {"account": alices_things["accounts"]}, "account"),
        (
            "patch",
            f"transactions/{own_txn.pk}",
            {"category": alices_things["categories"]},
            "category",
        ),
        (
            "put",
            f"transactions/{own_txn.pk}/splits",
            {
                "parts": [
                    {"category": alices_things["categories"], "amount": "-5"},
                    {"category": own_cat.pk, "amount": "-5"},
                ]
            },
            "parts",
        ),
        (
            "post",
            f"categories/{own_cat.pk}/merge",
            {"target": alices_things["categories"]},
            "target",
        ),
    ]
    for method, path, body, field in cases:
        response = post(bob_client, f"{API}/{path}", body, method)
        assert response.status_code == 400, (path, response.content)
        assert field in json.dumps(response.json()), (path, response.json())
    rows = [txn_body(own), {**txn_body(own), "category": alices_things["categories"]}]
    response = post(bob_client, f"{API}/transactions/bulk", {"transactions": rows})
    assert response.status_code == 400 and "category" in response.json()["1"]
    assert Transaction.objects.filter(user=bob).count() == 1
    assert Tag.objects.filter(user=bob).count() == 0


def test_bob_cannot_filter_by_alices_account(bob_client, alices_things):
    response = bob_client.get(f"{API}/transactions?account={alices_things['accounts']}")
    assert response.status_code == 400


def test_the_api_needs_a_signed_in_user(client, alices_things):
    assert client.get(f"{API}/transactions").status_code in (401, 403)


def test_amounts_use_the_accounts_minor_units(alice_client, alice):
    dinar = make_account(alice, currency="KWD")
    yen = make_account(alice, currency="JPY")
    make_transaction(dinar, amount=Decimal("-1.234"))
    make_transaction(yen, amount=Decimal("-1500"))
    amounts = {
        row["currency"]: row["amount"]
        for row in alice_client.get(f"{API}/transactions").json()["results"]
    }
    assert amounts == {"KWD": "-1.234", "JPY": "-1500"}


# --- schema ------------------------------------------------------------------------------


def test_every_ledger_endpoint_is_in_a_valid_schema_without_warnings(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = set(schema["paths"])
    for path in [
        "/api/v1/accounts",
        "/api/v1/categories/{id}/merge",
        "/api/v1/tags",
        "/api/v1/transactions",
        "/api/v1/transactions/bulk",
        "/api/v1/transactions/{id}/splits",
        "/api/v1/transfers/{id}",
    ]:
        assert path in paths
    ours = [
        msg
        for msg in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "ledger" in msg and "BearerTokenAuthentication" not in msg
    ]
    assert ours == []
    params = {p["name"] for p in schema["paths"]["/api/v1/transactions"]["get"]["parameters"]}
    assert {"period", "account", "category", "tag", "kind", "q", "amount_min", "cursor"} <= params


def test_the_fast_transaction_output_has_the_same_shape_as_the_declared_fields(
    alice, checking, groceries
):
    from rest_framework import serializers as drf

    from ledger.api.serializers import TransactionSerializer

    txn = make_transaction(checking, amount="-3.5", category=groceries, tags=[make_tag(alice)])
    make_split(txn, [(groceries, "-1.5"), (None, "-2")])
    txn = Transaction.objects.get(pk=txn.pk)
    fast = TransactionSerializer(txn).data
    slow = drf.ModelSerializer.to_representation(TransactionSerializer(txn), txn)
    slow["amount"] = "-3.50"
    for part in slow["splits"]:
        part["amount"] = str(Decimal(part["amount"]).quantize(Decimal("0.01")))
    assert json.loads(json.dumps(fast)) == json.loads(json.dumps(slow))
