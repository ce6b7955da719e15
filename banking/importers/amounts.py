"""Money amounts as banks write them: 1.234,56 / 1,234.56 / 11'373.94 / 1,20,000.00 /
(12.50) / 12.50- / +5,00 / $1,036.47 / 12.00 CR. Decimal only, never float."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

_SYMBOLS = "$€£₹¥₩₽₺₪฿₫₴₦¢"
_SPACES = " \u00a0\u202f\u2009\t"
_PLAIN_DOT = re.compile(r"-?\d{1,15}(?:\.\d{1,6})?")
_PLAIN_COMMA = re.compile(r"-?\d{1,15}(?:,\d{1,6})?")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CODE = re.compile(r"^(?:[A-Z]{3}|Rs\.?|INR|RS\.?|kr|Fr\.|SFr\.)\s*|\s*(?:[A-Z]{3}|Rs\.?|kr|Fr\.)$")


# The other mark followed by one or two digits at the end of the number ("2750.00" in a
# comma-decimal file, "12,5" in a point-decimal one) is a decimal mark, never a grouping:
# groups have three digits. Read as grouping it would make the amount 100 times too big.
_OTHER_MARK_TAIL = {
    ",": re.compile(r"\.\d{1,2}\D*$").search,
    ".": re.compile(r",\d{1,2}\D*$").search,
}


class AmountError(ValueError):
    pass


def make_amount_parser(
    decimal_mark: str = ".", *, _switch: bool = True
) -> Callable[[str], Decimal | None]:
    """A parser returning a Decimal, None for a blank cell, or raising AmountError."""
    group = ",'’" if decimal_mark == "." else ".'’"
    table = str.maketrans(dict.fromkeys(group + _SPACES + _SYMBOLS) | {"\u2212": "-"})
    comma = decimal_mark == ","
    fullmatch = _NUMBER.fullmatch
    plain = (_PLAIN_COMMA if comma else _PLAIN_DOT).fullmatch
    other_tail = _OTHER_MARK_TAIL[","] if comma else _OTHER_MARK_TAIL["."]
    other: list[Callable[[str], Decimal | None]] = []  # the other mark's parser, made once

    def parse(text: str) -> Decimal | None:
        if plain(text):  # the common case: "-12.34" as is
            return Decimal(text.replace(",", ".") if comma else text)
        if _switch and other_tail(text):
            if not other:
                other.append(make_amount_parser("." if comma else ",", _switch=False))
            return other[0](text)
        t = text.translate(table)
        if not t:
            return None
        if comma:
            t = t.replace(",", ".")
        if fullmatch(t):
            return Decimal(t)
        return _slow(text, t)

    def _slow(original: str, t: str) -> Decimal | None:
        negative = False
        upper = t.upper()
        if upper.endswith(("CR", "DR")) and len(t) > 2:
            negative = upper.endswith("DR")
            t = t[:-2].rstrip(".")
        t = _CODE.sub("", t)
        if t.startswith("(") and t.endswith(")"):
            negative = not negative
            t = t[1:-1]
        if t.endswith("-") and len(t) > 1:
            negative = not negative
            t = t[:-1]
        elif t.endswith("+") and len(t) > 1:
            t = t[:-1]
        if t.startswith("-(") and t.endswith(")"):
            t = "-" + t[2:-1]
        t = t.replace("+-", "-")
        if t in ("", "-", "+"):
            if original.strip(_SPACES + _SYMBOLS + "-"):
                raise AmountError(original)
            return None  # a lone dash means "nothing" in several exports
        if not fullmatch(t):
            raise AmountError(original)
        try:
            value = Decimal(t)
        except InvalidOperation as exc:  # pragma: no cover - regex already checked
            raise AmountError(original) from exc
        return -value if negative else value

    return parse


_DOT_DECIMAL = re.compile(r"\d,\d{3}\.\d|^[+-]?\d+\.\d{1,2}$|\d\.\d{1,2}\)?-?$|\d\.\d{4,}$")
_COMMA_DECIMAL = re.compile(r"\d\.\d{3},\d|^[+-]?\d+,\d{1,2}$|\d,\d{1,2}\)?-?$|\d,\d{4,}$")
_LOOKS_NUMERIC = re.compile(
    r"^[\s(+\-−]*[^\d\s]{0,4}\s*[\d.,'’ \u00a0]*\d[\d.,'’ \u00a0]*\)?\s*-?\s*(?:[A-Za-z]{2,3}\.?)?$"
)


def looks_numeric(text: str) -> bool:
    t = text.strip()
    return bool(t) and bool(_LOOKS_NUMERIC.match(t)) and any(c.isdigit() for c in t)


def guess_decimal_mark(values: list[str], *, delimiter: str = ",") -> str:
    """ "." or ",", from the numbers in the sample."""
    dot = comma = 0
    for v in values:
        v = v.strip()
        if not v:
            continue
        if _COMMA_DECIMAL.search(v):
            comma += 1
        elif _DOT_DECIMAL.search(v):
            dot += 1
    if comma > dot:
        return ","
    if dot > comma:
        return "."
    return "," if delimiter == ";" else "."
