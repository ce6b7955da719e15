"""Format detection from content, and clear refusals of files that are not statements."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from banking.importers import ImportFileError, detect_format, ensure_size

OFX_SGML = b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1></BANKMSGSRSV1></OFX>\n"


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (OFX_SGML, "ofx"),
        (b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200" VERSION="211"?>\n<OFX></OFX>', "ofx"),
        (b"\n\n<OFX>\n<SIGNONMSGSRSV1>", "ofx"),  # no header at all
        (b"\xef\xbb\xbfOFXHEADER:100\n<OFX>", "ofx"),
        (b"!Type:Bank\nD01/02/2026\nT-1.00\n^\n", "qif"),
        (b"### comment\n!Account\nNChecking\n^\n", "qif"),
        (
            b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>',
            "camt",
        ),
        (b"<Document><BkToCstmrAcctRpt/></Document>", "camt"),
        (b"{1:F01X}{2:I940X}{4:\n:20:S\n:25:NL01\n:60F:C250801EUR1,00\n-}", "mt940"),
        (b":20:STATEMENT\n:25:NL01\n:28C:1\n:60F:C250801EUR1,00\n", "mt940"),
        (b"Date,Amount\n2026-01-01,1.00\n", "csv"),
        ("Datum;Betrag\n01.01.2026;1,00\n".encode("utf-16"), "csv"),
    ],
)
def test_it_recognises_the_format_from_the_content(data: bytes, fmt: str) -> None:
    assert detect_format(data) == fmt


def test_the_file_name_plays_no_part_and_a_file_object_is_left_in_place() -> None:
    fp = io.BytesIO(b"!Type:CCard\nD01/02/2026\nT-1.00\n^\n")
    assert detect_format(fp) == "qif"
    assert fp.tell() == 0


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("statement.csv", "Date,Amount\n")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"", "empty", "empty"),
        (b"  \r\n\n\t", "empty", "empty"),
        (_zip(), "archive", "zip"),
        (gzip.compress(b"Date,Amount\n", mtime=0), "archive", "compressed"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image", "image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "image"),
        (b"GIF89a\x01\x00", "image", "image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "spreadsheet", "Excel"),
        (bytes(range(256)) * 8, "binary", "not text"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00\x01\x02\x03" * 200, "binary", "not text"),
        (b"<!DOCTYPE html><html><body>Login</body></html>", "unrecognised", "web page"),
        (b'<?xml version="1.0"?><rss><channel/></rss>', "unrecognised", "XML"),
        (b"hello", "unrecognised", "doesn't look like a statement"),
    ],
)
def test_it_refuses_files_that_are_not_statements_in_plain_words(
    data: bytes, code: str, words: str
) -> None:
    with pytest.raises(ImportFileError) as err:
        detect_format(data)
    assert err.value.code == code
    assert words in err.value.message
    assert str(err.value) == err.value.message


def test_the_size_limit_names_the_limit() -> None:
    ensure_size(1024, limit=1024)
    with pytest.raises(ImportFileError) as err:
        ensure_size(500 * 1024 * 1024, limit=50 * 1024 * 1024)
    assert err.value.code == "too_large"
    assert "500 MB" in err.value.message and "50 MB" in err.value.message
