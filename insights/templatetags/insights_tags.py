from decimal import ROUND_HALF_UP, Decimal

from django import template

from ledger.money import format_money

register = template.Library()


@register.filter
def tile_tone(tile, change) -> str:
    """'pos' when a change is good news for this tile, 'neg' when it is bad."""
    return tile.tone(change)


@register.filter
def dictget(mapping, key):
    """mapping[key] in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def money_whole(value, currency: str = "USD") -> str:
    """An amount rounded to whole units, for tables wide with numbers: $1,725."""
    if value in (None, ""):
        return ""
    return format_money(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP), currency, whole=True)
