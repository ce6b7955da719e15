"""CAMT rules on small hand-written files."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from banking.importers import ImportFileError, RowError, camt_parse


def doc(
    entries: str, version: str = "053.001.04", block: str = "Stmt", root: str = "BkToCstmrStmt"
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{version}"><{root}><{block}>
<Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2026-01-31</Dt></Dt></Bal>
{entries}</{block}></{root}></Document>""".encode()


def entry(
    amount: str,
    ind: str,
    *,
    date: str = "<Dt>2026-01-28</Dt>",
    status: str = "BOOK",
    extra: str = "",
) -> str:
    return (
        f'<Ntry><NtryRef>R{amount}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>{status}</Sts>'
        f"<BookgDt>{date}</BookgDt><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Payer</Nm></Dbtr><Cdtr><Nm>Payee</Nm></Cdtr></RltdPties>"
        f"<RmtInf><Ustrd>Line 1</Ustrd><Ustrd>Line 2</Ustrd></RmtInf></TxDtls></NtryDtls>{extra}</Ntry>"
    )


@pytest.mark.parametrize("version", ["053.001.02", "053.001.04", "053.001.08", "052.001.08"])
def test_it_reads_any_schema_version_with_the_sign_from_cdtdbtind(version: str) -> None:
    block, root = (
        ("Rpt", "BkToCstmrAcctRpt") if version.startswith("052") else ("Stmt", "BkToCstmrStmt")
    )
    result = camt_parse(doc(entry("12.50", "DBIT") + entry("100.00", "CRDT"), version, block, root))
    (account,) = result.accounts
    assert (account.key, account.currency, account.balance) == (
        "DE02120300000000202051",
        "EUR",
        Decimal("-1.00"),
    )
    debit, credit = account.rows
    assert (debit.amount, debit.payee, debit.description, debit.external_id) == (
        Decimal("-12.50"),
        "Payee",
        "Line 1 Line 2",
        "R12.50",
    )
    assert (credit.amount, credit.payee) == (Decimal("100.00"), "Payer")


def test_booking_date_may_be_a_datetime() -> None:
    (row,) = (
        camt_parse(
            doc(entry("1.00", "DBIT", date="<DtTm>2026-01-28T23:59:59.123456789+01:00</DtTm>"))
        )
        .accounts[0]
        .rows
    )
    assert row.date == datetime.date(2026, 1, 28)


def test_acctsvcrref_wins_over_ntryref() -> None:
    xml = doc(entry("1.00", "DBIT")).replace(
        b"<NtryRef>", b"<AcctSvcrRef>BANK-1</AcctSvcrRef><NtryRef>"
    )
    assert camt_parse(xml).accounts[0].rows[0].external_id == "BANK-1"


def test_pending_entries_are_skipped_with_a_notice() -> None:
    result = camt_parse(
        doc(entry("1.00", "DBIT", status="PDNG") + entry("2.00", "DBIT", status="<Cd>BOOK</Cd>"))
    )
    assert [r.amount for r in result.accounts[0].rows] == [Decimal("-2.00")]
    assert "pending" in result.notices[0]


def test_a_bad_amount_is_a_row_error() -> None:
    (row,) = camt_parse(doc(entry("abc", "DBIT"))).accounts[0].rows
    assert isinstance(row, RowError)


def test_broken_xml_fails_clearly() -> None:
    data = doc(entry("1.00", "DBIT"))
    with pytest.raises(ImportFileError) as err:
        camt_parse(data[:-40])
    assert "broken or cut off" in err.value.message


def test_entity_expansion_is_refused_before_parsing() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>&lol2;</Stmt></BkToCstmrStmt></Document>"""
    with pytest.raises(ImportFileError, match="DTD"):
        camt_parse(bomb)


def test_xml_without_statements_fails_clearly() -> None:
    with pytest.raises(ImportFileError):
        camt_parse(b"<Document><Other/></Document>")


def test_an_unknown_or_wrong_declared_encoding_is_read_anyway() -> None:
    latin = doc(entry("1.00", "DBIT")).replace(b"Payee", "Müller".encode("latin-1"))
    for declared in (b'encoding="SO-8859-1"', b'encoding="UTF-8"'):
        data = latin.replace(b'encoding="UTF-8"', declared)
        assert camt_parse(data).accounts[0].rows[0].payee == "Müller"
