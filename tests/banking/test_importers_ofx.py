"""OFX/QFX rules on small hand-written files."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from banking.importers import ImportFileError, ParsedRow, RowError, ofx_parse

HEADER = b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n"


def stmt(
    trns: bytes,
    *,
    acct: bytes = b"<BANKACCTFROM><BANKID>1<ACCTID>555<ACCTTYPE>SAVINGS</BANKACCTFROM>",
) -> bytes:
    return (
        HEADER
        + b"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR"
        + acct
        + b"<BANKTRANLIST>"
        + trns
        + b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )


def trn(
    amount: str, date: str = "20260128", fitid: str = "A1", name: str = "Shop", extra: str = ""
) -> bytes:
    return f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>{date}<TRNAMT>{amount}<FITID>{fitid}<NAME>{name}{extra}</STMTTRN>".encode(
        "cp1252"
    )


def test_it_reads_the_date_as_written_without_shifting_time_zones() -> None:
    result = ofx_parse(stmt(trn("-1.00", date="20260128000000[+10:AEST]")))
    assert result.accounts[0].rows[0].date == datetime.date(2026, 1, 28)


def test_fitid_name_memo_and_sign_map_to_row_fields() -> None:
    row = ofx_parse(stmt(trn("-12.34", extra="<MEMO>Card 1234<CHECKNUM>77"))).accounts[0].rows[0]
    assert row == ParsedRow(
        line=1,
        date=datetime.date(2026, 1, 28),
        amount=Decimal("-12.34"),
        payee="Shop",
        description="Card 1234",
        external_id="A1",
        currency="EUR",
        account_key="555",
        check_number="77",
    )


def test_account_type_and_currency_come_from_the_statement() -> None:
    account = ofx_parse(stmt(trn("1.00"))).accounts[0]
    assert (account.key, account.type, account.currency) == ("555", "savings", "EUR")


def test_a_truncated_file_fails_clearly() -> None:
    data = stmt(trn("1.00"))
    with pytest.raises(ImportFileError) as err:
        ofx_parse(data[: len(data) // 2])
    assert err.value.code == "truncated"
    assert "cut off" in err.value.message


def test_a_bad_date_is_a_row_error() -> None:
    rows = ofx_parse(stmt(trn("1.00", date="2026") + trn("2.00", fitid="A2"))).accounts[0].rows
    assert isinstance(rows[0], RowError) and "DTPOSTED" in rows[0].message
    assert isinstance(rows[1], ParsedRow)


def test_an_exact_repeat_of_a_transaction_is_dropped_with_a_notice() -> None:
    result = ofx_parse(stmt(trn("1.00") + trn("1.00")))
    assert len(result.accounts[0].rows) == 1
    assert result.notices


def test_deleted_corrections_are_skipped() -> None:
    result = ofx_parse(stmt(trn("1.00", extra="<CORRECTFITID>A0<CORRECTACTION>DELETE")))
    assert result.accounts[0].rows == []
    assert "deleted" in result.notices[0]


def test_utf8_bytes_win_over_a_1252_header() -> None:
    row = (
        ofx_parse(stmt(trn("1.00", name="x").replace(b"<NAME>x", "<NAME>Café €".encode())))
        .accounts[0]
        .rows[0]
    )
    assert row.payee == "Café €"


def test_a_file_with_no_ofx_section_fails_clearly() -> None:
    with pytest.raises(ImportFileError, match="OFX"):
        ofx_parse(b"OFXHEADER:100\n\nhello </OFX>")


def test_investment_cash_lines_are_imported_and_trades_skipped_with_a_notice() -> None:
    data = (
        HEADER
        + b"<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><CURDEF>USD<INVACCTFROM><BROKERID>b<ACCTID>99</INVACCTFROM>"
        + b"<INVTRANLIST><DTSTART>20260101<DTEND>20260131<BUYMF><INVBUY><INVTRAN><FITID>T1</INVTRAN></INVBUY></BUYMF>"
        + b"<INVBANKTRAN>"
        + trn("500.00", fitid="C1", name="Deposit")
        + b"<SUBACCTFUND>CASH</INVBANKTRAN>"
        + b"</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>"
    )
    result = ofx_parse(data)
    (account,) = result.accounts
    assert (account.type, account.key, [r.amount for r in account.rows]) == (
        "investment",
        "99",
        [Decimal("500.00")],
    )
    assert "trade" in result.notices[0]
