from django import template

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
