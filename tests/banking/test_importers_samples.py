"""The real sample statements in ../shared/data/statements (written by other projects):
each valid one is read with the right dates, signs and amounts; the malformed ones fail
with a clear message, never a traceback."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from banking.importers import (
    ImportFileError,
    ParsedRow,
    RowError,
    camt_parse,
    csv_rows,
    csv_sniff,
    detect_format,
    mt940_parse,
    ofx,
    ofx_parse,
    qif_parse,
)

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "statements"
pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="shared sample statements are not available here"
)
D = datetime.date


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def all_rows(result) -> list:  # type: ignore[no-untyped-def]
    return [r for a in result.accounts for r in a.rows]


EXPECTED_FORMAT = {
    "ofx": "ofx",
    "qfx": "ofx",
    "qif": "qif",
    "camt": "camt",
    "csv": "csv",
    "mt940": "mt940",
}


@pytest.mark.parametrize(
    "path",
    sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.glob("*/*"))
    if SAMPLES.is_dir()
    else [],
)
def test_every_sample_is_recognised_from_its_content(path: str) -> None:
    assert detect_format(sample(path)) == EXPECTED_FORMAT[path.split("/")[0]]


# -- OFX / QFX ----------------------------------------------------------------------------


def test_ofx_1x_sgml_checking_without_closing_tags() -> None:
    result = ofx_parse(sample("ofx/ofxparse_checking.ofx"))
    (account,) = result.accounts
    assert (account.key, account.type, account.currency) == ("1452687~7", "checking", "USD")
    rows = account.rows
    assert len(rows) == 3
    assert rows[0] == ParsedRow(
        line=1,
        date=D(2011, 3, 31),
        amount=Decimal("0.01"),
        payee="DIVIDEND EARNED FOR PERIOD OF 03",
        description="DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH 03/31/2011 ANNUAL PERCENTAGE YIELD EARNED IS 0.05%",
        external_id="0000486",
        currency="USD",
        account_key="1452687~7",
    )
    assert (rows[2].date, rows[2].amount, rows[2].check_number) == (
        D(2011, 4, 7),
        Decimal("-25.00"),
        "319",
    )
    assert account.balance == Decimal("100.99")


def test_ofx_hybrid_xml_header_with_sgml_body_credit_card() -> None:
    (account,) = ofx_parse(sample("ofx/ofxparse_anzcc.ofx")).accounts
    assert (account.type, account.currency, account.balance) == (
        "credit_card",
        "AUD",
        Decimal("-123.45"),
    )
    (row,) = account.rows
    assert (row.date, row.amount, row.payee, row.external_id) == (
        D(2017, 5, 8),
        Decimal("-5.50"),
        "SOME MEMO",
        "201705080001",
    )


def test_ofx_with_two_accounts_and_balances_only() -> None:
    accounts = ofx_parse(sample("ofx/ofxparse_multiple_accounts.ofx")).accounts
    assert [(a.key, a.type, a.balance, len(a.rows)) for a in accounts] == [
        ("9100", "checking", Decimal("111"), 0),
        ("9200", "savings", Decimal("222"), 0),
    ]


def test_ofx_xml_with_cdata_and_trailing_spaces() -> None:
    (row,) = all_rows(ofx_parse(sample("ofx/ofxparse_suncorp.ofx")))
    assert (row.date, row.amount, row.payee) == (
        D(2013, 12, 15),
        Decimal("-16.85"),
        "EFTPOS WDL HANDYWAY ALDI STORE",
    )
    assert row.description == "EFTPOS WDL HANDYWAY ALDI STORE   GEELONG WEST VICAU"


def test_ofx_with_empty_tags_and_blank_lines_before_the_header() -> None:
    (row,) = all_rows(ofx_parse(sample("ofx/ofxparse_ofx-v102-empty-tags.ofx")))
    assert (row.date, row.amount, row.payee, row.external_id, row.currency) == (
        D(2018, 5, 7),
        Decimal("12.34"),
        "CBA:Transfer",
        None,
        "AUD",
    )


def test_ofx_investment_statement_fails_with_a_clear_message() -> None:
    with pytest.raises(ImportFileError) as err:
        ofx_parse(sample("ofx/ofxparse_vanguard.ofx"))
    assert err.value.code == "investment_only"
    assert "investment statement" in err.value.message


def test_ofx_malformed_amount_becomes_a_row_error() -> None:
    rows = all_rows(ofx_parse(sample("ofx/ofxparse_fail_nice_decimal_error.ofx")))
    assert rows == [RowError(1, "TRNAMT", "Transaction 1, TRNAMT: '$120' is not a number")]


def test_ofx_comma_decimals() -> None:
    rows = all_rows(ofx_parse(sample("ofx/ofxtools_stmtrs_euro.ofx")))
    # Neither NAME nor MEMO: the check number or the kind of transaction names them.
    assert [(r.date, r.amount, r.check_number, r.payee) for r in rows] == [
        (D(2005, 10, 4), Decimal("-200.00"), "1000", "Check 1000"),
        (D(2005, 10, 20), Decimal("-300.00"), "", "ATM"),
    ]
    assert ofx_parse(sample("ofx/ofxtools_stmtrs_euro.ofx")).accounts[0].balance == Decimal(
        "200.29"
    )


def test_ofx_nubank_credit_card_without_blank_line_after_header() -> None:
    (account,) = ofx_parse(sample("ofx/ofxtools_br_nubank_cc.ofx")).accounts
    assert (account.type, account.currency, len(account.rows)) == ("credit_card", "BRL", 6)
    assert (account.rows[0].date, account.rows[0].amount) == (D(2024, 3, 23), Decimal("-13.00"))
    assert (account.rows[-1].date, account.rows[-1].amount) == (D(2024, 3, 22), Decimal("-959.00"))
    assert all(r.amount < 0 for r in account.rows)


def test_ofx_latin1_bytes_despite_a_1252_header() -> None:
    (row,) = all_rows(ofx_parse(sample("ofx/ledger-autosync_accented_characters_latin1.ofx")))
    assert (row.date, row.amount, row.payee) == (
        D(2014, 9, 20),
        Decimal("-58.73"),
        "Virement Interac à: Jean",
    )


def test_ofx_single_line_amex_download() -> None:
    (account,) = ofx_parse(sample("ofx/beangulp_2013-12-03.bofa.ofx")).accounts
    assert (account.type, account.institution, len(account.rows)) == ("credit_card", "AMEX", 27)
    first, last = account.rows[0], account.rows[-1]
    assert (first.date, first.amount, first.external_id) == (
        D(2013, 11, 21),
        Decimal("-29"),
        "320133250213757584",
    )
    assert (last.date, last.amount) == (D(2013, 11, 14), Decimal("-22.55"))
    assert all(r.amount < 0 for r in account.rows)


def test_ofx_amounts_with_three_and_five_decimals() -> None:
    rows = all_rows(ofx_parse(sample("ofx/actual_data-multi-decimal.ofx")))
    assert [(r.date, r.amount) for r in rows] == [
        (D(2019, 1, 23), Decimal("-30.000")),
        (D(2019, 1, 23), Decimal("-3.77")),
    ]


def test_qfx_windows_1252_and_latin1_text() -> None:
    (row,) = all_rows(ofx_parse(sample("qfx/actual_1252.qfx")))
    assert (row.payee, row.description, row.amount) == (
        "Café Métro €uro",
        "Paiement 5€ — débit",
        Decimal("-20.00"),
    )
    (row,) = all_rows(ofx_parse(sample("qfx/actual_8859-1.qfx")))
    assert row.payee == "Paiement facture/Carte prépayée"


def test_qfx_html_entities_are_unescaped() -> None:
    rows = all_rows(ofx_parse(sample("qfx/actual_html-vals.qfx")))
    assert (
        rows[0].description
        == "PREAUTHORIZED DEBIT;B.C. HYDRO & POWER AUTHORITY;Electronic Funds Transfer"
    )
    assert rows[1].payee == "TPAY <DEFTPYMT>"


def test_qfx_with_invalid_dtserver_reads_its_transactions() -> None:
    rows = all_rows(ofx_parse(sample("qfx/beancount_reds_importers_360Checking.qfx")))
    assert [(r.date, r.amount) for r in rows] == [
        (D(2023, 2, 28), Decimal("0.01")),
        (D(2023, 1, 19), Decimal("888.99")),
        (D(2023, 1, 17), Decimal("-100")),
        (D(2023, 1, 12), Decimal("444.55")),
    ]


def test_qfx_without_header_and_with_a_reused_fitid() -> None:
    result = ofx_parse(sample("qfx/beancount_reds_importers_ally_transactions.qfx"))
    rows = all_rows(result)
    assert [(r.date, r.amount, r.external_id) for r in rows] == [
        (D(2019, 1, 9), Decimal("-55.00"), "21302970191741"),
        (D(2019, 1, 9), Decimal("-1000"), "21302970191741#2"),
    ]
    assert any("FITID" in n for n in result.notices)


# Which reader reads each OFX/QFX sample: ofxtools when it accepts the file, our lenient
# reader for the files it refuses (and why it refuses them).
OFX_READERS = {
    "ofx/actual_data-multi-decimal.ofx": "lenient",  # no LEDGERBAL
    "ofx/beangulp_2013-12-03.bofa.ofx": "ofxtools",
    "ofx/ledger-autosync_accented_characters_latin1.ofx": "lenient",  # BANKID of 10 digits
    "ofx/ofxparse_anzcc.ofx": "ofxtools",
    "ofx/ofxparse_checking.ofx": "lenient",  # BANKID of 10 digits
    "ofx/ofxparse_fail_nice_decimal_error.ofx": "lenient",  # no header
    "ofx/ofxparse_multiple_accounts.ofx": "ofxtools",
    "ofx/ofxparse_ofx-v102-empty-tags.ofx": "lenient",  # blank lines before the header
    "ofx/ofxparse_suncorp.ofx": "ofxtools",
    "ofx/ofxparse_vanguard.ofx": "ofxtools",  # investment only: refused after reading
    "ofx/ofxtools_br_nubank_cc.ofx": "lenient",  # no LEDGERBAL
    "ofx/ofxtools_stmtrs_euro.ofx": "ofxtools",
    "qfx/actual_1252.qfx": "ofxtools",
    "qfx/actual_8859-1.qfx": "lenient",  # CHARSET:8859-1 is not a value the spec allows
    "qfx/actual_html-vals.qfx": "ofxtools",
    "qfx/beancount_reds_importers_360Checking.qfx": "lenient",  # no <?xml?> declaration
    "qfx/beancount_reds_importers_ally_transactions.qfx": "lenient",  # no header
}


def test_every_ofx_and_qfx_sample_has_its_reader_listed() -> None:
    found = {
        p.relative_to(SAMPLES).as_posix() for d in ("ofx", "qfx") for p in (SAMPLES / d).glob("*")
    }
    assert found == set(OFX_READERS)
    assert sum(r == "ofxtools" for r in OFX_READERS.values()) == 8


@pytest.mark.parametrize("name", sorted(OFX_READERS))
def test_each_ofx_sample_is_read_by_ofxtools_or_else_by_the_lenient_reader(name: str) -> None:
    data = sample(name)
    if name == "ofx/ofxparse_vanguard.ofx":
        # Holdings and trades only: ofxtools reads it, then the file is refused as a whole.
        with pytest.raises(ImportFileError, match="investment statement"):
            ofx._read_ofxtools(data, ofx._decode(data))
        return
    assert ofx_parse(data).reader == OFX_READERS[name]


@pytest.mark.parametrize("name", sorted(n for n, r in OFX_READERS.items() if r == "ofxtools"))
def test_ofxtools_and_the_lenient_reader_give_the_same_rows(name: str) -> None:
    data = sample(name)
    text = ofx._decode(data)
    try:
        strict = ofx._read_ofxtools(data, text)
    except ImportFileError as exc:
        with pytest.raises(ImportFileError) as lenient_exc:
            ofx._read_lenient(text)
        assert lenient_exc.value.code == exc.code
        return
    lenient = ofx._read_lenient(text)
    assert (strict.reader, lenient.reader) == ("ofxtools", "lenient")
    assert strict.accounts == lenient.accounts  # keys, types, balances and every row
    assert strict.notices == lenient.notices
    assert strict.accounts


@pytest.mark.parametrize("name", sorted(n for n, r in OFX_READERS.items() if r == "lenient"))
def test_the_files_ofxtools_refuses_are_ones_it_really_refuses(name: str) -> None:
    data = sample(name)
    with pytest.raises(ofx._Rejected):
        ofx._read_ofxtools(data, ofx._decode(data))


# -- QIF ----------------------------------------------------------------------------------


def test_qif_with_lists_splits_and_apostrophe_years() -> None:
    result = qif_parse(sample("qif/quiffen_test.qif"))
    rows = all_rows(result)
    assert len(rows) == 6
    assert (rows[0].date, rows[0].amount, rows[0].payee, rows[0].category, rows[0].notes) == (
        D(2020, 2, 10),
        Decimal("0.00"),
        "Opening Balance",
        "",
        "Transfer: TestExport",
    )
    tmobile = rows[1]
    assert tmobile.category == "Bills:Cell Phone"
    assert [(s.category, s.amount, s.memo) for s in tmobile.splits] == [
        ("Bills:Cell Phone", Decimal("-15.00"), "sign up credit"),
        ("Bills:Cell Phone", Decimal("82.50"), "new account"),
    ]
    assert rows[4].check_number == "123"
    assert (rows[5].amount, len(rows[5].splits)) == (Decimal("-100.00"), 4)
    assert any("investment" in n for n in result.notices)


def test_qif_two_digit_years_out_of_order() -> None:
    rows = all_rows(qif_parse(sample("qif/gnucash_cbb-export.qif")))
    assert len(rows) == 9
    assert (rows[0].date, rows[0].amount, rows[0].payee, rows[0].check_number) == (
        D(1997, 10, 11),
        Decimal("-6.19"),
        "AT&T/063",
        "277",
    )
    assert rows[2].date == D(1997, 7, 12)
    assert all(isinstance(r, ParsedRow) for r in rows)


def test_qif_multi_account_with_y2k_dates_and_thousands() -> None:
    result = qif_parse(sample("qif/gnucash_canada.qif"))
    by_key = {a.key: a for a in result.accounts}
    assert set(by_key) == {"canadian bank", "Dave's Checking"}
    bank = by_key["canadian bank"].rows
    assert [(r.date, r.amount) for r in bank] == [
        (D(2000, 8, 31), Decimal("0.00")),
        (D(2000, 8, 31), Decimal("-1000.00")),
    ]
    checking = by_key["Dave's Checking"].rows
    assert (checking[0].date, checking[0].amount) == (D(2000, 6, 1), Decimal("1211.45"))
    assert sum(s.amount for s in checking[1].splits) == checking[1].amount == Decimal("1000.00")
    assert any("investment" in n for n in result.notices)


def test_qif_french_money95_with_many_splits() -> None:
    result = qif_parse(sample("qif/gnucash_Money95bank_fr.qif"))
    rows = all_rows(result)
    assert len(rows) == 143
    assert all(isinstance(r, ParsedRow) for r in rows)
    assert result.date_order == "mdy"
    assert (rows[0].date, rows[0].amount) == (D(1995, 1, 1), Decimal("5762.36"))
    assert rows[1].category == "Loisirs:Canal Plus-Câble"
    assert (rows[-1].date, rows[-1].amount) == (D(1995, 12, 31), Decimal("-97.63"))
    for r in rows:
        if r.splits:
            assert sum(s.amount for s in r.splits) == r.amount, r


def test_qif_payee_and_memo_combinations() -> None:
    rows = all_rows(qif_parse(sample("qif/actual_data-payee-memo.qif")))
    assert [(r.payee, r.description, r.amount) for r in rows] == [
        ("Payee Name", "Note Text", Decimal("-10.00")),
        ("Payee Name Only", "", Decimal("-20.00")),
        ("Note Only Text", "", Decimal("-30.00")),
        ("", "", Decimal("-40.00")),
    ]
    assert all(r.date == D(2019, 1, 23) for r in rows)


# -- CAMT ---------------------------------------------------------------------------------


def test_camt053_v2_with_two_statements() -> None:
    result = camt_parse(sample("camt/genkgo-camt_camt053.v2.multi.statement.xml"))
    assert [a.key for a in result.accounts] == ["NL26VAYB8060476890", "NL26VAYB8060476890"]
    rows = all_rows(result)
    assert [(r.date, r.amount, r.payee, r.description, r.currency) for r in rows] == [
        (D(2014, 12, 31), Decimal("8.85"), "Company Name 1", "Transaction Description 1", "EUR"),
        (D(2014, 12, 31), Decimal("-7.00"), "Company Name 2", "Transaction Description 2", "EUR"),
    ]
    assert result.accounts[0].balance == Decimal("27.00")


def test_camt053_v8() -> None:
    result = camt_parse(sample("camt/genkgo-camt_camt053.v8.xml"))
    # No <Acct><Ccy>; balances in four currencies; the entry is booked in EUR.
    assert result.accounts[0].currency == "EUR"
    (row,) = all_rows(result)
    assert (row.date, row.amount, row.payee, row.external_id) == (
        D(2014, 12, 31),
        Decimal("8.85"),
        "NAME NAME",
        "AAAASESS-FP-CN_98765/01",
    )


def test_camt_statement_with_only_a_balance() -> None:
    result = camt_parse(sample("camt/genkgo-camt_camt53.only-Dt-with-DtTm.xml"))
    (account,) = result.accounts
    assert (account.key, account.rows) == ("GB33BUKB20201555555555", [])


def test_camt052_latin1_report() -> None:
    rows = all_rows(camt_parse(sample("camt/actual_camt.latin1.xml")))
    assert [(r.date, r.amount, r.payee, r.external_id) for r in rows] == [
        (D(2025, 9, 9), Decimal("100.00"), "M-Überschusssparen", "2025090900000000"),
        (D(2025, 9, 9), Decimal("-5.00"), "Grüße aus München", "2025090900000001"),
    ]
    assert rows[1].description == "Restaurant Schrödingers Katze und Café Ünique"


# -- CSV ----------------------------------------------------------------------------------


def test_csv_sparkasse_mt940_export() -> None:
    data = sample("csv/bank2ynab_20180226-1000594757-umsatz.CSV")
    layout = csv_sniff(data)
    assert layout.profile == "sparkasse-mt940"
    (row,) = list(csv_rows(data, layout))
    assert (row.date, row.amount, row.payee, row.currency) == (
        D(2018, 2, 22),
        Decimal("-36.99"),
        "Vodafone Kabel DeutschlandGmbH",
        "EUR",
    )


def test_csv_rabobank_latin1_with_mixed_line_endings_and_a_missing_quote() -> None:
    data = sample("csv/bank2ynab_CSV_A_20180414_112204.csv")
    layout = csv_sniff(data)
    assert layout.profile == "rabobank"
    rows = list(csv_rows(data, layout))
    assert [(r.date, r.amount, r.balance) for r in rows] == [
        (D(2018, 3, 1), Decimal("-337.49"), Decimal("5257.28")),
        (D(2018, 3, 14), Decimal("50.00"), Decimal("13084.53")),
        (D(2018, 3, 16), Decimal("-750.00"), Decimal("12334.53")),
    ]
    assert rows[1].payee == "Nederlandse Loterij Organisatie B.V."


def test_csv_ubs_with_apostrophe_thousands_and_debit_credit() -> None:
    data = sample("csv/csv2ofx_ubs-ch-fr_trimmed.csv")
    layout = csv_sniff(data)
    assert layout.profile == "ubs-fr"
    rows = list(csv_rows(data, layout))
    assert [(r.date, r.amount, r.balance, r.currency) for r in rows] == [
        (D(2019, 3, 31), Decimal("-10.00"), Decimal("11373.94"), "CHF"),
        (D(2019, 2, 28), Decimal("240.00"), Decimal("11613.94"), "CHF"),
        (D(2019, 4, 27), Decimal("-200.00"), Decimal("11413.94"), "CHF"),
    ]
    assert [r.external_id for r in rows] == [
        "A01234BC01234567",
        "3456789ZT1234567",
        "9979360TI2115087",
    ]


# -- MT940 --------------------------------------------------------------------------------


def test_mt940_sample_in_three_details_dialects() -> None:
    result = mt940_parse(sample("mt940/actual_data.sta"))
    (account,) = result.accounts
    assert (account.key, account.currency, account.balance) == (
        "FR7630006000011234567890189",
        "EUR",
        Decimal("2496.71"),
    )
    rows = account.rows
    assert [(r.date, r.amount, r.external_id) for r in rows] == [
        (D(2025, 8, 1), Decimal("-42.50"), "BANKREF001"),
        (D(2025, 8, 2), Decimal("1200.00"), "BANKREF002"),
        (D(2025, 8, 3), Decimal("-89.99"), "BANKREF003"),
        (D(2025, 8, 4), Decimal("-15.00"), "BANKREF004"),
        (D(2025, 8, 5), Decimal("-24.80"), "BANKREF005"),
        (D(2025, 8, 6), Decimal("-31.00"), "BANKREF006"),
    ]
    assert (rows[0].payee, rows[0].description) == ("Boulangerie L'Étoile", "Facture 2025-0042")
    assert (rows[2].payee, rows[2].description) == ("MÜLLER GMBH", "Rechnung 4711")
    assert rows[3].payee == "RETRAIT GUICHET AUTOMATIQUE"
    # A bank's own code before the payee ("A44?", "B32?"), the description on the next line
    # or, repeated from the :61: line, at the end of the payee's.
    assert (rows[4].payee, rows[4].description) == ("Librairie Gibert Joseph", "Virement en ligne")
    assert (rows[5].payee, rows[5].description, rows[5].notes) == (
        "TREMBLAY, MARIE",
        "",
        "Paiement mobile",
    )
    # Opening balance 1500,00 plus the entries gives the closing balance.
    assert Decimal("1500.00") + sum(r.amount for r in rows) == account.balance
