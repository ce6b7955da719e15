"""Reading CSV files of layouts never seen before: encodings, delimiters, preambles,
number and date formats, sign styles, and bad rows."""

from __future__ import annotations

import datetime
import io
import tracemalloc
from decimal import Decimal

import pytest

from banking.importers import (
    DEBIT_CREDIT,
    INDICATOR,
    SIGNED,
    CsvLayout,
    CsvMapping,
    ImportFileError,
    ParsedRow,
    RowError,
    csv_rows,
    csv_sniff,
    suggest_flip,
)
from banking.importers.amounts import make_amount_parser

D = datetime.date


def read(data: bytes) -> tuple[CsvLayout, list[ParsedRow | RowError]]:
    layout = csv_sniff(data)
    return layout, list(csv_rows(data, layout))


def ok_rows(rows: list[ParsedRow | RowError]) -> list[ParsedRow]:
    assert all(isinstance(r, ParsedRow) for r in rows), rows
    return rows  # type: ignore[return-value]


SIMPLE = "Date,Payee,Amount\n2026-01-28,Café Zoë,-4.50\n2026-01-14,Employer,2000.00\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),  # with BOM (LE on this machine)
        ("utf-16-be-bom", "utf-16"),
        ("cp1252", "cp1252"),
    ],
)
def test_it_works_out_the_encoding(encoding: str, expected: str) -> None:
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + SIMPLE.encode("utf-16-be")
    else:
        data = SIMPLE.encode(encoding)
    layout, rows = read(data)
    assert layout.encoding == expected
    assert [r.payee for r in ok_rows(rows)] == ["Café Zoë", "Employer"]


def test_it_reads_utf16_without_a_bom() -> None:
    layout, rows = read(SIMPLE.encode("utf-16-le"))
    assert layout.encoding == "utf-16-le"
    assert ok_rows(rows)[0].payee == "Café Zoë"


def test_it_falls_back_to_latin1_for_bytes_cp1252_cannot_decode() -> None:
    data = (
        "Date,Payee,Amount\n2026-01-28,Caf\xe9,-4.50\n".encode("latin-1")
        + b"2026-01-29,A\x81B,-1.00\n"
    )
    layout, rows = read(data)
    assert layout.encoding == "latin-1"
    assert ok_rows(rows)[0].payee == "Café"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_finds_the_delimiter(delimiter: str) -> None:
    text = SIMPLE.replace(",", delimiter)
    layout, rows = read(text.encode())
    assert layout.delimiter == delimiter
    assert [r.amount for r in ok_rows(rows)] == [Decimal("-4.50"), Decimal("2000.00")]


def test_it_prefers_semicolons_when_commas_are_decimal_marks() -> None:
    data = b"Datum;Text;Betrag;Saldo\n28.01.2026;Miete;-800,00;1200,50\n14.01.2026;Lohn;2000,00;2000,50\n"
    layout, rows = read(data)
    assert layout.delimiter == ";"
    assert layout.mapping.decimal_mark == ","
    assert [(r.date, r.amount, r.balance) for r in ok_rows(rows)] == [
        (D(2026, 1, 28), Decimal("-800.00"), Decimal("1200.50")),
        (D(2026, 1, 14), Decimal("2000.00"), Decimal("2000.50")),
    ]


def test_it_skips_a_preamble_before_the_header() -> None:
    data = (
        b"Account statement\nAccount:,12345\nPeriod:,January 2026\n\n"
        b"Date,Description,Amount,Balance\n01/28/2026,Coffee,-3.25,96.75\n01/14/2026,Refund,100.00,100.00\n"
    )
    layout, rows = read(data)
    assert layout.skip_rows == 4
    assert layout.header == ["Date", "Description", "Amount", "Balance"]
    assert [r.payee for r in ok_rows(rows)] == ["Coffee", "Refund"]


def test_it_reads_a_headerless_file_by_content() -> None:
    data = b"2026-01-28,-12.50,Grocer\n2026-01-14,1500.00,Salary\n2026-01-05,-20.00,Cinema\n"
    layout, rows = read(data)
    assert not layout.has_header
    assert layout.header == ["Column 1", "Column 2", "Column 3"]
    assert [(r.amount, r.payee) for r in ok_rows(rows)] == [
        (Decimal("-12.50"), "Grocer"),
        (Decimal("1500.00"), "Salary"),
        (Decimal("-20.00"), "Cinema"),
    ]


@pytest.mark.parametrize(
    ("cell", "decimal", "expected"),
    [
        ('"1,234.56"', ".", "1234.56"),
        ('"-1,234.56"', ".", "-1234.56"),
        ("(12.50)", ".", "-12.50"),
        ("12.50-", ".", "-12.50"),
        ("+12.50", ".", "12.50"),
        ('"$1,036.47"', ".", "1036.47"),
        ("-$5.00", ".", "-5.00"),
        ("€5.00", ".", "5.00"),
        ('"£1,502.10"', ".", "1502.10"),
        ('"₹1,20,000.00"', ".", "120000.00"),
        ('"-,77,65,682.30"', ".", "-7765682.30"),
        ("CHF 11'373.94", ".", "11373.94"),
        ("38 624.93", ".", "38624.93"),
        ("12.00 DR", ".", "-12.00"),
        ("12.00 CR", ".", "12.00"),
        ("1.234,56", ",", "1234.56"),
        ("-1.234,56", ",", "-1234.56"),
        ("+5257,28", ",", "5257.28"),
        ("1 234,56", ",", "1234.56"),
    ],
)
def test_it_reads_number_styles(cell: str, decimal: str, expected: str) -> None:
    delim = ";" if decimal == "," else ","
    text = f"Date{delim}Payee{delim}Amount\n2026-01-28{delim}Shop{delim}{cell}\n2026-01-14{delim}Shop{delim}{'1,00' if decimal == ',' else '1.00'}\n"
    layout = csv_sniff(text.encode())
    assert layout.mapping.decimal_mark == decimal
    rows = ok_rows(list(csv_rows(text.encode(), layout)))
    assert rows[0].amount == Decimal(expected)


@pytest.mark.parametrize(
    ("cell", "decimal", "expected"),
    [
        ("2750.00", ",", "2750.00"),  # BNP Paribas Fortis exports mix both marks
        ("-1.372,26", ",", "-1372.26"),
        ("1.234", ",", "1234"),  # three digits: a thousands group
        ("12,5", ".", "12.5"),
        ("1.234,56", ".", "1234.56"),
        ("1,234", ".", "1234"),
        ("1,20,000.00", ".", "120000.00"),
    ],
)
def test_a_number_written_with_the_other_decimal_mark_is_not_scaled(
    cell: str, decimal: str, expected: str
) -> None:
    assert make_amount_parser(decimal)(cell) == Decimal(expected)


def test_a_file_mixing_decimal_marks_reads_every_amount_right() -> None:
    data = (
        b"Datum;Omschrijving;Bedrag\n"
        b"17/06/2026;Kruidvat;-12,05\n"
        b"15/06/2026;Salaris;2750.00\n"
        b"14/06/2026;Huur;-1.100,00\n"
    )
    layout = csv_sniff(data)
    amounts = [r.amount for r in ok_rows(list(csv_rows(data, layout)))]
    assert amounts == [Decimal("-12.05"), Decimal("2750.00"), Decimal("-1100.00")]


@pytest.mark.parametrize(
    ("cells", "fmt", "expected"),
    [
        (["2026-11-22", "2026-01-05"], "%Y-%m-%d", D(2026, 11, 22)),
        (["22/11/2026", "05/01/2026"], "%d/%m/%Y", D(2026, 11, 22)),
        (["11/22/2026", "01/05/2026"], "%m/%d/%Y", D(2026, 11, 22)),
        (["22.11.2026", "05.01.2026"], "%d.%m.%Y", D(2026, 11, 22)),
        (["22.11.26", "05.01.26"], "%d.%m.%y", D(2026, 11, 22)),
        (["20261122", "20260105"], "%Y%m%d", D(2026, 11, 22)),
        (["22 Nov 2026", "5 Jan 2026"], "%d %b %Y", D(2026, 11, 22)),
        (['"Nov 22, 2026"', '"Jan 5, 2026"'], "%b %d, %Y", D(2026, 11, 22)),
        (["2026-11-22 12:34:56", "2026-01-05 08:00:00"], "%Y-%m-%d", D(2026, 11, 22)),
        (["22/11/98", "05/01/99"], "%d/%m/%y", D(1998, 11, 22)),
        (["22-Nov-2026", "05-Jan-2026"], "%d-%b-%Y", D(2026, 11, 22)),
        (["2026.11.22.", "2026.01.05."], "%Y.%m.%d.", D(2026, 11, 22)),
    ],
)
def test_it_finds_the_date_format(cells: list[str], fmt: str, expected: datetime.date) -> None:
    text = "Date,Payee,Amount\n" + "".join(f"{c},Shop,-1.00\n" for c in cells)
    layout, rows = read(text.encode())
    assert layout.mapping.date_format == fmt
    assert not layout.date_ambiguous
    assert ok_rows(rows)[0].date == expected


def test_it_asks_when_both_day_month_orders_fit_every_row() -> None:
    text = "Date,Payee,Amount\n01/02/2026,A,-1.00\n03/04/2026,B,-2.00\n05/06/2026,C,-3.00\n"
    layout = csv_sniff(text.encode())
    assert layout.date_ambiguous
    assert set(layout.date_candidates) == {"%m/%d/%Y", "%d/%m/%Y"}
    us = list(csv_rows(text.encode(), layout))
    mapping = CsvMapping.from_dict(layout.mapping.to_dict() | {"date_format": "%d/%m/%Y"})
    eu = list(csv_rows(text.encode(), layout, mapping))
    assert {us[0].date, eu[0].date} == {D(2026, 1, 2), D(2026, 2, 1)}


def test_one_unambiguous_row_settles_the_day_month_order() -> None:
    text = "Date,Payee,Amount\n01/02/2026,A,-1.00\n25/04/2026,B,-2.00\n"
    layout = csv_sniff(text.encode())
    assert not layout.date_ambiguous
    assert layout.mapping.date_format == "%d/%m/%Y"


def test_it_reads_separate_debit_and_credit_columns() -> None:
    data = b"Date,Description,Withdrawals,Deposits\n2026-01-28,Rent,800.00,\n2026-01-14,Salary,,2500.00\n"
    layout, rows = read(data)
    assert layout.mapping.amount_style == DEBIT_CREDIT
    assert [r.amount for r in ok_rows(rows)] == [Decimal("-800.00"), Decimal("2500.00")]


def test_debit_and_credit_columns_with_zeroes_in_the_unused_one() -> None:
    data = b"Date,Narration,Debit Amount,Credit Amount\n28/01/26,UPI,450.00,0.00\n14/01/26,SALARY,0.00,1000.00\n"
    _, rows = read(data)
    assert [r.amount for r in ok_rows(rows)] == [Decimal("-450.00"), Decimal("1000.00")]


def test_it_reads_an_amount_with_a_debit_credit_indicator_column() -> None:
    data = b"Date;Name;Amount;D/C\n2026-01-28;Shop;12,50;D\n2026-01-14;Employer;2000,00;C\n"
    layout, rows = read(data)
    m = layout.mapping
    assert m.amount_style == INDICATOR
    assert "D" in m.debit_values and "C" in m.credit_values
    assert [r.amount for r in ok_rows(rows)] == [Decimal("-12.50"), Decimal("2000.00")]


def test_an_unknown_indicator_value_is_a_row_error() -> None:
    data = b"Date;Name;Amount;Af Bij\n2026-01-28;Shop;12,50;Af\n2026-01-14;Employer;2000,00;Bij\n"
    layout = csv_sniff(data)
    bad = data + b"2026-01-15;Odd;1,00;Maybe\n"
    rows = list(csv_rows(bad, layout))
    assert isinstance(rows[-1], RowError)
    assert "Maybe" in rows[-1].message and rows[-1].column == "Af Bij"


def test_it_skips_rows_without_an_amount_as_non_transactions() -> None:
    data = b"Date,Description,Amount,Running Bal.\n01/01/2026,Beginning balance as of 01/01/2026,,100.00\n01/02/2026,Shop,-5.00,95.00\n"
    _, rows = read(data)
    assert [r.payee for r in ok_rows(rows)] == ["Shop"]


def test_rows_wider_than_the_header_are_tolerated() -> None:
    data = b"Date,Description,Amount\n2026-01-28,Shop,-5.00,,\n2026-01-14,Pay,10.00,\n"
    _, rows = read(data)
    assert [r.amount for r in ok_rows(rows)] == [Decimal("-5.00"), Decimal("10.00")]


def test_rows_narrower_than_needed_are_row_errors() -> None:
    data = (
        b"Date,Description,Amount\n2026-01-28,Shop,-5.00\n2026-01-14,Pay,10.00\n2026-01-15,Broken\n"
    )
    _, rows = read(data)
    assert isinstance(rows[2], RowError)
    assert rows[2].line == 4
    assert "Row 4" in rows[2].message and "2 columns" in rows[2].message


def test_a_bad_number_is_a_row_error_in_plain_words() -> None:
    data = b"Date,Description,Amount\n2026-01-28,Shop,-5.00\n2026-01-14,Pay,10.00\n2026-01-15,Typo,12.3a\n"
    _, rows = read(data)
    assert rows[2] == RowError(4, "Amount", "Row 4, column Amount: '12.3a' is not a number")


def test_a_bad_date_is_a_row_error_in_plain_words() -> None:
    data = b"Date,Description,Amount\n2026-01-28,Shop,-5.00\n2026-01-14,Pay,10.00\n2026-02-30,Typo,1.00\n"
    _, rows = read(data)
    assert isinstance(rows[2], RowError)
    assert (
        rows[2].message == "Row 4, column Date: '2026-02-30' is not a date in the format %Y-%m-%d"
    )


def test_formula_looking_cells_are_kept_as_text() -> None:
    data = b"Date,Description,Amount\n2026-01-28,\"=cmd|' /C calc'!A0\",-5.00\n2026-01-14,@SUM(1+1),10.00\n"
    _, rows = read(data)
    assert [r.payee for r in ok_rows(rows)] == ["=cmd|' /C calc'!A0", "@SUM(1+1)"]


def test_quoted_fields_may_hold_delimiters_and_newlines() -> None:
    data = (
        b'Date,Description,Amount\n2026-01-28,"Shop, Inc.\nBranch 2",-5.00\n2026-01-14,Pay,10.00\n'
    )
    _, rows = read(data)
    rows = ok_rows(rows)
    assert rows[0].payee == "Shop, Inc.\nBranch 2"
    assert rows[1].line == 4


def test_flip_sign_turns_charges_around() -> None:
    data = b"Date,Description,Amount\n2026-01-28,Shop,5.00\n2026-01-14,Payment,-100.00\n"
    layout = csv_sniff(data)
    mapping = CsvMapping.from_dict(layout.mapping.to_dict() | {"flip_sign": True})
    rows = ok_rows(list(csv_rows(data, layout, mapping)))
    assert [r.amount for r in rows] == [Decimal("-5.00"), Decimal("100.00")]


def test_mapping_and_layout_round_trip_through_plain_dicts() -> None:
    data = b"Date;Name;Amount;D/C;Balance\n2026-01-28;Shop;12,50;D;1,00\n2026-01-14;Employer;2000,00;C;2,00\n"
    layout = csv_sniff(data)
    import json

    again = CsvLayout.from_dict(json.loads(json.dumps(layout.to_dict())))
    assert again == layout
    assert CsvMapping.from_dict(layout.mapping.to_dict()) == layout.mapping


def test_it_guesses_payee_description_balance_and_category_from_header_words() -> None:
    data = (
        b"Transaction ID,Booking Date,Counterparty,Reference,Category,Amount (EUR),Balance\n"
        b"a1,2026-01-28,Shop,Order 1,Food,-5.00,95.00\n"
        b"a2,2026-01-14,Employer,Jan,Income,100.00,100.00\n"
    )
    layout, rows = read(data)
    m = layout.mapping
    assert (m.date, m.amount, m.payee, m.description, m.category, m.balance, m.external_id) == (
        1,
        5,
        2,
        [3],
        4,
        6,
        0,
    )
    assert layout.confident
    r = ok_rows(rows)[0]
    assert (r.payee, r.description, r.category, r.balance, r.external_id) == (
        "Shop",
        "Order 1",
        "Food",
        Decimal("95.00"),
        "a1",
    )


def test_a_file_object_is_read_from_where_it_stands_and_left_open() -> None:
    fp = io.BytesIO(SIMPLE.encode())
    layout = csv_sniff(fp)
    assert fp.tell() == 0
    rows = ok_rows(list(csv_rows(fp, layout)))
    assert len(rows) == 2
    assert not fp.closed


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n\n", b"just one line without separators", b"Date,Amount\n"],
)
def test_files_without_a_table_are_refused_clearly(data: bytes) -> None:
    with pytest.raises(ImportFileError) as err:
        csv_sniff(data)
    assert err.value.message


def test_a_mapping_without_date_or_amount_is_refused_clearly() -> None:
    layout = csv_sniff(SIMPLE.encode())
    with pytest.raises(ImportFileError, match="date"):
        list(csv_rows(SIMPLE.encode(), layout, CsvMapping(amount=2)))
    with pytest.raises(ImportFileError, match="amount"):
        list(csv_rows(SIMPLE.encode(), layout, CsvMapping(date=0)))


def _rows(amounts: list[str]) -> list[ParsedRow]:
    return [
        ParsedRow(line=i, date=D(2026, 1, 1), amount=Decimal(a), payee="x")
        for i, a in enumerate(amounts)
    ]


def test_suggest_flip_for_a_card_exporting_charges_as_positive() -> None:
    sample = _rows(["12.00", "40.00", "8.50", "23.10", "-500.00"])
    assert suggest_flip(sample, "credit_card") is True
    assert suggest_flip(sample, "checking") is False


def test_suggest_flip_leaves_cards_that_already_write_charges_negative() -> None:
    assert suggest_flip(_rows(["-12.00", "-40.00", "-8.50", "500.00"]), "credit_card") is False


def test_suggest_flip_leaves_mixed_or_tiny_samples_alone() -> None:
    assert suggest_flip(_rows(["12.00", "-40.00", "8.50", "-23.10"]), "credit_card") is False
    assert suggest_flip(_rows(["12.00", "8.00"]), "credit_card") is False
    # Mostly positive, but the negatives are small refunds of large charges: not clear.
    assert (
        suggest_flip(_rows(["120.00", "400.00", "80.50", "230.10", "-5.00"]), "credit_card")
        is False
    )


def _big_csv(path, rows: int) -> None:  # type: ignore[no-untyped-def]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("Date,Description,Amount,Balance\n")
        for i in range(rows):
            fh.write(
                f"2026-{1 + i % 12:02d}-{1 + i % 28:02d},Shop number {i % 977},-{i % 500}.{i % 100:02d},{i}.00\n"
            )


@pytest.mark.slow
def test_it_streams_a_large_file_with_little_memory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.csv"
    _big_csv(path, 200_000)
    with open(path, "rb") as fp:
        layout = csv_sniff(fp)
        tracemalloc.start()
        count = total = 0
        for row in csv_rows(fp, layout):
            assert isinstance(row, ParsedRow)
            count += 1
            total += row.amount < 0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_layout_types_are_plain_constants() -> None:
    assert {SIGNED, DEBIT_CREDIT, INDICATOR} == {"signed", "debit_credit", "indicator"}


@pytest.mark.parametrize(
    ("data", "style", "expected"),
    [
        (
            "Date,Type,Description,Money Out,Money In,Balance\n28/01/2026,POS,Tesco,£12.50,,£100.00\n14/01/2026,BGC,Salary,,£2000.00,£2112.50\n".encode(),
            DEBIT_CREDIT,
            [(D(2026, 1, 28), "-12.50", "Tesco"), (D(2026, 1, 14), "2000.00", "Salary")],
        ),
        (
            b'Txn Date,Particulars,Amount,Dr/Cr,Balance\n28-01-2026,UPI,"1,250.00",DR,"10,000.00"\n14-01-2026,SALARY,"50,000.00",CR,"11,250.00"\n',
            INDICATOR,
            [(D(2026, 1, 28), "-1250.00", "UPI"), (D(2026, 1, 14), "50000.00", "SALARY")],
        ),
        (
            "Buchungstag;Valuta;Empfänger;Verwendungszweck;Umsatz;\n28.01.2026;28.01.2026;REWE;Einkauf;12,50;S\n14.01.2026;14.01.2026;ACME;Gehalt;2.000,00;H\n".encode(
                "cp1252"
            ),
            INDICATOR,
            [(D(2026, 1, 28), "-12.50", "REWE"), (D(2026, 1, 14), "2000.00", "ACME")],
        ),
        (
            b"Details,Posting Date,Description,Amount,Type,Balance\nDEBIT,01/28/2026,Shop,-5.00,DEBIT_CARD,10.00\nCREDIT,01/14/2026,Pay,15.00,ACH_CREDIT,15.00\n",
            SIGNED,
            [(D(2026, 1, 28), "-5.00", "Shop"), (D(2026, 1, 14), "15.00", "Pay")],
        ),
        (
            b"Date\tPayee\tCategory\tWithdrawal\tDeposit\n1/28/2026\tShop\tFood\t5.00\t\n1/14/2026\tPay\tIncome\t\t15.00\n",
            DEBIT_CREDIT,
            [(D(2026, 1, 28), "-5.00", "Shop"), (D(2026, 1, 14), "15.00", "Pay")],
        ),
    ],
)
def test_it_maps_layouts_it_has_never_seen(data: bytes, style: str, expected: list) -> None:  # type: ignore[type-arg]
    layout, rows = read(data)
    assert layout.profile is None
    assert layout.mapping.amount_style == style
    assert [(r.date, str(r.amount), r.payee) for r in ok_rows(rows)] == expected


def test_nul_padding_at_the_end_of_a_file_is_ignored() -> None:
    data = SIMPLE.encode() + b"\x00" * 64
    _, rows = read(data)
    assert len(ok_rows(rows)) == 2


def test_a_file_larger_than_the_sniffed_head_reads_every_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mid.csv"
    _big_csv(path, 12_000)  # about 500 KB: the sniffer sees only the first 256 KB
    with open(path, "rb") as fp:
        layout = csv_sniff(fp)
        rows = list(csv_rows(fp, layout))
    assert len(rows) == 12_000
    assert all(isinstance(r, ParsedRow) for r in rows)
    assert rows[-1].line == 12_001
