"""The real sample statements (../shared/data/statements) through the whole import flow."""

import datetime
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from banking.importers import ImportFileError
from banking.services.imports import import_commit, import_preview, import_start
from ledger.models import Account, ImportBatch, Transaction
from tests.ledger.factories import make_account

# file -> (account currency, rows added). Counts were checked against the files by hand:
# one row per STMTTRN / Ntry / QIF record of a bank-like account.
VALID = {
    "ofx/actual_data-multi-decimal.ofx": ("USD", 2),
    "ofx/beangulp_2013-12-03.bofa.ofx": ("USD", 27),
    "ofx/ledger-autosync_accented_characters_latin1.ofx": ("USD", 1),
    "ofx/ofxparse_anzcc.ofx": ("AUD", 1),
    "ofx/ofxparse_checking.ofx": ("USD", 3),
    "ofx/ofxparse_ofx-v102-empty-tags.ofx": ("AUD", 1),
    "ofx/ofxparse_suncorp.ofx": ("AUD", 1),
    "ofx/ofxtools_br_nubank_cc.ofx": ("BRL", 6),
    "ofx/ofxtools_stmtrs_euro.ofx": ("USD", 2),
    "qfx/actual_1252.qfx": ("CAD", 1),
    "qfx/actual_8859-1.qfx": ("CAD", 1),
    "qfx/actual_html-vals.qfx": ("CAD", 2),
    "qfx/beancount_reds_importers_360Checking.qfx": ("USD", 4),
    "qfx/beancount_reds_importers_ally_transactions.qfx": ("USD", 2),
    "qif/actual_data-payee-memo.qif": ("USD", 4),
    "qif/gnucash_Money95bank_fr.qif": ("EUR", 143),
    "qif/gnucash_cbb-export.qif": ("USD", 9),
    "qif/quiffen_test.qif": ("USD", 6),
    "camt/actual_camt.latin1.xml": ("EUR", 2),
    # Balances in EUR, SEK, CHF and JPY but the one entry in EUR: an EUR account.
    "camt/genkgo-camt_camt053.v8.xml": ("EUR", 1),
    "mt940/actual_data.sta": ("EUR", 6),
    "csv/bank2ynab_20180226-1000594757-umsatz.CSV": ("EUR", 1),
    "csv/bank2ynab_CSV_A_20180414_112204.csv": ("EUR", 3),
    "csv/csv2ofx_ubs-ch-fr_trimmed.csv": ("CHF", 3),
}

# Files that must be refused as a whole, with the reason's code.
REFUSED = {
    "ofx/ofxparse_vanguard.ofx": "investment_only",
    "ofx/ofxparse_multiple_accounts.ofx": "empty",  # balances only
    "camt/genkgo-camt_camt53.only-Dt-with-DtTm.xml": "empty",  # no entries
}

# Files whose bad rows are reported (row, column, reason) and not imported by default.
BAD_ROWS = {
    "ofx/ofxparse_fail_nice_decimal_error.ofx": ("CAD", "TRNAMT"),
}


def command(*args: str) -> dict:
    out = StringIO()
    call_command("import_statement", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("name", sorted(VALID))
def test_each_valid_sample_imports_once_and_a_reimport_adds_nothing(alice, statements, name):
    currency, rows = VALID[name]
    path = statements / name
    first = command(
        str(path),
        "--user",
        alice.email,
        "--new-account",
        "Imported",
        "--type",
        "checking",
        "--currency",
        currency,
    )
    account = Account.objects.get(pk=first["account"])
    assert account.currency == currency
    assert first["added"] == rows
    assert first["errors"] == 0
    assert len(first["transactions"]) == rows
    assert Transaction.objects.filter(account=account).count() == rows
    for txn in Transaction.objects.filter(account=account):
        assert txn.amount == txn.amount.quantize(Decimal("0.001"))
        assert datetime.date(1990, 1, 1) < txn.date < datetime.date(2030, 1, 1)
        assert txn.source == "file" and txn.fingerprint

    again = command(str(path), "--user", alice.email, "--account", str(account.pk))
    assert again["added"] == 0
    assert again["duplicates"] == rows
    assert Transaction.objects.filter(account=account).count() == rows


def test_the_checking_sample_has_the_right_dates_signs_and_amounts(alice, statements):
    account = make_account(alice, currency="USD")
    command(
        str(statements / "ofx/ofxparse_checking.ofx"),
        "--user",
        alice.email,
        "--account",
        str(account.pk),
    )
    rows = list(Transaction.objects.filter(account=account).order_by("date"))
    assert [(t.date, t.amount) for t in rows] == [
        (datetime.date(2011, 3, 31), Decimal("0.010")),
        (datetime.date(2011, 4, 5), Decimal("-34.510")),
        (datetime.date(2011, 4, 7), Decimal("-25.000")),
    ]
    assert rows[1].payee.startswith("AUTOMATIC WITHDRAWAL")
    assert all(t.external_id for t in rows)  # FITID


def test_the_qif_payee_and_memo_sample_keeps_both(alice, statements):
    account = make_account(alice, currency="USD")
    command(
        str(statements / "qif/actual_data-payee-memo.qif"),
        "--user",
        alice.email,
        "--account",
        str(account.pk),
    )
    rows = {t.amount: t for t in Transaction.objects.filter(account=account)}
    assert set(rows) == {Decimal("-10"), Decimal("-20"), Decimal("-30"), Decimal("-40")}
    assert rows[Decimal("-10")].payee == "Payee Name"
    assert "Note Text" in (rows[Decimal("-10")].description + rows[Decimal("-10")].notes)
    assert all(t.date == datetime.date(2019, 1, 23) for t in rows.values())


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_file_without_transactions_is_refused_with_a_clear_message(alice, statements, name):
    account = make_account(alice, currency="USD")
    with (statements / name).open("rb") as handle, pytest.raises(ImportFileError) as exc:
        import_start(user=alice, file=handle, file_name=name, account=account)
    assert exc.value.code == REFUSED[name]
    assert len(str(exc.value)) > 20
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("name", sorted(BAD_ROWS))
def test_bad_rows_in_a_sample_are_listed_and_not_imported(alice, statements, name):
    currency, column = BAD_ROWS[name]
    account = make_account(alice, currency=currency)
    with pytest.raises(CommandError) as exc:
        command(str(statements / name), "--user", alice.email, "--account", str(account.pk))
    # It says which row and why, and what can be done, not "fix the mapping" (no mapping).
    assert "1 row could not be read: Transaction 1, TRNAMT: '$120' is not a number" in str(
        exc.value
    )
    assert "--skip-bad-rows" in str(exc.value) and "mapping" not in str(exc.value)
    assert not Transaction.objects.exists()
    assert not ImportBatch.objects.exists()
    with (statements / name).open("rb") as handle:
        batch = import_start(user=alice, file=handle, file_name=name, account=account)
    assert batch.errors and batch.errors[0]["column"] == column


def test_two_statements_of_one_account_in_a_file_import_together(alice, statements):
    name = "camt/genkgo-camt_camt053.v2.multi.statement.xml"
    account = make_account(alice, currency="EUR")
    with (statements / name).open("rb") as handle:
        batch = import_start(user=alice, file=handle, file_name=name, account=account)
    assert batch.state == ImportBatch.State.PREVIEW
    import_commit(batch=batch)
    assert Transaction.objects.filter(account=account).count() == 2


def test_a_sample_with_several_accounts_maps_each_to_an_account(alice, statements):
    name = "qif/gnucash_canada.qif"
    first = make_account(alice, currency="USD")
    with (statements / name).open("rb") as handle:
        batch = import_start(user=alice, file=handle, file_name=name, account=first)
    assert batch.state == ImportBatch.State.PENDING
    entries = batch.meta["statement"]["accounts"]
    assert len(entries) >= 2
    account_map = {}
    for entry in entries:
        currency = entry["currency"] or first.currency
        account_map[entry["key"]] = make_account(
            alice, name=entry["name"][:90], currency=currency
        ).pk
    import_preview(batch=batch, account_map=account_map, date_order="mdy")
    batch.refresh_from_db()
    expected = batch.meta["summary"]["new"]
    assert expected > 0
    import_commit(batch=batch, skip_errors=True)
    batch.refresh_from_db()
    assert batch.added == expected
    used = set(account_map.values())
    assert Transaction.objects.filter(account_id__in=used).count() == expected
    assert (
        Transaction.objects.filter(account_id__in=used).values("account_id").distinct().count() >= 2
    )

    with (statements / name).open("rb") as handle:
        again = import_start(user=alice, file=handle, file_name=name, account=first)
    import_preview(batch=again, account_map=account_map, date_order="mdy")
    again.refresh_from_db()
    assert again.meta["summary"]["new"] == 0


# What every OFX/QFX sample stored before ofxtools read OFX files: the rows with their
# fingerprints and external ids, imported into an account with a known id (fingerprints
# include the account's id).
BEFORE_OFXTOOLS = json.loads(
    (Path(__file__).parent / "fixtures" / "ofx_imported_before_ofxtools.json").read_text()
)
BEFORE_OFXTOOLS.pop("_about")


def _account_for(alice, name: str) -> Account:
    currency = VALID[name][0]
    return make_account(alice, currency=currency, pk=BEFORE_OFXTOOLS[name]["account"])


@pytest.mark.parametrize("name", sorted(BEFORE_OFXTOOLS))
def test_ofx_rows_keep_the_fingerprints_and_external_ids_they_had_before(alice, statements, name):
    account = _account_for(alice, name)
    command(str(statements / name), "--user", alice.email, "--account", str(account.pk))
    stored = list(
        Transaction.objects.filter(account=account)
        .order_by("pk")
        .values("date", "amount", "payee", "description", "external_id", "fingerprint")
    )
    assert [
        {**row, "date": row["date"].isoformat(), "amount": str(row["amount"])} for row in stored
    ] == BEFORE_OFXTOOLS[name]["rows"]


@pytest.mark.parametrize("name", sorted(BEFORE_OFXTOOLS))
def test_an_ofx_file_imported_before_ofxtools_adds_nothing_when_imported_again(
    alice, statements, name
):
    account = _account_for(alice, name)
    before = BEFORE_OFXTOOLS[name]["rows"]
    # The rows exactly as the import before the change wrote them.
    Transaction.objects.bulk_create(
        Transaction(
            user=alice,
            account=account,
            date=datetime.date.fromisoformat(row["date"]),
            amount=Decimal(row["amount"]),
            payee=row["payee"],
            description=row["description"],
            external_id=row["external_id"],
            fingerprint=row["fingerprint"],
            source="file",
        )
        for row in before
    )
    again = command(str(statements / name), "--user", alice.email, "--account", str(account.pk))
    assert (again["added"], again["duplicates"], again["possible_duplicates"]) == (
        0,
        len(before),
        0,
    )
    assert Transaction.objects.filter(account=account).count() == len(before)
