"""Date formats found in statements, compiled once into fast parsers.

A format is written strptime-style (``"%d.%m.%y"``); anything after the date (a time, a
timezone) is ignored. Two-digit years follow the POSIX pivot: 69-99 -> 19xx, 00-68 -> 20xx.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable

# Detection order matters only for tie-breaking: unambiguous formats first.
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y.%m.%d.",
    "%Y.%m.%d",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d-%m-%y",
    "%m-%d-%y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %b %y",
    "%d-%b-%y",
    "%d/%b/%Y",
    "%b %d, %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%B %d, %Y",
)

MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        "jan january janv janvier januar jänner enero gennaio",
        "feb february febr fév févr février februar febrero febbraio",
        "mar march mär märz maerz mars marzo",
        "apr april avr avril abril aprile",
        "may mai mei mayo maggio",
        "jun june juin juni junio giugno",
        "jul july juil juillet juli julio luglio",
        "aug august aoû août agosto",
        "sep sept september septembre septiembre settembre",
        "oct october okt oktober octobre octubre ottobre",
        "nov november novembre noviembre",
        "dec december dez dezember déc décembre diciembre dicembre",
    ),
    start=1,
):
    for _n in _names.split():
        MONTHS[_n] = _i

_TOKEN = {
    "%Y": r"(?P<Y>\d{4})",
    "%y": r"(?P<y>\d{2})",
    "%m": r"(?P<m>\d{1,2})",
    "%d": r"(?P<d>\d{1,2})",
    "%b": r"(?P<b>[^\W\d_]{3,10})\.?",
    "%B": r"(?P<b>[^\W\d_]{3,10})\.?",
    "%H": r"\d{1,2}",
    "%M": r"\d{2}",
    "%S": r"\d{2}(?:\.\d+)?",
}
_FIXED = {
    "%Y": r"(?P<Y>\d{4})",
    "%y": r"(?P<y>\d{2})",
    "%m": r"(?P<m>\d{2})",
    "%d": r"(?P<d>\d{2})",
}


def two_digit_year(yy: int) -> int:
    return 1900 + yy if yy >= 69 else 2000 + yy


def _pattern(fmt: str) -> re.Pattern[str]:
    parts = re.findall(r"%[a-zA-Z]|[^%]+", fmt)
    # Tokens written back to back (YYYYMMDD) need fixed widths.
    glued = any(
        a.startswith("%") and b.startswith("%") for a, b in zip(parts, parts[1:], strict=False)
    )
    out = []
    for part in parts:
        if part.startswith("%"):
            out.append((_FIXED if glued and part in _FIXED else _TOKEN)[part])
        else:
            out.append(r"\s+" if part.isspace() else re.escape(part).replace(r"\ ", r"\s*"))
    # Anything after the date (time, zone) is ignored; the time tokens are optional.
    return re.compile(r"\s*" + "".join(out) + r"(?:[T\s].*)?", re.IGNORECASE | re.DOTALL)


def compile_date_format(fmt: str) -> Callable[[str], datetime.date | None]:
    """A parser for ``fmt`` that returns None when the text does not fit."""
    date_part = fmt.split(" %H")[0]
    pattern = _pattern(date_part)
    match = pattern.fullmatch
    date = datetime.date
    months = MONTHS
    cache: dict[str, datetime.date | None] = {}

    def parse(text: str) -> datetime.date | None:
        try:
            return cache[text]
        except KeyError:
            pass
        m = match(text)
        result = None
        if m is not None:
            g = m.groupdict()
            year = int(g["Y"]) if g.get("Y") is not None else two_digit_year(int(g["y"]))
            if g.get("b") is not None:
                month = months.get(g["b"].lower().rstrip("."), 0)
            else:
                month = int(g["m"])
            try:
                result = date(year, month, int(g["d"]))
            except ValueError:
                result = None
        if len(cache) > 50_000:
            cache.clear()
        cache[text] = result
        return result

    return parse


def formats_that_fit(values: Iterable[str], formats: Iterable[str] = DATE_FORMATS) -> list[str]:
    """The formats that read every non-empty value as a real date."""
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals:
        return []
    fits = []
    for fmt in formats:
        parse = compile_date_format(fmt)
        if all(parse(v) is not None for v in vals):
            fits.append(fmt)
    return fits


def fraction_fitting(values: list[str], fmt: str) -> float:
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals:
        return 0.0
    parse = compile_date_format(fmt)
    return sum(parse(v) is not None for v in vals) / len(vals)


def is_day_first(fmt: str) -> bool:
    return fmt.find("%d") < fmt.find("%m") if "%m" in fmt else False


def swap_day_month(fmt: str) -> str:
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
