"""Guess how a CSV statement is written: encoding, delimiter, preamble, header, and which
column means what (``csv_sniff``). Reading the rows is ``csvfile.csv_rows``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from banking.importers.amounts import guess_decimal_mark, looks_numeric
from banking.importers.base import SNIFF_BYTES, ImportFileError, Source, read_head
from banking.importers.csvfile import (
    DEBIT_CREDIT,
    INDICATOR,
    SIGNED,
    CsvLayout,
    CsvMapping,
    normalise_header,
)
from banking.importers.dates import (
    DATE_FORMATS,
    formats_that_fit,
    fraction_fitting,
    is_day_first,
    swap_day_month,
)
from banking.importers.detect import decode_head, reject_non_text, sniff_encoding
from banking.importers.profiles import match_headerless, match_profile

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 2000  # rows looked at when guessing (dates, decimal mark, roles)
PREVIEW_ROWS = 20


def _words(spec: str) -> tuple[str, ...]:
    return tuple(spec.split("|"))


# Header words per role, most specific first. Exact matches beat "starts with" matches.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "date": _words(
        "date|datum|transaction date|trans. date|trans date|txn date|posting date|"
        "posted date|post date|booking date|buchungstag|buchungsdatum|buchung|boekdatum|"
        "started date|completed date|created|fecha|data|date operation|date opération|"
        "date de valeur|value date|valutadatum|wertstellung|valuta|transaction_date|"
        "date posted|posted"
    ),
    "amount": _words(
        "amount|betrag|umsatz|bedrag|montant|importe|importo|transaction amount|amt|"
        "value|sum|belopp|beløb|kwota|amount (gbp)|amount (eur)"
    ),
    "debit": _words(
        "debit|debit amount|withdrawal|withdrawals|withdrawal amount|withdrawal amt.|"
        "money out|paid out|outflow|out|soll|belastung|débit|debet|charges|dr|spent|"
        "ausgang"
    ),
    "credit": _words(
        "credit|credit amount|deposit|deposits|deposit amount|deposit amt.|money in|"
        "paid in|inflow|in|haben|gutschrift|crédit|kredit|cr|received|eingang"
    ),
    "indicator": _words(
        "af bij|debit/credit|credit/debit|dr/cr|cr/dr|soll/haben|s/h|d/c|c/d|cdtdbtind|"
        "credit debit indicator|debit credit indicator|transaction type"
    ),
    "balance": _words(
        "balance|saldo|solde|running bal.|running balance|closing balance|"
        "saldo na mutatie|saldo na trn|kontostand|available balance"
    ),
    "currency": _words("currency|währung|waehrung|munt|monn.|devise|ccy|valuta code"),
    "category": _words("category|kategorie|spending category|categorie|catégorie|categoria"),
    "external_id": _words(
        "transaction id|transactionid|id|reference number|transaction reference|"
        "n° de transaction|transactiereferentie|fitid|unique id"
    ),
    "payee": _words(
        "payee|name|counter party|counterparty|merchant|merchant name|beneficiary|"
        "partner name|empfänger|auftraggeber/empfänger|auftraggeber / begünstigter|"
        "beguenstigter/zahlungspflichtiger|zahlungsempfänger*in|naam / omschrijving|"
        "naam tegenpartij|recipient|payee name|to/from|description"
    ),
    "description": _words(
        "description|memo|narration|verwendungszweck|omschrijving|omschrijving-1|"
        "mededelingen|payment reference|reference|particulars|transaction remarks|"
        "remarks|libellé|libelle|description 1|concept|concepto|transaction description|"
        "transaction details|details|buchungstext|text"
    ),
    "notes": _words("notes|notes and #tags|note|comment|comments|memo"),
}
# Starts-with matches are only tried for these (e.g. "Amount (EUR)", "Betrag (€)").
PREFIX_ROLES = ("date", "amount", "debit", "credit", "balance", "currency")
PREFIX_EXCLUDE = ("original", "local", "foreign", "fremd", "oorspr", "lastschrift ursprungs")

INDICATOR_PAIRS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("af",), ("bij",)),
    (("debit", "debet", "debito", "débit"), ("credit", "kredit", "credito", "crédit")),
    (("dr", "dr."), ("cr", "cr.")),
    (("d", "dbit"), ("c", "crdt")),
    (("s",), ("h",)),
    (("d",), ("k",)),
    (("soll",), ("haben",)),
    (("withdrawal",), ("deposit",)),
)


def _find_role(norm: list[str], role: str, taken: set[int]) -> int | None:
    words = ROLE_WORDS[role]
    for word in words:
        for i, h in enumerate(norm):
            if i not in taken and h == word:
                return i
    if role in PREFIX_ROLES:
        for word in words:
            if len(word) < 3:
                continue
            for i, h in enumerate(norm):
                if i not in taken and h.startswith(word) and not h.startswith(PREFIX_EXCLUDE):
                    return i
    return None


def _column(rows: list[list[str]], i: int) -> list[str]:
    return [r[i] for r in rows if i < len(r)]


def _numeric_share(values: list[str]) -> float:
    vals = [v for v in values if v.strip()]
    if not vals:
        return 0.0
    return sum(looks_numeric(v) for v in vals) / len(vals)


def indicator_values(values: Iterable[str]) -> tuple[list[str], list[str]] | None:
    """The (debit, credit) flag values when a column holds a known pair of flags."""
    seen = {v.strip() for v in values if v.strip()}
    if not seen or len(seen) > 2:
        return None
    lower = {v.lower() for v in seen}
    for debits, credits in INDICATOR_PAIRS:
        if lower <= set(debits) | set(credits):
            d = [v for v in seen if v.lower() in debits]
            c = [v for v in seen if v.lower() in credits]
            known_d = list(dict.fromkeys(d + [x.capitalize() for x in debits] + list(debits)))
            known_c = list(dict.fromkeys(c + [x.capitalize() for x in credits] + list(credits)))
            return known_d, known_c
    return None


def _choose_date_format(
    values: list[str], *, day_first: bool
) -> tuple[str | None, list[str], bool]:
    """(format, candidates, ambiguous) for a date column's sample values."""
    fits = formats_that_fit(values)
    if not fits:
        scored = sorted(
            ((fraction_fitting(values, f), f) for f in DATE_FORMATS), key=lambda x: -x[0]
        )
        if scored and scored[0][0] >= 0.8:
            return scored[0][1], [scored[0][1]], False
        return None, [], False
    ambiguous_pairs = [f for f in fits if "%d" in f and "%m" in f and swap_day_month(f) in fits]
    if ambiguous_pairs:
        first = next(
            (f for f in ambiguous_pairs if is_day_first(f) == day_first), ambiguous_pairs[0]
        )
        candidates = [first, swap_day_month(first)]
        return first, candidates, True
    return fits[0], fits[:1], False


def _rows_for(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False
    )
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= SAMPLE_ROWS + 40:
                break
    except csv.Error:
        pass
    return rows


def _best_block(rows: list[list[str]]) -> tuple[int, int, int]:
    """(score, start, width) of the table: the run of consecutive rows (blank lines aside)
    with the same number of cells, scored rows x cells so that a long two-cell preamble
    does not beat a short wide table. A row one cell wider counts when that extra cell is
    empty (Chase checking writes a trailing comma on data rows)."""
    best = (0, 0, 0)
    i, n = 0, len(rows)
    while i < n:
        row = rows[i]
        if len(row) < 2 or _is_blank(row):
            i += 1
            continue
        width = len(row)
        count, j = 0, i
        while j < n:
            r = rows[j]
            if _is_blank(r):
                j += 1
                continue
            if len(r) == width or (len(r) == width + 1 and not r[-1].strip()):
                count += 1
                j += 1
            else:
                break
        score = count * width
        if score > best[0]:
            best = (score, i, width)
        i = j if count > 1 else i + 1
    return best


def _is_blank(row: list[str]) -> bool:
    return not any(c.strip() for c in row)


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c.strip())


def _skip_banner(rows: list[list[str]], start: int) -> int:
    """A title line padded to the table's width ("KNAB EXPORT;;;;;") is preamble: the
    header is the next line when that one names more columns."""
    while start + 1 < len(rows):
        first, following = rows[start], rows[start + 1]
        if (
            _filled(first) * 2 < len(first)
            and _filled(following) > _filled(first)
            and _looks_like_header(following)
        ):
            start += 1
            continue
        break
    return start


def _looks_like_header(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    if not cells:
        return False
    for c in cells:
        if looks_numeric(c) and not re.search(r"[A-Za-z]{2}", c):
            return False
        if formats_that_fit([c]):
            return False
    return True


def csv_sniff(data: Source, *, encoding: str = "") -> CsvLayout:
    """Work out encoding, delimiter, preamble, header and a mapping guess.

    Reads only the first 256 KB (``data`` may be bytes or a binary file object; a seekable
    one is left where it was). Raises ImportFileError when no table can be found."""
    head = read_head(data, SNIFF_BYTES)
    reject_non_text(head)
    forced = bool(encoding)
    encoding = encoding or sniff_encoding(head)
    complete = len(head) < SNIFF_BYTES
    text = decode_head(head, encoding, complete=complete).replace("\x00", "")
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the cut-off last line
    best: tuple[int, int, int, str, list[list[str]]] | None = None
    for delim in DELIMITERS:
        rows = _rows_for(text, delim)
        score, start, width = _best_block(rows)
        if width < 2 or score < 2:
            continue
        if best is None or score > best[0]:
            best = (score, start, width, delim, rows)
    if best is None:
        raise ImportFileError(
            "No columns found: this file has no comma, semicolon, tab or | separated table.",
            code="unrecognised",
        )
    _, start, width, delimiter, rows = best
    start = _skip_banner(rows, start)
    first = rows[start]
    has_header = _looks_like_header(first)
    if has_header:
        header = [c.replace("\ufeff", "").strip() for c in first]
        while header and not header[-1]:
            header.pop()
        data_rows = [r for r in rows[start + 1 :] if not _is_blank(r)]
    else:
        header = [f"Column {i + 1}" for i in range(width)]
        data_rows = [r for r in rows[start:] if not _is_blank(r)]
    if not data_rows:
        raise ImportFileError(
            "The file has a header but no transactions below it."
            if has_header
            else "The file has no rows.",
            code="empty",
        )
    sample = data_rows[:SAMPLE_ROWS]
    layout = CsvLayout(
        encoding=encoding,
        delimiter=delimiter,
        skip_rows=start,
        has_header=has_header,
        header=header,
        width=len(header),
        sample_rows=[list(r) for r in data_rows[:PREVIEW_ROWS]],
    )
    profile = match_profile(header) if has_header else match_headerless(sample[:200])
    if profile is not None:
        if (
            not forced
            and encoding in ("cp1252", "latin-1")
            and profile.encoding not in ("utf-8", "utf-8-sig", "cp1252", "latin-1")
        ):
            # Not UTF-8, and the bank writes another single-byte code page (PKO: cp1250):
            # its own beats the Western guess, which would garble every ł and ż.
            return csv_sniff(data, encoding=profile.encoding)
        mapping = profile.mapping_for(header)
        if not profile.decimal_mark:
            numbers: list[str] = []
            for i in (mapping.amount, mapping.debit, mapping.credit, mapping.balance):
                if i is not None:
                    numbers += _column(sample, i)[:500]
            mapping.decimal_mark = guess_decimal_mark(numbers, delimiter=delimiter)
            mapping.thousands_sep = "." if mapping.decimal_mark == "," else ","
        layout.profile = profile.slug
        layout.profile_name = profile.name
        date_values = _column(sample, mapping.date) if mapping.date is not None else []
        if date_values and fraction_fitting(date_values, mapping.date_format) < 1.0:
            fmt, cands, amb = _choose_date_format(
                date_values, day_first=is_day_first(mapping.date_format)
            )
            if fmt:
                mapping.date_format = fmt
                layout.warnings.append(
                    f"The dates don't look like {profile.name}'s usual format; using {fmt}."
                )
        layout.confident = True
    else:
        mapping = _guess_mapping(header if has_header else [], sample, delimiter, layout)
    layout.mapping = mapping
    return layout


def _guess_mapping(
    header: list[str], sample: list[list[str]], delimiter: str, layout: CsvLayout
) -> CsvMapping:
    width = max(len(layout.header), max((len(r) for r in sample[:50]), default=0))
    norm = [normalise_header(h) for h in header]
    taken: set[int] = set()
    roles: dict[str, int | None] = {}
    columns = {i: _column(sample, i) for i in range(width)}
    numeric = {i: _numeric_share(v) for i, v in columns.items()}
    if norm:
        for role in (
            "date",
            "amount",
            "debit",
            "credit",
            "indicator",
            "balance",
            "currency",
            "category",
            "external_id",
            "payee",
            "description",
            "notes",
        ):
            i = _find_role(norm, role, taken)
            if (
                i is not None
                and role in ("amount", "debit", "credit", "balance")
                and numeric.get(i, 0) < 0.5
                and any(v.strip() for v in columns.get(i, []))
            ):
                i = None  # a word match whose values are not numbers
            if i is not None and role == "external_id" and not _unique(columns.get(i, [])):
                i = None  # not usable for duplicate detection
            roles[role] = i
            if i is not None:
                taken.add(i)
    # The date column: by header when its values are dates, else the first column of dates.
    day_first = delimiter == ";"
    date_col = roles.get("date")
    if (
        date_col is None
        or not formats_that_fit(columns[date_col][:200])
        and fraction_fitting(columns[date_col], "%Y-%m-%d") < 0.8
    ):
        date_col = next(
            (
                i
                for i in range(width)
                if columns[i]
                and formats_that_fit(columns[i][:200])
                and not _all_plain_numbers(columns[i])
            ),
            date_col,
        )
    decimal_values: list[str] = []
    for role in ("amount", "debit", "credit", "balance"):
        if roles.get(role) is not None:
            decimal_values += columns[roles[role]][:500]
    if not decimal_values:
        for i in range(width):
            if i != date_col and numeric[i] >= 0.9:
                decimal_values += columns[i][:200]
    decimal_mark = guess_decimal_mark(decimal_values, delimiter=delimiter)
    if decimal_mark == ",":
        day_first = True
    elif any("$" in v for v in decimal_values[:50]):
        day_first = False
    mapping = CsvMapping(
        decimal_mark=decimal_mark, thousands_sep="." if decimal_mark == "," else ","
    )
    if date_col is not None:
        fmt, cands, amb = _choose_date_format(columns[date_col], day_first=day_first)
        mapping.date = date_col
        if fmt:
            mapping.date_format = fmt
        layout.date_candidates = cands
        layout.date_ambiguous = amb
        taken.add(date_col)
    amount = roles.get("amount")
    debit, credit = roles.get("debit"), roles.get("credit")
    if amount is None and (debit is None or credit is None):
        # Headerless or unknown words: numeric columns by content.
        nums = [
            i
            for i in range(width)
            if i not in taken
            and numeric[i] >= 0.9
            and not _all_plain_integers(columns[i])
            and not formats_that_fit(columns[i][:50])
        ]
        if nums:
            amount = nums[0]
            taken.add(amount)
            if len(nums) > 1 and roles.get("balance") is None:
                roles["balance"] = nums[-1] if _looks_like_balance(columns[nums[-1]]) else None
    if amount is not None:
        mapping.amount = amount
        indicator = roles.get("indicator")
        flags = None
        candidates = (
            [indicator] if indicator is not None else [i for i in range(width) if i not in taken]
        )
        if not any(_is_negative(v) for v in columns[amount]):
            for i in candidates:
                flags = indicator_values(columns.get(i, [])) if i is not None else None
                if flags:
                    indicator = i
                    break
        if flags and indicator is not None:
            mapping.amount_style = INDICATOR
            mapping.indicator = indicator
            mapping.debit_values, mapping.credit_values = flags
            taken.add(indicator)
        else:
            mapping.amount_style = SIGNED
    elif debit is not None and credit is not None:
        mapping.amount_style = DEBIT_CREDIT
        mapping.debit, mapping.credit = debit, credit
    for role in ("balance", "currency", "category", "external_id", "notes"):
        if roles.get(role) is not None:
            setattr(mapping, role, roles[role])
            taken.add(roles[role])  # type: ignore[arg-type]
    payee = roles.get("payee")
    description = roles.get("description")
    if description is not None and indicator_values(columns.get(description, [])):
        description = None  # only DEBIT/CREDIT flags (Chase "Details"): nothing to describe
    if payee is None and description is None:
        texts = [
            i
            for i in range(width)
            if i not in taken and numeric.get(i, 1) < 0.5 and any(v.strip() for v in columns[i])
        ]
        texts.sort(key=lambda i: -sum(len(v) for v in columns[i]))
        if texts:
            payee = texts[0]
    mapping.payee = payee
    mapping.description = [description] if description is not None and description != payee else []
    layout.confident = (
        mapping.date is not None
        and (mapping.amount is not None or mapping.debit is not None)
        and not layout.date_ambiguous
        and bool(header)
    )
    if mapping.date is None:
        layout.warnings.append("No column of dates was found; choose the date column.")
    if mapping.amount is None and mapping.debit is None:
        layout.warnings.append("No column of amounts was found; choose the amount column(s).")
    return mapping


def _unique(values: list[str]) -> bool:
    vals = [v.strip() for v in values]
    return bool(vals) and all(vals) and len(set(vals)) == len(vals)


def _is_negative(v: str) -> bool:
    v = v.strip()
    return v.startswith(("-", "(", "\u2212")) or v.endswith("-") or v.startswith(("$-", "£-", "€-"))


def _all_plain_numbers(values: list[str]) -> bool:
    return all(re.fullmatch(r"\d{9,}", v.strip()) for v in values if v.strip())


def _all_plain_integers(values: list[str]) -> bool:
    vals = [v.strip() for v in values if v.strip()]
    return (
        bool(vals)
        and all(re.fullmatch(r"\d+", v) for v in vals)
        and not any(re.search(r"[.,]", v) for v in vals)
    )


def _looks_like_balance(values: list[str]) -> bool:
    return len([v for v in values if v.strip()]) >= len(values) * 0.9
