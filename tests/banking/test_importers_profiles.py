"""Every built-in bank profile is recognised from its header and read with the right
dates, signs and amounts (one tiny fixture per profile, in the bank's own encoding)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from banking.importers import PROFILES, ParsedRow, csv_rows, csv_sniff, match_profile
from banking.importers.profiles import get_profile

BANKS = Path(__file__).resolve().parent / "fixtures" / "banks"

# slug -> [(date, amount, payee)] in file order, read by hand from each fixture.
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "bnp-fortis": [
        ("2026-01-28", "-12.05", "BETALING KRUIDVAT MECHELEN BANKREFERENTIE : 2601281025209289"),
        ("2026-01-14", "2750.00", "ACME NV"),  # the same file writes 2750.00 and -1.100,00
        ("2026-01-05", "-1100.00", "Immo Verhuur BV"),
    ],
    "knab": [
        ("2026-01-28", "-53.20", "Albert Heijn 1522"),
        ("2026-01-14", "2500.00", "ACME BV"),
        ("2026-01-05", "-827.75", "Gert Janssen (FR)"),
    ],
    "lloyds": [
        ("2026-01-28", "-12.50", "TESCO STORES 3297"),
        ("2026-01-14", "2500.00", "ACME LTD SALARY"),
        ("2026-01-05", "-1065.00", "BRITISH GAS"),
    ],
    "pko-bp": [
        (
            "2026-01-28",
            "-38.17",
            "Tytuł: 000000001 00000002 Lokalizacja: Adres: BIEDRONKA 4021 Miasto: WROCŁAW "
            "Kraj: POLSKA Numer karty: 400000******0000",
        ),
        (
            "2026-01-14",
            "5000.00",
            "Rachunek nadawcy: 61 1090 1014 0000 0712 1981 2874 Nazwa nadawcy: ACME SP. Z O.O. "
            "Tytuł: Wynagrodzenie styczeń",
        ),
        (
            "2026-01-05",
            "-1800.00",
            "Rachunek odbiorcy: 53 1020 0000 0000 0000 0001 2345 Nazwa odbiorcy: Ewa Żak "
            "Tytuł: Czynsz",
        ),
    ],
    "amex-extended": [
        ("2026-01-28", "-28.40", "UBER EATS"),
        ("2026-01-14", "500.00", "MOBILE PAYMENT - THANK YOU"),
        ("2026-01-05", "-11.99", "SPOTIFY"),
    ],
    "amex": [
        ("2026-01-28", "-412.60", "DELTA AIR LINES"),
        ("2026-01-14", "1000.00", "AUTOPAY PAYMENT - THANK YOU"),
        ("2026-01-05", "-59.94", "BLUE APRON"),
    ],
    "axis": [
        ("2026-01-28", "-1299.00", "UPI/P2M/FLIPKART"),
        ("2026-01-14", "50000.00", "NEFT/ACME SALARY"),
        ("2026-01-05", "-500.00", "ATM-CASH"),
    ],
    "barclays": [
        ("2026-01-28", "-8.50", "COSTA COFFEE LONDON"),
        ("2026-01-14", "1750.00", "ACME LTD SALARY"),
        ("2026-01-05", "-65.00", "BRITISH GAS"),
    ],
    "boa-checking": [
        ("2026-01-05", "-1239.98", "PG&E DES:WEB ONLINE"),
        ("2026-01-14", "3350.00", "PAYROLL DES:DIRECT DEP"),
        ("2026-01-28", "-1000.00", "CHECK 204"),
    ],
    "boa-credit": [
        ("2026-01-28", "-75.99", "DOORDASH*BURGERS"),
        ("2026-01-14", "250.00", "PAYMENT - THANK YOU"),
        ("2026-01-05", "-15.49", "NETFLIX.COM"),
    ],
    "capital-one-360": [
        ("2026-01-14", "888.99", "Deposit from ACME PAYROLL"),
        ("2026-01-28", "-100.00", "Withdrawal to AMEX EPAYMENT"),
        ("2026-01-05", "0.01", "Monthly Interest Paid"),
    ],
    "capital-one": [
        ("2026-01-28", "-42.17", "TRADER JOE S"),
        ("2026-01-14", "300.00", "CAPITAL ONE AUTOPAY PYMT"),
        ("2026-01-05", "-35.00", "SHELL OIL"),
    ],
    "chase-checking": [
        ("2026-01-28", "-4.75", "STARBUCKS STORE 123, SEATTLE"),
        ("2026-01-14", "2500.00", "ACME PAYROLL PPD ID: 123"),
        ("2026-01-05", "-150.00", "CHECK 1001"),
    ],
    "chase-credit-business": [
        ("2026-01-28", "-23.10", "UBER TRIP"),
        ("2026-01-14", "800.00", "AUTOMATIC PAYMENT - THANK"),
        ("2026-01-05", "-59.99", "ADOBE CREATIVE CLOUD"),
    ],
    "chase-credit": [
        ("2026-01-28", "-54.20", "WHOLEFDS MKT"),
        ("2026-01-14", "500.00", "Payment Thank You-Mobile"),
        ("2026-01-05", "12.99", "AMAZON MKTPL RETURN"),
    ],
    "citi": [
        ("2026-01-28", "-6.50", "SQ *BLUE BOTTLE COFFEE"),
        ("2026-01-14", "2000.05", "ONLINE PAYMENT, THANK YOU"),
        ("2026-01-05", "-48.12", "TARGET 00012345"),
    ],
    "discover": [
        ("2026-01-28", "-63.05", "KROGER #123"),
        ("2026-01-14", "250.00", "INTERNET PAYMENT - THANK YOU"),
        ("2026-01-05", "-40.00", "CHEVRON 0099"),
    ],
    "dkb-legacy": [
        ("2026-01-28", "-3.20", "Bäckerei"),
        ("2026-01-14", "1234.50", "ACME GmbH"),
        ("2026-01-05", "-800.00", "Vermieter"),
    ],
    "dkb": [
        ("2026-01-28", "-45.67", "REWE Markt GmbH"),
        ("2026-01-14", "2345.00", "ACME GmbH"),
        ("2026-01-05", "-39.95", "Telekom"),
    ],
    "hdfc-xls": [
        ("2026-01-28", "-350.00", "UPI-ZOMATO"),
        ("2026-01-14", "120000.00", "SALARY ACME"),
        ("2026-01-05", "-1500.00", "ATM WDL"),
    ],
    "hdfc": [
        ("2026-01-28", "-450.00", "UPI-SWIGGY-SWIGGY@ICICI"),
        ("2026-01-14", "120000.00", "NEFT CR-ACME INDIA PVT LTD-SALARY"),
        ("2026-01-05", "-2000.00", "ATW-512345XXXXXX1234-S1ANMU12-MUMBAI"),
    ],
    "icici": [
        ("2026-01-28", "-999.00", "UPI/AMAZON"),
        ("2026-01-14", "50000.00", "NEFT-ACME-SALARY"),
        ("2026-01-05", "-1000.00", "ATM/CASH"),
    ],
    "ing-de": [
        ("2026-01-28", "-12.40", "Bäckerei Müller"),
        ("2026-01-14", "2500.00", "ACME GmbH"),
        ("2026-01-05", "-1253.04", "Stadtwerke"),
    ],
    "ing-nl": [
        ("2026-01-28", "-12.50", "Albert Heijn 1234"),
        ("2026-01-14", "2000.00", "ACME BV"),
        ("2026-01-05", "-45.00", "NS Reizigers"),
    ],
    "monzo-legacy": [
        ("2026-01-28", "-10", "PRET A MANGER"),
        ("2026-01-14", "1500.00", "ACME SALARY"),
        ("2026-01-05", "-3.5", "TFL TRAVEL"),
    ],
    "monzo": [
        ("2026-01-28", "-4.95", "Pret A Manger"),
        ("2026-01-14", "2100.00", "ACME Ltd"),
        ("2026-01-05", "-23.40", "Tesco"),
    ],
    "n26-2024": [
        ("2026-01-28", "-59.99", "REWE Markt"),
        ("2026-01-14", "2400.00", "ACME GmbH"),
        ("2026-01-05", "-10.99", "Spotify"),
    ],
    "n26-de": [
        ("2026-01-28", "-59.99", "Rossmann"),
        ("2026-01-14", "2400.0", "ACME GmbH"),
        ("2026-01-05", "-29.90", "Deutsche Bahn"),
    ],
    "n26-en": [
        ("2026-01-28", "-59.99", "Edeka"),
        ("2026-01-14", "2400.0", "ACME GmbH"),
        ("2026-01-05", "-12.99", "Netflix"),
    ],
    "nationwide": [
        ("2026-01-28", "-12.50", "TESCO STORES 1234"),
        ("2026-01-14", "1514.60", "ACME LTD SALARY"),
        ("2026-01-05", "-100.00", "COUNCIL TAX"),
    ],
    "rabobank": [
        ("2026-01-28", "-337.49", "Hypotheek BV"),
        ("2026-01-14", "50.00", "Staatsloterij"),
        ("2026-01-05", "-1750.00", "W. Koelewijn"),
    ],
    "revolut-legacy": [
        ("2026-01-28", "-20.00", "Amazon"),
        ("2026-01-14", "1000.00", "Top-Up by *1234"),
        ("2026-01-05", "-12.34", "Lidl"),
    ],
    "revolut": [
        ("2026-01-28", "-20.50", "Amazon"),
        ("2026-01-14", "1000.00", "Top-Up by *1234"),
        ("2026-01-05", "-12.34", "Lidl"),
    ],
    "sbi": [
        ("2026-01-28", "-1250.00", "TO TRANSFER-UPI/DR/BIGBASKET"),
        ("2026-01-14", "50000.00", "BY TRANSFER-NEFT*ACME SALARY"),
        ("2026-01-05", "-500.00", "ATM WDL-ATM CASH"),
    ],
    "schwab-bank": [
        ("2026-01-28", "-1036.47", "ATM WITHDRAWAL"),
        ("2026-01-14", "2500.00", "ACME PAYROLL"),
        ("2026-01-05", "-80.00", "CHECK #1005"),
    ],
    "sparkasse-camt": [
        ("2026-01-28", "-1080.00", "Stadtwerke München"),
        ("2026-01-14", "2500.00", "ACME GmbH"),
        ("2026-01-05", "-23.45", "EDEKA"),
    ],
    "sparkasse-mt940": [
        ("2026-01-28", "-36.99", "Vodafone Kabel"),
        ("2026-01-14", "1900.00", "ACME GmbH"),
        ("2026-01-05", "-50.00", "GA Sparkasse"),
    ],
    "starling": [
        ("2026-01-28", "-31.20", "Sainsbury's"),
        ("2026-01-14", "1000.00", "ACME Ltd"),
        ("2026-01-05", "-40.00", "Thames Water"),
    ],
    "ubs-fr": [
        ("2026-01-28", "-54.30", "Migros"),
        ("2026-01-14", "6200.00", "Salaire"),
        ("2026-01-05", "-2100.00", "Loyer"),
    ],
    "wells-fargo": [
        ("2026-01-28", "-12.07", "CHECK CRD PURCHASE 01/26 SAFEWAY STORE"),
        ("2026-01-14", "1500.00", "ACME CORP PAYROLL"),
        ("2026-01-05", "-200.00", "CHECK # 1002"),
    ],
}


def test_there_are_at_least_25_built_in_profiles_each_with_a_fixture() -> None:
    slugs = {p.slug for p in PROFILES}
    assert len(slugs) == len(PROFILES) >= 25
    assert slugs == set(EXPECTED)
    assert slugs == {f.stem for f in BANKS.glob("*.csv")}


REGIONS = {"US": "US", "GB": "UK", "IN": "India"}  # anything else here is in Europe


def test_the_profiles_cover_at_least_25_real_banks_in_the_us_uk_europe_and_india() -> None:
    banks: dict[str, set[str]] = {}
    for profile in PROFILES:
        banks.setdefault(REGIONS.get(profile.country, "Europe"), set()).add(profile.bank)
    assert sum(len(names) for names in banks.values()) >= 25
    assert set(banks) == {"US", "UK", "Europe", "India"}
    assert all(len(names) >= 4 for names in banks.values()), banks


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_it_recognises_and_reads_each_bank_layout(slug: str) -> None:
    data = (BANKS / f"{slug}.csv").read_bytes()
    layout = csv_sniff(data)
    assert layout.profile == slug
    assert layout.confident
    rows = list(csv_rows(data, layout))
    assert all(isinstance(r, ParsedRow) for r in rows), rows
    got = [(r.date.isoformat(), str(r.amount), r.payee) for r in rows]
    assert got == EXPECTED[slug]


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_each_profile_names_country_and_sign_convention(slug: str) -> None:
    profile = get_profile(slug)
    assert profile is not None
    assert len(profile.country) == 2
    assert profile.sign_note


def test_it_matches_the_more_specific_chase_credit_layout() -> None:
    base = ["Transaction Date", "Post Date", "Description", "Category", "Type", "Amount", "Memo"]
    assert match_profile(base).slug == "chase-credit"
    assert match_profile(["Card", *base]).slug == "chase-credit-business"


def test_it_matches_headers_regardless_of_case_spacing_and_quotes() -> None:
    header = ['"STATUS"', " date ", "Description", "Debit", "Credit", "Member Name"]
    assert match_profile(header).slug == "citi"


def test_an_unknown_header_matches_no_profile() -> None:
    assert match_profile(["When", "What", "How much"]) is None


def test_citi_credits_written_negative_are_not_negated_twice() -> None:
    rows = list(csv_rows(data := (BANKS / "citi.csv").read_bytes(), csv_sniff(data)))
    assert rows[1].amount == Decimal("2000.05")


def test_ing_de_reads_the_second_waehrung_column_and_latin1_umlauts() -> None:
    data = (BANKS / "ing-de.csv").read_bytes()
    layout = csv_sniff(data)
    assert layout.skip_rows == 12
    assert layout.mapping.currency == 8  # the Währung beside Betrag, not beside Saldo
    row = next(iter(csv_rows(data, layout)))
    assert row.payee == "Bäckerei Müller"
    assert row.description == "Brötchen, Kaffee"
    assert row.balance == Decimal("1234.56")
    assert row.date == datetime.date(2026, 1, 28)


def test_revolut_skips_declined_rows_and_subtracts_fees() -> None:
    data = (BANKS / "revolut.csv").read_bytes()
    rows = list(csv_rows(data, csv_sniff(data)))
    assert [r.payee for r in rows] == ["Amazon", "Top-Up by *1234", "Lidl"]
    assert rows[0].amount == Decimal("-20.50")


def test_monzo_keeps_the_transaction_id_as_external_id() -> None:
    data = (BANKS / "monzo.csv").read_bytes()
    rows = list(csv_rows(data, csv_sniff(data)))
    assert [r.external_id for r in rows] == ["tx_0000A1", "tx_0000A2", "tx_0000A3"]
    assert rows[0].category == "Eating out"
    assert rows[0].currency == "GBP"


def test_dkb_uses_the_payer_as_payee_for_money_in() -> None:
    data = (BANKS / "dkb.csv").read_bytes()
    rows = list(csv_rows(data, csv_sniff(data)))
    assert rows[1].payee == "ACME GmbH"
    assert rows[0].payee == "REWE Markt GmbH"


def test_amex_and_discover_profiles_flip_charges_to_negative() -> None:
    for slug in ("amex", "amex-extended", "discover"):
        assert get_profile(slug).flip_sign is True


def test_a_title_line_padded_to_the_tables_width_is_not_the_header() -> None:
    data = (BANKS / "knab.csv").read_bytes()
    layout = csv_sniff(data)
    assert layout.skip_rows == 1
    assert layout.header[:3] == ["Rekeningnummer", "Transactiedatum", "Valutacode"]


def test_a_windows_1250_export_is_read_in_its_own_code_page() -> None:
    data = (BANKS / "pko-bp.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    layout = csv_sniff(data)
    assert layout.encoding == "cp1250"
    rows = list(csv_rows(data, layout))
    assert rows[0].notes == "Płatność kartą"
    assert rows[0].currency == "PLN"
