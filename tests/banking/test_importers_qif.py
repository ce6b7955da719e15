"""QIF rules on small hand-written files."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from banking.importers import ImportFileError, ParsedRow, RowError, qif_parse

D = datetime.date


def rows_of(data: bytes, **kw):  # type: ignore[no-untyped-def]
    return [r for a in qif_parse(data, **kw).accounts for r in a.rows]


def test_it_reports_both_date_orders_when_every_date_fits_both() -> None:
    data = b"!Type:Bank\nD01/02/2026\nT-1.00\nPA\n^\nD03/04/2026\nT-2.00\nPB\n^\n"
    result = qif_parse(data)
    assert result.date_ambiguous and result.date_candidates == ["mdy", "dmy"]
    assert result.accounts[0].rows[0].date == D(2026, 1, 2)
    again = qif_parse(data, date_order="dmy")
    assert again.accounts[0].rows[0].date == D(2026, 2, 1)
    assert again.date_order == "dmy"


def test_a_day_over_12_settles_the_order() -> None:
    result = qif_parse(b"!Type:Bank\nD25/12/2025\nT-1.00\n^\nD01/02/2026\nT-2.00\n^\n")
    assert not result.date_ambiguous
    assert [r.date for r in result.accounts[0].rows] == [D(2025, 12, 25), D(2026, 2, 1)]


def test_year_first_dates_ask_no_question() -> None:
    result = qif_parse(b"!Type:Bank\nD2026-01-02\nT-1.00\nPA\n^\nD2026-03-04\nT-2.00\nPB\n^\n")
    assert not result.date_ambiguous
    assert [r.date for r in result.accounts[0].rows] == [D(2026, 1, 2), D(2026, 3, 4)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D2/10'2020", D(2020, 2, 10)),
        ("D7/12/97", D(1997, 7, 12)),
        ("D8/31' 0", D(2000, 8, 31)),
        ("D6/ 1' 0", D(2000, 6, 1)),
        ("D12/31'19", D(2019, 12, 31)),
        ("D01/23/2019", D(2019, 1, 23)),
        ("D2026-01-28", D(2026, 1, 28)),
    ],
)
def test_it_reads_quicken_date_variants(text: str, expected: datetime.date) -> None:
    (row,) = rows_of(f"!Type:Bank\n{text}\nT-1.00\n^\n".encode())
    assert row.date == expected


def test_credit_card_and_cash_registers_and_u_amounts_with_thousands() -> None:
    data = b"!Type:CCard\nD01/28/2026\nU-1,234.56\nPShop\n^\n!Type:Cash\nD01/29/2026\nT-5.00\n^\n"
    result = qif_parse(data)
    assert result.accounts[0].type == "credit_card"
    assert [r.amount for r in rows_of(data)] == [Decimal("-1234.56"), Decimal("-5.00")]


def test_transfers_become_a_note_not_a_category() -> None:
    (row,) = rows_of(b"!Type:Bank\nD01/28/2026\nT-100.00\nL[Savings]\n^\n")
    assert (row.category, row.notes) == ("", "Transfer: Savings")


def test_category_class_suffix_is_dropped() -> None:
    (row,) = rows_of(b"!Type:Bank\nD01/28/2026\nT-10.00\nLFood:Groceries/Holiday\n^\n")
    assert row.category == "Food:Groceries"


def test_splits_keep_category_amount_and_memo() -> None:
    (row,) = rows_of(
        b"!Type:Bank\nD01/28/2026\nT-30.00\nSFood\nElunch\n$-10.00\nS[Cash]\n$-20.00\n^\n"
    )
    assert [tuple(s) for s in row.splits] == [
        ("Food", Decimal("-10.00"), "lunch"),
        ("", Decimal("-20.00"), "Transfer: Cash"),
    ]


def test_account_blocks_name_each_register() -> None:
    data = (
        b"!Account\nNChecking\nTBank\n^\n!Type:Bank\nD01/28/2026\nT-1.00\n^\n"
        b"!Account\nNVisa\nTCCard\n^\n!Type:CCard\nD01/29/2026\nT-2.00\n^\n"
    )
    result = qif_parse(data)
    assert [(a.key, a.type, [r.amount for r in a.rows]) for a in result.accounts] == [
        ("Checking", "checking", [Decimal("-1.00")]),
        ("Visa", "credit_card", [Decimal("-2.00")]),
    ]
    assert all(isinstance(r, ParsedRow) and r.account_key for a in result.accounts for r in a.rows)


def test_investment_registers_and_lists_are_skipped() -> None:
    data = (
        b"!Type:Cat\nNFood\nE\n^\n!Type:Memorized\nKC\nPShop\nT-1.00\n^\n"
        b"!Type:Invst\nD01/28/2026\nNBuy\nYAAPL\n^\n!Type:Bank\nD01/28/2026\nT-3.00\n^\n"
    )
    result = qif_parse(data)
    assert [r.amount for r in result.accounts[0].rows] == [Decimal("-3.00")]
    assert "investment" in result.notices[0]


def test_bad_records_are_row_errors() -> None:
    rows = rows_of(
        b"!Type:Bank\nD13/45/2026\nT-1.00\n^\nD01/28/2026\nTabc\n^\nD01/28/2026\nPNo amount\n^\n"
    )
    assert all(isinstance(r, RowError) for r in rows)
    assert [r.line for r in rows] == [2, 5, 8]
    assert "not a number" in rows[1].message


def test_a_file_without_a_type_header_fails_clearly() -> None:
    with pytest.raises(ImportFileError):
        qif_parse(b"D01/28/2026\nT-1.00\n^\n")
