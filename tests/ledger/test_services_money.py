from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from ledger.currencies import CURRENCIES, minor_units
from ledger.money import check_amount, format_money, parse_amount, quantize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("-12.5", "-12.5"),
        ("+3", "3"),
        (" 42 ", "42"),
        ("(4.00)", "-4.00"),
        ("$ 5.10", "5.10"),
        ("\u22127.25", "-7.25"),
        (".5", "0.5"),
        (12, "12"),
        (0.1, "0.1"),
    ],
)
def test_parse_amount_reads_what_people_type(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["12abc", "abc", "", "1,23.4", "1.2.3", "nan", "inf", "1e5", "--1"]
)
def test_parse_amount_refuses_anything_else_in_plain_words(text):
    with pytest.raises(ValidationError) as exc:
        parse_amount(text)
    assert exc.value.messages == ["Enter an amount as a number, like 1234.56 or -12.50."]


def test_parse_amount_reads_european_number_formats():
    assert parse_amount("1.234,56", "eu") == Decimal("1234.56")
    assert parse_amount("1'234.50", "ch") == Decimal("1234.50")


def test_quantize_rounds_half_to_even():
    assert quantize(Decimal("2.345"), "USD") == Decimal("2.34")
    assert quantize(Decimal("2.355"), "USD") == Decimal("2.36")
    assert quantize(Decimal("1500.5"), "JPY") == Decimal("1500")


def test_check_amount_follows_each_currencys_minor_units():
    assert check_amount(Decimal("12.500"), "USD") == Decimal("12.50")
    assert check_amount(Decimal("1.234"), "KWD") == Decimal("1.234")
    with pytest.raises(ValidationError):
        check_amount(Decimal("1.5"), "JPY")
    with pytest.raises(ValidationError):
        check_amount(Decimal("-1000000000000"), "KWD")
    assert check_amount(Decimal("-999999999999.999"), "KWD") == Decimal("-999999999999.999")
    with pytest.raises(ValidationError):
        check_amount(Decimal("1"), "ZZZ")


def test_the_currency_table_knows_the_odd_ones():
    assert (minor_units("USD"), minor_units("JPY"), minor_units("KWD")) == (2, 0, 3)
    assert len(CURRENCIES) > 150


@pytest.mark.parametrize(
    ("value", "currency", "fmt", "expected"),
    [
        ("-1234.5", "USD", "en", "-$1,234.50"),
        ("1234.5", "EUR", "eu", "€1.234,50"),
        ("1234.5", "CHF", "ch", "CHF 1'234.50"),
        ("1234567.5", "INR", "in", "₹12,34,567.50"),
        ("1500", "JPY", "en", "¥1,500"),
        ("1.234", "KWD", "en", "KWD 1.234"),
        ("0", "USD", "en", "$0.00"),
    ],
)
def test_format_money(value, currency, fmt, expected):
    assert format_money(Decimal(value), currency, fmt) == expected


def test_the_money_filter_formats_in_templates():
    template = Template(
        "{% load money %}{{ a|money:'USD' }}|{{ b|money:cur }}|{{ a|money:'EUR' }}|{{ a|amount_class }}"
    )
    out = template.render(Context({"a": Decimal("-5"), "b": "1234.567", "cur": "KWD"}))
    assert out == "-$5.00|KWD 1,234.567|-€5.00|neg"


def test_amounts_are_written_in_the_active_number_format_and_can_leave_out_minor_units():
    from accounts.preferences import override_number_format

    with override_number_format("eu"):
        assert format_money(Decimal("-1234.5"), "EUR") == "-€1.234,50"
        assert format_money(Decimal("1725"), "USD", whole=True) == "$1.725"
        assert format_money(Decimal("1725"), "USD", "en") == "$1,725.00"  # asked for "en"
        assert (
            Template("{% load money %}{{ a|money:'USD' }}").render(
                Context({"a": Decimal("1234.5")})
            )
            == "$1.234,50"
        )
    assert format_money(Decimal("1725"), "USD", whole=True) == "$1,725"
    assert format_money(Decimal("1234567"), "JPY", whole=True) == "¥1,234,567"
