"""OFX/QFX rules on small hand-written files."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from banking.importers import ImportFileError, ParsedRow, RowError, ofx, ofx_parse

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


# -- ofxtools first, the lenient reader for what it refuses ---------------------------------

SPEC_HEADER = (
    b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    b"CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)
SIGNON = (
    b"<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260131120000"
    b"<LANGUAGE>ENG<FI><ORG>Test Bank<FID>1</FI></SONRS></SIGNONMSGSRSV1>"
)


def bank_stmt(trns: bytes, *, acct: bytes = b"111", bankid: bytes = b"123456789") -> bytes:
    return (
        b"<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS>"
        b"<CURDEF>EUR<BANKACCTFROM><BANKID>" + bankid + b"<ACCTID>" + acct + b"<ACCTTYPE>SAVINGS"
        b"</BANKACCTFROM><BANKTRANLIST><DTSTART>20260101<DTEND>20260131" + trns + b"</BANKTRANLIST>"
        b"<LEDGERBAL><BALAMT>100.50<DTASOF>20260131</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>"
    )


def card_stmt(trns: bytes, *, acct: bytes = b"4111") -> bytes:
    return (
        b"<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>2<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        b"<CCSTMTRS><CURDEF>EUR<CCACCTFROM><ACCTID>" + acct + b"</CCACCTFROM>"
        b"<BANKTRANLIST><DTSTART>20260101<DTEND>20260131" + trns + b"</BANKTRANLIST>"
        b"<LEDGERBAL><BALAMT>-20.00<DTASOF>20260131</LEDGERBAL></CCSTMTRS></CCSTMTTRNRS>"
        b"</CREDITCARDMSGSRSV1>"
    )


def spec_trn(
    amount: str,
    *,
    date: str = "20260128",
    fitid: str = "A1",
    payee: str = "<NAME>Shop",
    extra: str = "",
    trntype: str = "DEBIT",
) -> bytes:
    return (
        f"<STMTTRN><TRNTYPE>{trntype}<DTPOSTED>{date}<TRNAMT>{amount}<FITID>{fitid}"
        f"{payee}{extra}</STMTTRN>"
    ).encode()


def spec_file(*statements: bytes) -> bytes:
    return SPEC_HEADER + b"<OFX>" + SIGNON + b"".join(statements) + b"</OFX>"


def both_readers(data: bytes) -> tuple:
    """What ofxtools and the lenient reader each make of the same file."""
    text = ofx._decode(data)
    return ofx._read_ofxtools(data, text), ofx._read_lenient(text)


def test_a_file_that_follows_the_spec_is_read_by_ofxtools() -> None:
    data = spec_file(bank_stmt(spec_trn("-12.34", fitid="F1", extra="<MEMO>Card 1234")))
    result = ofx_parse(data)
    assert result.reader == "ofxtools"
    (account,) = result.accounts
    assert (account.key, account.type, account.currency, account.institution) == (
        "111",
        "savings",
        "EUR",
        "Test Bank",
    )
    assert (account.balance, account.balance_date) == (
        Decimal("100.50"),
        datetime.date(2026, 1, 31),
    )
    assert account.rows == [
        ParsedRow(
            line=1,
            date=datetime.date(2026, 1, 28),
            amount=Decimal("-12.34"),
            payee="Shop",
            description="Card 1234",
            external_id="F1",
            currency="EUR",
            account_key="111",
        )
    ]


def test_several_statements_in_one_file_become_several_accounts() -> None:
    data = spec_file(
        bank_stmt(spec_trn("1500.00", fitid="B1", payee="<NAME>Salary", trntype="CREDIT")),
        card_stmt(
            spec_trn("-5.00", fitid="C1", payee="", extra="<CHECKNUM>77", trntype="CHECK")
            + spec_trn("-7.25", fitid="C2", payee="<NAME>Cinema")
        ),
    )
    result = ofx_parse(data)
    assert result.reader == "ofxtools"
    assert [(a.key, a.type, a.balance, len(a.rows)) for a in result.accounts] == [
        ("111", "savings", Decimal("100.50"), 1),
        ("4111", "credit_card", Decimal("-20.00"), 2),
    ]
    card = result.accounts[1].rows
    assert [(r.payee, r.amount, r.external_id, r.account_key) for r in card] == [
        ("Check 77", Decimal("-5.00"), "C1", "4111"),
        ("Cinema", Decimal("-7.25"), "C2", "4111"),
    ]


def test_a_file_ofxtools_refuses_is_read_by_the_lenient_reader_with_the_same_rows() -> None:
    trns = spec_trn("-3.00", fitid="F1") + spec_trn("4.00", fitid="F2", payee="<NAME>Refund")
    valid = spec_file(bank_stmt(trns))
    # A ten-digit BANKID (real downloads have them) breaks the spec: ofxtools says no.
    refused = spec_file(bank_stmt(trns, bankid=b"5472369148"))
    with pytest.raises(ofx._Rejected, match="bankid"):
        ofx._read_ofxtools(refused, ofx._decode(refused))
    read_by_ofxtools, read_leniently = ofx_parse(valid), ofx_parse(refused)
    assert (read_by_ofxtools.reader, read_leniently.reader) == ("ofxtools", "lenient")
    assert read_by_ofxtools.accounts == read_leniently.accounts


@pytest.mark.parametrize(
    "trns",
    [
        # Local midnight east of Greenwich: ofxtools' UTC would be the day before.
        spec_trn("-1.00", date="20260128000000[+10:AEST]"),
        spec_trn("-1.00", date="20260128233000.000[-5:EST]"),
        # Entities, and entities the bank escaped twice.
        spec_trn(
            "-2.00", payee="<NAME>B.C. HYDRO &amp; POWER", extra="<MEMO>TPAY &amp;lt;X&amp;gt;"
        ),
        # UTF-8 bytes under a CHARSET:1252 header.
        spec_trn("-3.00", payee="<NAME>Café €uro"),
        # A PAYEE aggregate instead of NAME; neither NAME nor MEMO.
        spec_trn(
            "-4",
            payee="<PAYEE><NAME>Acme<ADDR1>1 Road<CITY>X<STATE>Y<POSTALCODE>1<PHONE>1</PAYEE>",
        ),
        spec_trn("-5.00", payee="", trntype="ATM"),
        # A FITID reused for a different transaction, and an exact repeat.
        spec_trn("-6.00") + spec_trn("-6.50") + spec_trn("-6.00"),
        # A deleted correction, and a comma decimal.
        spec_trn("-7,00", payee="<CORRECTFITID>Z<CORRECTACTION>DELETE<NAME>Shop")
        + spec_trn("-7,50"),
    ],
    ids=["east", "west", "entities", "utf8", "payee", "atm", "fitid", "correction"],
)
def test_ofxtools_and_the_lenient_reader_agree_on_hand_made_edge_cases(trns: bytes) -> None:
    strict, lenient = both_readers(spec_file(bank_stmt(trns)))
    assert strict.reader == "ofxtools"
    assert strict.accounts == lenient.accounts
    assert strict.notices == lenient.notices


def test_cdata_in_an_ofx_2_file_reads_the_same_with_both_readers() -> None:
    body = spec_file(bank_stmt(spec_trn("-1.00", payee="<NAME><![CDATA[A & B  ]]></NAME>"))).split(
        b"<OFX>", 1
    )[1]
    # OFX 2.x closes every leaf.
    body = re.sub(rb"<([A-Z0-9.]+)>([^<]+)(?=<(?!/\1>))", rb"<\1>\2</\1>", body)
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" '
        b'NEWFILEUID="NONE"?>\n<OFX>' + body
    )
    strict, lenient = both_readers(data)
    assert strict.reader == "ofxtools"
    assert strict.accounts == lenient.accounts
    assert strict.accounts[0].rows[0].payee == "A & B"


def test_an_amount_in_orig_currency_is_already_in_the_statement_currency() -> None:
    # ORIGCURRENCY: the bank converted the amount to CURDEF; CURRENCY: the amount is in it.
    data = spec_file(
        bank_stmt(
            spec_trn(
                "-9.10", fitid="O1", extra="<ORIGCURRENCY><CURRATE>1.1<CURSYM>USD</ORIGCURRENCY>"
            )
            + spec_trn("-8.00", fitid="O2", extra="<CURRENCY><CURRATE>1.1<CURSYM>GBP</CURRENCY>")
        )
    )
    for result in both_readers(data):
        assert [r.currency for r in result.accounts[0].rows] == ["EUR", "GBP"]
