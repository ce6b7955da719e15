"""CSV/TSV statements: sniff the layout, guess the mapping, stream the rows."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

from banking.importers.amounts import (
    AmountError,
    make_amount_parser,
)
from banking.importers.base import (
    ImportFileError,
    ParsedRow,
    RowError,
    Source,
    as_stream,
)
from banking.importers.dates import (
    compile_date_format,
)

# Amount styles of a mapping.
SIGNED = "signed"  # one signed column (flip_sign turns charges-positive cards around)
DEBIT_CREDIT = "debit_credit"  # two columns: money out / money in (their own signs ignored)
INDICATOR = "indicator"  # an unsigned amount plus a column saying debit or credit


@dataclass
class CsvMapping:
    """Which column means what. Column references are 0-based indices into the row.

    Serialises to/from a plain dict (``to_dict`` / ``from_dict``) to be saved as a named
    profile. ``description`` may join several columns (e.g. Rabobank Omschrijving-1..3).
    """

    date: int | None = None
    date_format: str = "%Y-%m-%d"  # strptime-style, see banking.importers.dates.DATE_FORMATS
    amount_style: str = SIGNED
    amount: int | None = None  # SIGNED and INDICATOR
    debit: int | None = None  # DEBIT_CREDIT: money out
    credit: int | None = None  # DEBIT_CREDIT: money in
    indicator: int | None = None  # INDICATOR: the column holding debit/credit flags
    debit_values: list[str] = field(default_factory=list)  # e.g. ["Af", "Debit", "D", "DR"]
    credit_values: list[str] = field(default_factory=list)  # e.g. ["Bij", "Credit", "C", "CR"]
    fee: int | None = None  # a separate fee column subtracted from the amount (Revolut)
    payee: int | None = None
    payee_in: int | None = None  # counterparty column for money-in rows, when it differs (DKB)
    description: list[int] = field(default_factory=list)
    notes: int | None = None
    category: int | None = None
    external_id: int | None = None
    balance: int | None = None
    currency: int | None = None
    status: int | None = None  # rows whose status is in skip_statuses are not imported
    skip_statuses: list[str] = field(default_factory=list)  # e.g. Revolut REVERTED, DECLINED
    decimal_mark: str = "."
    thousands_sep: str = ""  # informational; any grouping character is accepted
    flip_sign: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CsvMapping:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("description"), int):
            values["description"] = [values["description"]]
        return cls(**values)


@dataclass
class CsvLayout:
    """How the file is written: everything needed to read rows, plus the mapping guess."""

    encoding: str = "utf-8"
    delimiter: str = ","
    quotechar: str = '"'
    skip_rows: int = 0  # CSV records (lines) before the header, or before data if headerless
    has_header: bool = True
    header: list[str] = field(default_factory=list)  # column names (generated if headerless)
    width: int = 0  # columns in the header (data rows may be one wider: Chase)
    sample_rows: list[list[str]] = field(default_factory=list)  # first data rows, raw cells
    mapping: CsvMapping = field(default_factory=CsvMapping)  # best guess
    profile: str | None = None  # slug of the built-in bank profile that matched the header
    profile_name: str = ""
    date_ambiguous: bool = False  # both d/m and m/d fit every sampled row: ask the user
    date_candidates: list[str] = field(default_factory=list)  # date formats that fit
    confident: bool = False  # every required role was found without doubt
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mapping"] = self.mapping.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CsvLayout:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("mapping"), dict):
            values["mapping"] = CsvMapping.from_dict(values["mapping"])
        return cls(**values)


def normalise_header(name: str) -> str:
    """Lower-case, accents kept, spacing and quotes tidied: the key for header matching."""
    name = unicodedata.normalize("NFKC", name).replace("\ufeff", "").strip().strip('"').strip()
    return re.sub(r"\s+", " ", name).lower()


# -- reading rows -------------------------------------------------------------------------


def _colname(layout: CsvLayout, index: int | None) -> str:
    if index is None:
        return ""
    if index < len(layout.header) and layout.header[index]:
        return layout.header[index]
    return f"Column {index + 1}"


def csv_rows(
    source: Source, layout: CsvLayout, mapping: CsvMapping | None = None
) -> Iterator[ParsedRow | RowError]:
    """Stream the rows of a CSV file (bytes or a binary file object, read from its start
    position) as ParsedRow, or RowError for a row that cannot be read. Rows without any
    amount (opening-balance lines, blank lines) are skipped: they are not transactions.

    Memory stays flat: the file is decoded incrementally and rows are yielded one by one.
    A file object passed in is not closed."""
    m = mapping or layout.mapping
    if m.date is None:
        raise ImportFileError("Choose which column holds the date.", code="mapping")
    if m.amount_style == DEBIT_CREDIT:
        if m.debit is None and m.credit is None:
            raise ImportFileError("Choose the money-out and money-in columns.", code="mapping")
    elif m.amount is None:
        raise ImportFileError("Choose which column holds the amount.", code="mapping")
    if m.amount_style == INDICATOR and m.indicator is None:
        raise ImportFileError(
            "Choose which column says whether a row is a debit or a credit.", code="mapping"
        )
    stream = as_stream(source)
    text = io.TextIOWrapper(stream, encoding=layout.encoding, errors="replace", newline="")  # type: ignore[arg-type]
    try:
        reader = csv.reader(
            text, delimiter=layout.delimiter, quotechar=layout.quotechar or '"', strict=False
        )
        skip = layout.skip_rows + (1 if layout.has_header else 0)
        for _ in range(skip):
            try:
                next(reader)
            except StopIteration:
                return
            except csv.Error:
                continue
        yield from _read(reader, layout, m)
    finally:
        # Detach so the caller's file object is not closed along with the wrapper.
        with contextlib.suppress(ValueError):
            text.detach()


def _read(reader: Any, layout: CsvLayout, m: CsvMapping) -> Iterator[ParsedRow | RowError]:
    parse_date = compile_date_format(m.date_format)
    parse_amount = make_amount_parser(m.decimal_mark)
    date_i = m.date
    style = m.amount_style
    amount_i, debit_i, credit_i, ind_i = m.amount, m.debit, m.credit, m.indicator
    fee_i, bal_i, cur_i = m.fee, m.balance, m.currency
    payee_i, notes_i, cat_i, ext_i = m.payee, m.notes, m.category, m.external_id
    payee_in_i = m.payee_in
    status_i = m.status
    skip_statuses = {v.strip().lower() for v in m.skip_statuses}
    desc_cols = [i for i in m.description if i is not None and i != payee_i]
    one_desc = desc_cols[0] if len(desc_cols) == 1 else None
    debit_flags = {v.strip().lower() for v in m.debit_values}
    credit_flags = {v.strip().lower() for v in m.credit_values}
    flip = m.flip_sign
    required = [
        i
        for i in (
            date_i,
            amount_i,
            debit_i if style == DEBIT_CREDIT else None,
            credit_i if style == DEBIT_CREDIT else None,
            ind_i if style == INDICATOR else None,
        )
        if i is not None
    ]
    if style == DEBIT_CREDIT:
        required = [i for i in (date_i, debit_i, credit_i) if i is not None]
    need = max(required) + 1
    date_name = _colname(layout, date_i)
    date_fmt = m.date_format
    empty = ""

    def cell(row: list[str], i: int | None) -> str:
        if i is None or i >= len(row):
            return empty
        return row[i].strip()

    def bad_number(line: int, i: int | None, value: str) -> RowError:
        return RowError(
            line,
            _colname(layout, i),
            f"Row {line}, column {_colname(layout, i)}: '{value}' is not a number",
        )

    iterator = iter(reader)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield RowError(line, "", f"Row {line}: this line can't be read as CSV ({exc}).")
            continue
        line = reader.line_num
        n = len(row)
        if n < need:
            if not any(c.strip(" \t\x00") for c in row):
                continue  # blank, or NUL padding at the end of the file
            yield RowError(
                line,
                _colname(layout, need - 1),
                f"Row {line}: it has {n} column{'s' if n != 1 else ''}, but the mapping needs {need}.",
            )
            continue
        if status_i is not None and skip_statuses and cell(row, status_i).lower() in skip_statuses:
            continue
        # Amount first: a row without one is not a transaction (e.g. "Beginning balance").
        try:
            if style == SIGNED:
                raw = row[amount_i].strip()  # type: ignore[index]
                amount = parse_amount(raw) if raw else None
                if amount is None:
                    continue
            elif style == DEBIT_CREDIT:
                out_raw = row[debit_i].strip() if debit_i is not None else empty
                in_raw = row[credit_i].strip() if credit_i is not None else empty
                try:
                    out_v = parse_amount(out_raw) if out_raw else None
                except AmountError:
                    yield bad_number(line, debit_i, out_raw)
                    continue
                in_v = parse_amount(in_raw) if in_raw else None
                if out_v is None and in_v is None:
                    continue
                # Each column's own sign is ignored: Citi writes credits as negative numbers,
                # UBS (German UI) writes debits as negative; the column says the direction.
                amount = (abs(in_v) if in_v else Decimal(0)) - (abs(out_v) if out_v else Decimal(0))
                if out_v is None and in_v == 0 or in_v is None and out_v == 0:
                    amount = Decimal(0)
            else:  # INDICATOR
                raw = row[amount_i].strip()  # type: ignore[index]
                amount = parse_amount(raw) if raw else None
                if amount is None:
                    continue
                flag = row[ind_i].strip().lower()  # type: ignore[index]
                if flag in debit_flags:
                    amount = -abs(amount)
                elif flag in credit_flags:
                    amount = abs(amount)
                else:
                    name = _colname(layout, ind_i)
                    yield RowError(
                        line,
                        name,
                        f"Row {line}, column {name}: '{row[ind_i].strip()}' is neither a debit nor a credit flag",
                    )  # type: ignore[index]
                    continue
        except AmountError:
            yield bad_number(
                line,
                amount_i if style != DEBIT_CREDIT else credit_i,
                row[amount_i if style != DEBIT_CREDIT else credit_i].strip(),
            )  # type: ignore[index]
            continue
        if fee_i is not None:
            fee_raw = cell(row, fee_i)
            try:
                fee = parse_amount(fee_raw) if fee_raw else None
            except AmountError:
                yield bad_number(line, fee_i, fee_raw)
                continue
            if fee:
                amount -= abs(fee)
        raw_date = row[date_i]  # type: ignore[index]
        date = parse_date(raw_date)
        if date is None:
            shown = raw_date.strip()
            msg = (
                f"'{shown}' is not a date in the format {date_fmt}"
                if shown
                else "the date is missing"
            )
            yield RowError(line, date_name, f"Row {line}, column {date_name}: {msg}")
            continue
        if flip:
            amount = -amount
        if one_desc is not None:
            description = row[one_desc].strip() if one_desc < n else empty
        elif desc_cols:
            description = " ".join(v for v in (cell(row, i) for i in desc_cols) if v)
        else:
            description = empty
        if payee_i is not None:
            payee = row[payee_i].strip() if payee_i < n else empty
            if payee_in_i is not None and amount > 0:
                payee = cell(row, payee_in_i) or payee
            if not payee:
                payee, description = description, empty
        else:
            payee, description = description, empty
        balance = None
        if bal_i is not None:
            bal_raw = cell(row, bal_i)
            if bal_raw:
                try:
                    balance = parse_amount(bal_raw)
                except AmountError:
                    balance = None
        yield ParsedRow(
            line,
            date,
            amount,
            payee,
            description,
            cell(row, notes_i) if notes_i is not None else empty,
            cell(row, cat_i) if cat_i is not None else empty,
            cell(row, ext_i) or None if ext_i is not None else None,
            balance,
            (cell(row, cur_i) or None) if cur_i is not None else None,
        )


CARD_TYPES = frozenset({"credit_card", "creditcard", "credit", "card", "ccard"})


def suggest_flip(rows: Iterable[ParsedRow | RowError], account_type: str) -> bool:
    """True when a credit-card file clearly writes charges as positive numbers (AmEx,
    Discover), so the sign should be flipped to the user's point of view.

    Heuristic, on the parsed sample (before any flip): only for credit-card accounts; at
    least 3 non-zero amounts; at least 70% of them positive; and the negative ones (the
    payments and refunds of such a card) are, on average, at least as large as the
    positive ones (a payment settles many purchases) or absent. A card whose file already
    writes charges as negative numbers (Chase, BoA) has mostly negative rows and is left
    alone; a mixed file that fits neither picture is left alone too (the user can flip)."""
    if account_type.lower() not in CARD_TYPES:
        return False
    pos: list[Decimal] = []
    neg: list[Decimal] = []
    for r in rows:
        if isinstance(r, ParsedRow) and r.amount:
            (pos if r.amount > 0 else neg).append(r.amount)
    n = len(pos) + len(neg)
    if n < 3 or len(pos) < 0.7 * n:
        return False
    if not neg:
        return True
    mean_pos = sum(pos) / len(pos)
    mean_neg = -sum(neg) / len(neg)
    return mean_neg >= mean_pos
