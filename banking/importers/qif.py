"""QIF (Quicken Interchange Format): bank, credit card and cash registers.

Multi-account files (``!Account`` blocks) give each register its account name as
``account_key``. Investment registers are skipped with a notice; category, class,
memorized and security lists are ignored. QIF dates have no fixed order: when every date
fits both month/day and day/month, the result says so (``date_ambiguous``) and the caller
may parse again with ``date_order="dmy"``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from banking.importers.amounts import AmountError, guess_decimal_mark, make_amount_parser
from banking.importers.base import (
    ImportFileError,
    ParsedRow,
    RowError,
    Source,
    Split,
    StatementAccount,
    StatementResult,
    read_all,
)
from banking.importers.dates import two_digit_year
from banking.importers.detect import decode_head, reject_non_text, sniff_encoding

REGISTER_TYPES = {
    "bank": "checking",
    "ccard": "credit_card",
    "cash": "cash",
    "oth a": "other",
    "oth l": "loan",
}
ACCOUNT_TYPES = REGISTER_TYPES | {
    "invst": "investment",
    "port": "investment",
    "401(k)/403(b)": "investment",
}
_DATE = re.compile(r"^\s*(\d{1,4})\s*[/.\-]\s*(\d{1,2})\s*(?:[/.\-]|(')|\s)\s*(\d{1,4})\s*$")
_MONTHS = {"mdy", "dmy", "ymd"}


@dataclass
class _Record:
    line: int
    account: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)


def _split_date(text: str) -> tuple[int, int, int, bool] | None:
    """(first, second, year-or-third, apostrophe) from D2/10'2020, D8/31' 0, D01/23/2019."""
    t = text.strip()
    m = _DATE.match(t)
    if not m:
        return None
    a, b, apostrophe, c = m.group(1), m.group(2), m.group(3), m.group(4)
    if len(a) == 4:  # 2020-02-10
        return int(b), int(c), int(a), False  # treat as m/d with a full year (ymd)
    return int(a), int(b), int(c) if len(c) != 4 else int(c), bool(apostrophe) or len(c) == 4


def _year_first(text: str) -> bool:
    m = _DATE.match(text.strip())
    return bool(m) and len(m.group(1)) == 4


def _year(c: int, apostrophe: bool, raw_third: str) -> int:
    if c >= 1000:
        return c
    if apostrophe:  # Quicken writes years from 2000 on as '0, '19 ...
        return 2000 + c
    return two_digit_year(c)


def _make_date(text: str, order: str) -> datetime.date | None:
    parts = _split_date(text)
    if parts is None:
        return None
    a, b, c, apostrophe = parts
    m = _DATE.match(text.strip())
    if m and len(m.group(1)) == 4:
        try:
            return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(4)))
        except ValueError:
            return None
    year = c if c >= 1000 else (2000 + c if "'" in text else two_digit_year(c))
    month, day = (a, b) if order == "mdy" else (b, a)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _category(value: str) -> tuple[str, str]:
    """(category, transfer account) from an L/S value; "Cat:Sub/Class" drops the class."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        return "", value[1 : value.index("]")]
    return value.split("/", 1)[0].strip(), ""


def qif_parse(data: Source, *, date_order: str | None = None) -> StatementResult:
    """Read a QIF file. ``date_order`` ("mdy" or "dmy") overrides the guess."""
    raw = read_all(data)
    reject_non_text(raw[:65536])
    text = decode_head(raw, sniff_encoding(raw[:262144]), complete=True)
    if date_order is not None and date_order not in _MONTHS:
        raise ValueError(f"date_order must be 'mdy' or 'dmy', not {date_order!r}")
    result = StatementResult(format="qif")
    records: list[_Record] = []
    accounts: dict[str | None, StatementAccount] = {}
    register: str | None = None  # the current !Type (lower case), None outside a register
    current_account: str | None = None
    account_block = False
    pending_account: dict[str, str] = {}
    record: _Record | None = None
    skipped_investment = 0
    seen_header = False
    for number, line in enumerate(text.splitlines(), start=1):
        s = line.rstrip("\r\n")
        if not s.strip():
            continue
        if s.startswith("!"):
            head = s.strip().lower()
            seen_header = True
            record = None
            if head.startswith("!type:"):
                kind = head[6:].strip()
                account_block = False
                register = kind
                if kind in REGISTER_TYPES:
                    key = current_account
                    if key not in accounts:
                        accounts[key] = StatementAccount(
                            key=key, type=REGISTER_TYPES[kind], name=key or ""
                        )
                elif kind == "invst":
                    pass
            elif head.startswith("!account"):
                account_block = True
                register = None
                pending_account = {}
            # !Option:AutoSwitch / !Clear:AutoSwitch need nothing: the last account named
            # in an !Account block is the one the next register belongs to.
            continue
        if s.startswith("#") and record is None:
            continue  # comment lines some exporters write at the top
        code, value = s[0], s[1:]
        if account_block:
            if code == "^":
                if pending_account.get("N"):
                    current_account = pending_account["N"].strip()
                    kind = pending_account.get("T", "").strip().lower()
                    if current_account not in accounts and kind in ACCOUNT_TYPES:
                        accounts.setdefault(
                            current_account,
                            StatementAccount(
                                key=current_account,
                                type=ACCOUNT_TYPES.get(kind, "other"),
                                name=current_account,
                            ),
                        )
                pending_account = {}
            else:
                pending_account[code] = value
            continue
        if register is None or register not in REGISTER_TYPES:
            if register in ("invst",) and code == "^":
                skipped_investment += 1
            continue
        if code == "^":
            if record is not None and record.fields:
                records.append(record)
            record = None
            continue
        if record is None:
            record = _Record(line=number, account=current_account)
        record.fields.append((code, value))
    if record is not None and record.fields and register in REGISTER_TYPES:
        records.append(record)  # a last record without its closing ^
    if not seen_header:
        raise ImportFileError("This QIF file has no !Type header line.", code="malformed")
    if skipped_investment:
        result.notices.append(
            f"{skipped_investment} investment transaction(s) were skipped: Billfold imports bank, "
            "credit card and cash registers only."
        )
    # Date order from every date in the file.
    dates = [v for r in records for c, v in r.fields if c == "D"]
    # Year-first dates (2024-01-05) are always year, month, day: they ask nothing.
    pairs = [p for p in (_split_date(v) for v in dates if not _year_first(v)) if p is not None]
    first_over = any(a > 12 for a, b, c, _ in pairs)
    second_over = any(b > 12 for a, b, c, _ in pairs)
    if date_order is None:
        if first_over and not second_over:
            date_order = "dmy"
        elif second_over and not first_over:
            date_order = "mdy"
        else:
            date_order = "mdy"  # Quicken's own order
            if pairs and not first_over and not second_over:
                result.date_ambiguous = True
                result.date_candidates = ["mdy", "dmy"]
    result.date_order = date_order
    amounts = [v for r in records for c, v in r.fields if c in "TU$"]
    parse_amount = make_amount_parser(guess_decimal_mark(amounts))
    for rec in records:
        row = _record_row(rec, date_order, parse_amount)
        account = accounts.setdefault(
            rec.account, StatementAccount(key=rec.account, type="checking", name=rec.account or "")
        )
        account.rows.append(row)
    result.accounts = [a for a in accounts.values() if a.rows or a.type in REGISTER_TYPES.values()]
    result.accounts = [a for a in result.accounts if a.rows] or result.accounts[:1]
    if not any(a.rows for a in result.accounts) and not result.notices:
        result.notices.append("This QIF file has no bank, credit card or cash transactions.")
    return result


def _record_row(rec: _Record, order: str, parse_amount) -> ParsedRow | RowError:  # type: ignore[no-untyped-def]
    line = rec.line
    date_text = amount_text = payee = memo = category_text = number = ""
    splits: list[Split] = []
    split_cat: str | None = None
    split_memo = ""
    notes: list[str] = []
    for code, value in rec.fields:
        if code == "D" and not date_text and split_cat is None:
            date_text = value
        elif code == "T" or (code == "U" and not amount_text):
            amount_text = value
        elif code == "P":
            payee = value.strip()
        elif code == "M":
            memo = value.strip()
        elif code == "L":
            category_text = value
        elif code == "N":
            number = value.strip()
        elif code == "S":
            split_cat, split_memo = value, ""
        elif code == "E":
            split_memo = value.strip()
        elif code == "$" and split_cat is not None:
            try:
                amt = parse_amount(value)
            except AmountError:
                return RowError(
                    line, "$", f"Line {line}: split amount '{value.strip()}' is not a number"
                )
            cat, transfer = _category(split_cat)
            smemo = (
                f"Transfer: {transfer}" + (f"; {split_memo}" if split_memo else "")
                if transfer
                else split_memo
            )
            splits.append(Split(cat, amt if amt is not None else Decimal(0), smemo))
            split_cat = None
    date = _make_date(date_text, order) if date_text else None
    if date is None:
        shown = date_text.strip()
        return RowError(
            line,
            "D",
            f"Line {line}: '{shown}' is not a date"
            if shown
            else f"Line {line}: the date (D line) is missing",
        )
    try:
        amount = parse_amount(amount_text) if amount_text.strip() else None
    except AmountError:
        return RowError(line, "T", f"Line {line}: amount '{amount_text.strip()}' is not a number")
    if amount is None:
        return RowError(line, "T", f"Line {line}: the amount (T line) is missing")
    category, transfer = _category(category_text)
    if transfer:
        notes.append(f"Transfer: {transfer}")
    return ParsedRow(
        line=line,
        date=date,
        amount=amount,
        payee=payee or memo,
        description=memo if payee else "",
        notes="; ".join(notes),
        category=category,
        account_key=rec.account,
        splits=tuple(splits),
        check_number=number,
    )
