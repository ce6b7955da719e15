"""Statement file readers: format detection and parsing, pure Python, no database.

Public API (everything takes ``bytes`` or a binary file object):

- ``detect_format(data) -> "ofx" | "qif" | "camt" | "mt940" | "csv"`` (QFX is "ofx"); raises
  ImportFileError (``.code``: empty, binary, image, archive, pdf, spreadsheet, unrecognised)
- ``ensure_size(size, limit=...)``: ImportFileError "too_large" naming the limit
- ``csv_sniff(data) -> CsvLayout`` (reads the first 256 KB; ``.mapping`` is a CsvMapping
  guess, ``.profile`` the built-in bank layout that matched, ``.date_ambiguous`` /
  ``.date_candidates`` when day/month order cannot be told)
- ``csv_rows(source, layout, mapping=None) -> Iterator[ParsedRow | RowError]`` (streaming)
- ``ofx_parse / qif_parse(data, date_order=None) / camt_parse / mt940_parse -> StatementResult``
  (``.accounts``: one StatementAccount per account in the file, each with its rows; for OFX,
  ``.reader`` says whether ofxtools read it or, when ofxtools refused it, the lenient reader)
- ``match_profile(header) -> BankProfile | None``, ``PROFILES``
- ``suggest_flip(rows, account_type) -> bool``

Amounts are signed from the user's point of view (negative = money out) in every result.
"""

from banking.importers.base import (
    CamtResult,
    ImportFileError,
    OfxResult,
    ParsedRow,
    QifResult,
    RowError,
    Split,
    StatementAccount,
    StatementResult,
    ensure_size,
)
from banking.importers.camt import camt_parse
from banking.importers.csvfile import (
    DEBIT_CREDIT,
    INDICATOR,
    SIGNED,
    CsvLayout,
    CsvMapping,
    csv_rows,
    suggest_flip,
)
from banking.importers.csvsniff import csv_sniff
from banking.importers.detect import detect_format
from banking.importers.mt940 import mt940_parse
from banking.importers.ofx import ofx_parse
from banking.importers.profiles import PROFILES, BankProfile, match_profile
from banking.importers.qif import qif_parse

__all__ = [
    "DEBIT_CREDIT",
    "INDICATOR",
    "PROFILES",
    "SIGNED",
    "BankProfile",
    "CamtResult",
    "CsvLayout",
    "CsvMapping",
    "ImportFileError",
    "OfxResult",
    "ParsedRow",
    "QifResult",
    "RowError",
    "Split",
    "StatementAccount",
    "StatementResult",
    "camt_parse",
    "csv_rows",
    "csv_sniff",
    "detect_format",
    "ensure_size",
    "match_profile",
    "mt940_parse",
    "ofx_parse",
    "qif_parse",
    "suggest_flip",
]
