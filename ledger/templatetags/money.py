"""`{% load money %}` then `{{ value|money:currency }}` or `{% money value currency %}`."""

from decimal import Decimal, InvalidOperation

from django import template

from ledger.money import format_money

register = template.Library()


def _number_format(context: template.Context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "en"
    profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
    return getattr(profile, "number_format", "en") or "en"


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter(name="money")
def money_filter(value, currency: str = "USD") -> str:
    """Formats with the currency's minor units and symbol: 1234.5|money:"USD" -> $1,234.50."""
    amount = _to_decimal(value)
    return "" if amount is None else format_money(amount, currency or "USD")


@register.simple_tag(name="money", takes_context=True)
def money_tag(context: template.Context, value, currency: str = "USD") -> str:
    """Like the filter, in the signed-in user's number format (Settings -> number format)."""
    amount = _to_decimal(value)
    if amount is None:
        return ""
    return format_money(amount, currency or "USD", _number_format(context))


@register.filter
def amount_class(value) -> str:
    """CSS modifier for an amount: "neg" below zero, "pos" above, "" for zero."""
    amount = _to_decimal(value)
    if amount is None or amount == 0:
        return ""
    return "neg" if amount < 0 else "pos"
