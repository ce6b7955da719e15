"""The shapes every statement parser returns, and the errors it raises.

Everything in ``banking.importers`` is pure Python: it reads bytes and yields rows. It never
touches the database; the import pipeline (banking/services) decides what to save.

Sign convention: the user's point of view. Negative is money out, positive is money in.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO, NamedTuple

#: How much of a file the sniffers look at (format detection, CSV layout guessing).
SNIFF_BYTES = 256 * 1024


class Split(NamedTuple):
    """One line of a split transaction (QIF S/E/$ lines)."""

    category: str
    amount: Decimal
    memo: str = ""


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One transaction read from a file, before it is matched to anything in the ledger."""

    line: int  # 1-based physical line (CSV/QIF) or transaction index (OFX/CAMT)
    date: datetime.date
    amount: Decimal  # signed, user perspective
    payee: str
    description: str = ""
    notes: str = ""
    category: str = ""
    external_id: str | None = None  # OFX FITID, CAMT AcctSvcrRef/NtryRef, CSV id column
    balance: Decimal | None = None  # running balance after this row, when the file has it
    currency: str | None = None
    account_key: str | None = None  # OFX ACCTID, QIF !Account name, CAMT IBAN
    splits: tuple[Split, ...] = ()
    check_number: str = ""  # OFX CHECKNUM, QIF N


@dataclass(slots=True)
class RowError:
    """A row that could not be read, in plain words for the preview."""

    line: int
    column: str
    message: str  # e.g. "Row 14, column Amount: '12,3a' is not a number"


class ImportFileError(Exception):
    """The whole file cannot be read. ``message`` is shown to the user as is.

    ``code`` is a stable machine name: empty, binary, image, archive, pdf, spreadsheet,
    encoding, truncated, malformed, unrecognised, too_large, investment_only.
    """

    def __init__(self, message: str, *, code: str = "malformed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.0f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"  # pragma: no cover


def ensure_size(size: int, *, limit: int) -> None:
    """Raise ImportFileError (code too_large) when ``size`` bytes exceeds ``limit``."""
    if size > limit:
        raise ImportFileError(
            f"This file is {human_size(size)}; the largest file you can import is "
            f"{human_size(limit)}. Split it by date range and import the parts.",
            code="too_large",
        )


@dataclass(slots=True)
class StatementAccount:
    """The rows of one account in a (possibly multi-account) OFX/QIF/CAMT file."""

    key: str | None  # OFX ACCTID, QIF account name, CAMT IBAN (None: single unnamed account)
    type: str = ""  # checking, savings, creditcard, moneymrkt, creditline, cash, investment...
    currency: str | None = None
    name: str = ""  # a label for the "map each to an account" screen
    institution: str = ""
    balance: Decimal | None = None  # closing/ledger balance when the file states one
    balance_date: datetime.date | None = None
    rows: list[ParsedRow | RowError] = field(default_factory=list)


@dataclass(slots=True)
class StatementResult:
    """What ofx_parse / qif_parse / camt_parse return."""

    format: str  # "ofx", "qif", "camt", "mt940"
    accounts: list[StatementAccount] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # plain words: what was skipped and why
    # QIF only: when every date fits both month/day and day/month order.
    date_ambiguous: bool = False
    date_candidates: list[str] = field(default_factory=list)  # e.g. ["mdy", "dmy"]
    date_order: str = ""  # the order used ("mdy" / "dmy"), QIF only
    # OFX only: "ofxtools" when that library read the file, "lenient" when it refused the
    # file and our own reader did.
    reader: str = ""

    def rows(self) -> Iterator[ParsedRow | RowError]:
        for account in self.accounts:
            yield from account.rows


# Names kept for readability at call sites.
OfxResult = StatementResult
QifResult = StatementResult
CamtResult = StatementResult

Source = bytes | bytearray | memoryview | BinaryIO


def as_stream(source: Source) -> BinaryIO:
    """A binary file object for bytes or a file object (left at its position)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    return source


def read_all(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, bytearray | memoryview):
        return bytes(source)
    return source.read()


def read_head(source: Source, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes; a seekable file object is rewound to where it was."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:size])
    pos = source.tell() if source.seekable() else None
    head = source.read(size)
    if pos is not None:
        source.seek(pos)
    return head
