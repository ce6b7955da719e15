"""Recognise a statement file's format from its content (never its name), and refuse
files that are not statements (empty, images, archives, PDFs, spreadsheets, binary)."""

from __future__ import annotations

import codecs
import re

from banking.importers.base import ImportFileError, Source, read_head

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (
        b"%PDF",
        "pdf",
        "This is a PDF. Download your statement as CSV, OFX, QFX, QIF or CAMT instead.",
    ),
    (
        b"PK\x03\x04",
        "archive",
        "This is a zip archive (or an Excel .xlsx file). Unzip it, or save the sheet as CSV, and import the statement file itself.",
    ),
    (b"PK\x05\x06", "archive", "This is an empty zip archive."),
    (
        b"\x1f\x8b",
        "archive",
        "This is a compressed (gzip) file. Unpack it and import the statement inside.",
    ),
    (b"Rar!", "archive", "This is a RAR archive. Unpack it and import the statement inside."),
    (
        b"7z\xbc\xaf\x27\x1c",
        "archive",
        "This is a 7-Zip archive. Unpack it and import the statement inside.",
    ),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "spreadsheet",
        "This is an old Excel (.xls) file. Open it and save it as CSV, then import the CSV.",
    ),
    (
        b"\x89PNG",
        "image",
        "This is an image (PNG), not a statement. Download the statement as CSV, OFX, QFX or QIF.",
    ),
    (
        b"\xff\xd8\xff",
        "image",
        "This is an image (JPEG), not a statement. Download the statement as CSV, OFX, QFX or QIF.",
    ),
    (b"GIF8", "image", "This is an image (GIF), not a statement."),
    (b"II*\x00", "image", "This is an image (TIFF), not a statement."),
    (b"MM\x00*", "image", "This is an image (TIFF), not a statement."),
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Multibyte encodings charset-normalizer may find that a Latin fallback would garble.
_CJK = {
    "gb18030",
    "gbk",
    "gb2312",
    "big5",
    "big5hkscs",
    "euc_jp",
    "shift_jis",
    "cp932",
    "euc_kr",
    "cp949",
    "iso2022_jp",
    "cp1251",
    "koi8_r",
}


def reject_non_text(head: bytes) -> None:
    """Raise ImportFileError for empty files and for files that are clearly not text."""
    if not head or not head.strip(b" \t\r\n\x00\x0b\x0c"):
        raise ImportFileError("The file is empty.", code="empty")
    for magic, code, message in _MAGIC:
        if head.startswith(magic):
            raise ImportFileError(message, code=code)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        raise ImportFileError("This is an image (WebP), not a statement.", code="image")
    if head.startswith(b"<") and b"<svg" in head[:512].lower():
        raise ImportFileError("This is an image (SVG), not a statement.", code="image")
    encoding = sniff_encoding(head)
    if encoding.startswith(("utf-16", "utf-32")):
        text = decode_head(head[:8192], encoding, complete=False)
        bad = sum(1 for c in text if c < " " and c not in "\t\n\r\f")
        if bad > max(2, len(text) * 0.02):
            raise ImportFileError(
                "This file is not text (it looks like a program, an image or another binary "
                "file). Download the statement as CSV, OFX, QFX, QIF or CAMT.",
                code="binary",
            )
        return
    sample = head[:8192].rstrip(b"\x00")  # some exports pad the end with NULs
    nul = sample.count(0)
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 0))
    if nul > len(sample) * 0.1 or control > max(2, len(sample) * 0.02):
        raise ImportFileError(
            "This file is not text (it looks like a program, an image or another binary "
            "file). Download the statement as CSV, OFX, QFX, QIF or CAMT.",
            code="binary",
        )


def sniff_encoding(head: bytes) -> str:
    """A Python codec name able to read the file. A BOM wins; then UTF-16 without BOM,
    UTF-8, charset-normalizer for multibyte encodings, and cp1252 / latin-1 last."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    sample = head[:4096]
    if len(sample) >= 4:
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        half = len(sample) // 2
        if odd > half * 0.7 and even < half * 0.05:
            return "utf-16-le"
        if even > half * 0.7 and odd < half * 0.05:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(head[:65536]).best()
        if best is not None and best.encoding in _CJK and best.chaos < 0.1:
            return best.encoding
    except Exception:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def decode_head(head: bytes, encoding: str, *, complete: bool) -> str:
    """Decode a head of a file; a character cut in half at the end is dropped."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(head, final=complete)
    return text.lstrip("\ufeff")


_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def detect_format(data: Source) -> str:
    """ "ofx" (also QFX), "qif", "camt", "mt940" or "csv"; ImportFileError otherwise.

    Reads only the first 256 KB; a seekable file object is left where it was."""
    head = read_head(data)
    reject_non_text(head)
    encoding = sniff_encoding(head)
    text = decode_head(head, encoding, complete=len(head) < 256 * 1024)
    stripped = text.lstrip(" \t\r\n\x00")
    upper = stripped[:65536].upper()
    if upper.startswith("OFXHEADER") or "<OFX>" in upper or "<?OFX" in upper or "<OFX " in upper:
        return "ofx"
    if upper.startswith("<?XML") or upper.startswith("<"):
        low = stripped[:65536]
        if re.search(r"camt\.05[234]|<(?:\w+:)?BkToCstmr(?:Stmt|AcctRpt|DbtCdtNtfctn)\b", low):
            return "camt"
        if re.search(r"<(?:html|!doctype html|body)\b", low, re.IGNORECASE):
            raise ImportFileError(
                "This is a web page, not a statement. Save the statement itself (CSV, OFX, "
                "QFX, QIF or CAMT) from your bank's site.",
                code="unrecognised",
            )
        if upper.startswith("<?XML"):
            raise ImportFileError(
                "This XML file is neither OFX nor ISO 20022 CAMT, so it can't be imported.",
                code="unrecognised",
            )
    for line in stripped.splitlines()[:50]:
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.upper().startswith(("!TYPE", "!ACCOUNT", "!OPTION", "!CLEAR")):
            return "qif"
        break
    if re.search(r"^:20:", stripped[:8192], re.MULTILINE) and re.search(
        r"^:(?:60F|60M|61|25):", stripped[:65536], re.MULTILINE
    ):
        return "mt940"
    if stripped.startswith("{1:") and ":20:" in stripped[:4096]:
        return "mt940"
    if "\n" not in stripped.strip() and not any(d in stripped for d in ",;\t|"):
        raise ImportFileError(
            "This file doesn't look like a statement: it has no rows or columns that "
            "could be transactions.",
            code="unrecognised",
        )
    return "csv"
