"""`{% load money %}` then `{{ value|money:currency }}`: the one way pages write amounts.

Amounts come out in the active number format: the signed-in user's on their pages (Settings
-> number format, applied by accounts.middleware.PreferencesMiddleware), "1,234.50" in
emails and anywhere outside a request. Form values, CSV and the API stay "1234.50".
Page scripts that write amounts or counts (charts, progress) get the same format from
`{% number_format_config as fmt %}{{ fmt|json_script:"number-format" }}` and
static/js/numbers.js.
"""

from decimal import Decimal, InvalidOperation

from django import template

from accounts.preferences import get_number_format
from ledger.money import format_money, separators

register = template.Library()


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter(name="money")
def money_filter(value, currency: str = "USD") -> str:
    """With the currency's minor units and symbol: 1234.5|money:"USD" -> $1,234.50 ("eu"
    format: $1.234,50)."""
    amount = _to_decimal(value)
    return "" if amount is None else format_money(amount, currency or "USD")


@register.filter
def amount_class(value) -> str:
    """CSS modifier for an amount: "neg" below zero, "pos" above, "" for zero."""
    amount = _to_decimal(value)
    if amount is None or amount == 0:
        return ""
    return "neg" if amount < 0 else "pos"


@register.simple_tag
def number_format_config() -> dict:
    """The active number format for page scripts (static/js/numbers.js): its separators,
    and whether it groups the Indian way (1,23,456)."""
    number_format = get_number_format()
    group, decimal = separators(number_format)
    return {"group": group, "decimal": decimal, "lakh": number_format == "in"}
