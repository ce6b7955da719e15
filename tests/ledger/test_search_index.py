"""The free-text search (`?q=`) is served by the trigram index of migration 0003 on
PostgreSQL (on SQLite there is no such index, and the search works the same)."""

import pytest
from django.db import connection

from ledger.filters import TransactionFilterSet
from ledger.models import Transaction
from tests.ledger.factories import make_account, make_transaction

pytestmark = pytest.mark.django_db


def _search(user, q: str):
    return TransactionFilterSet({"q": q}, queryset=Transaction.objects.all(), user=user).qs


def test_search_finds_a_word_in_payee_description_or_notes_in_any_case(alice):
    account = make_account(alice)
    by_payee = make_transaction(account, payee="Blue Bottle COFFEE")
    by_description = make_transaction(account, payee="", description="sq *coffee bar")
    by_notes = make_transaction(account, payee="Cafe", notes="Coffee with Sam")
    make_transaction(account, payee="Tea house")
    found = set(_search(alice, "cOfFeE").values_list("pk", flat=True))
    assert found == {by_payee.pk, by_description.pk, by_notes.pk}


@pytest.mark.postgres
def test_search_uses_the_trigram_index_on_postgresql(alice):
    make_transaction(make_account(alice), payee="Blue Bottle Coffee")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = _search(alice, "coffee").explain()
    assert "txn_search_trgm" in plan
