"""Money helpers: parse what people type, check it against a currency, format it.

Amounts are `Decimal` everywhere. Rounding is ROUND_HALF_EVEN (banker's rounding): halves go
to the even neighbour, so rounding many amounts does not drift upwards on average.

Amounts and counts for people are written in the active number format (the signed-in user's
during a page request, see accounts/preferences.py; "en" anywhere else). Form values, CSV and
the API use `str(amount)`, never these.
"""

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from accounts.preferences import get_number_format
from ledger.currencies import CURRENCIES, minor_units

# |amount| must stay below this: a trillion in any currency is a typo, not a transaction,
# and it keeps every value inside the 15-digit database column.
MAX_ABS_AMOUNT = Decimal(10) ** 12

_NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")

# (thousands separator, decimal separator) for each Profile.number_format.
NUMBER_FORMATS: dict[str, tuple[str, str]] = {
    "en": (",", "."),
    "eu": (".", ","),
    "ch": ("'", "."),
    "in": (",", "."),
    "fr": ("\u202f", ","),
}

AMOUNT_HELP = "Enter an amount as a number, like 1234.56 or -12.50."


def quantize(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded (ROUND_HALF_EVEN) to the currency's minor units: 2.345 USD -> 2.34."""
    exp = Decimal(1).scaleb(-minor_units(currency))
    return Decimal(amount).quantize(exp, rounding=ROUND_HALF_EVEN)


def parse_amount(value: str | Decimal | int | float, number_format: str = "en") -> Decimal:
    """Read an amount as people type it: "1,234.56", "-12.5", "+3", "(4.00)", "$ 5".

    Raises ValidationError with a plain message for anything that is not a number.
    Floats are converted through their shortest repr (Decimal(str(x))), never directly.
    """
    if isinstance(value, bool):
        raise ValidationError(AMOUNT_HELP, code="invalid")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(str(value))
    else:
        result = _parse_text(str(value), number_format)
    if not result.is_finite():
        raise ValidationError(AMOUNT_HELP, code="invalid")
    return result


def _parse_text(text: str, number_format: str) -> Decimal:
    s = text.strip().replace("\u2212", "-")  # the typographic minus sign
    negative = False
    if s.startswith("(") and s.endswith(")"):  # accounting style (12.50) = -12.50
        negative, s = True, s[1:-1].strip()
    for symbol in ("$", "€", "£", "¥"):
        s = s.replace(symbol, "")
    s = s.replace(" ", "").replace("\u00a0", "")
    if s[:1] in "+-" and s:
        negative = negative != (s[0] == "-")
        s = s[1:]
    thousands, decimal_sep = NUMBER_FORMATS.get(number_format, NUMBER_FORMATS["en"])
    if number_format != "en" and thousands != ",":
        s = s.replace(thousands, "").replace("\u202f", "")
        s = s.replace(decimal_sep, ".")
    elif "," in s:
        if not _GROUPED.match(s):
            raise ValidationError(AMOUNT_HELP, code="invalid")
        s = s.replace(",", "")
    if not s or not _NUMBER.match(s):
        raise ValidationError(AMOUNT_HELP, code="invalid")
    try:
        result = Decimal(s)
    except InvalidOperation:
        raise ValidationError(AMOUNT_HELP, code="invalid") from None
    return -result if negative else result


def check_amount(amount: Decimal, currency: str) -> Decimal:
    """Return `amount` if it fits `currency` (minor units, magnitude); else ValidationError.

    Trailing zeros are fine ("12.500" is 12.5 USD); a real third decimal in USD is not.
    """
    if currency not in CURRENCIES:
        raise ValidationError(f"{currency!r} is not a currency code we know.", code="currency")
    if not amount.is_finite():
        raise ValidationError(AMOUNT_HELP, code="invalid")
    if abs(amount) >= MAX_ABS_AMOUNT:
        raise ValidationError(
            "That amount is too large: it must be less than 1,000,000,000,000.", code="max_value"
        )
    digits = minor_units(currency)
    if amount != quantize(amount, currency):
        if digits == 0:
            msg = f"{currency} amounts have no decimal places."
        else:
            plural = "place" if digits == 1 else "places"
            msg = f"{currency} amounts have at most {digits} decimal {plural}."
        raise ValidationError(msg, code="decimal_places")
    return quantize(amount, currency)


def separators(number_format: str | None = None) -> tuple[str, str]:
    """(thousands, decimal) separators of `number_format`, by default the active one."""
    return NUMBER_FORMATS.get(number_format or get_number_format(), NUMBER_FORMATS["en"])


def _group(digits: str, number_format: str) -> str:
    thousands, _ = separators(number_format)
    if number_format == "in" and len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        pairs = []
        while len(head) > 2:
            pairs.insert(0, head[-2:])
            head = head[:-2]
        if head:
            pairs.insert(0, head)
        return thousands.join([*pairs, tail])
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return thousands.join(groups)


def format_count(value: int, number_format: str | None = None) -> str:
    """A whole number grouped the way the number format groups amounts: "5,500", "5.500",
    "1,23,456". For counts of rows; never for money (see format_money)."""
    number_format = number_format or get_number_format()
    return ("-" if value < 0 else "") + _group(str(abs(value)), number_format)


def format_number(
    value: Decimal, currency: str, number_format: str | None = None, *, whole: bool = False
) -> str:
    """The amount alone with the currency's minor units and grouping: "-1,234.50".

    `whole` leaves the minor units out (round the amount first): "-1,235"."""
    number_format = number_format or get_number_format()
    amount = quantize(Decimal(value), currency) if currency in CURRENCIES else Decimal(value)
    sign = "-" if amount < 0 else ""
    digits, _, frac = f"{abs(amount):f}".partition(".")
    _, decimal_sep = separators(number_format)
    text = _group(digits, number_format)
    if frac and not whole:
        text = f"{text}{decimal_sep}{frac}"
    return f"{sign}{text}"


def format_money(
    value: Decimal | None, currency: str, number_format: str | None = None, *, whole: bool = False
) -> str:
    """An amount for people: "$1,234.56", "-€12.50", "CHF 1'234.50", "¥1,235"; "€1.234,56"
    in the "eu" format. By default in the active number format (see the module's note)."""
    if value is None or value == "":
        return ""
    number = format_number(Decimal(value), currency, number_format, whole=whole)
    sign, number = ("-", number[1:]) if number.startswith("-") else ("", number)
    cur = CURRENCIES.get(currency)
    if cur and cur.symbol:
        return f"{sign}{cur.symbol}{number}"
    return f"{sign}{currency} {number}"
