"""Fuzzing: random bytes and mutated real files never raise anything but ImportFileError,
and every row that comes out is a ParsedRow or a RowError."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banking.importers import (
    ImportFileError,
    ParsedRow,
    RowError,
    camt_parse,
    csv_rows,
    csv_sniff,
    detect_format,
    mt940_parse,
    ofx_parse,
    qif_parse,
)

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / ".." / "shared" / "data" / "statements"
SEEDS = sorted(p for p in SAMPLES.glob("*/*") if p.is_file()) if SAMPLES.is_dir() else []
SEEDS += sorted((HERE / "fixtures" / "banks").glob("*.csv"))
SEED_BYTES = [p.read_bytes() for p in SEEDS]

PARSERS = {"ofx": ofx_parse, "qif": qif_parse, "camt": camt_parse, "mt940": mt940_parse}

pytestmark = pytest.mark.slow


def check(data: bytes) -> None:
    """Run the whole reading path on ``data`` the way the import pipeline does."""
    try:
        detect_format(data)
    except ImportFileError:
        return
    for name, parser in PARSERS.items():  # every parser, not only the detected one
        try:
            result = parser(data)
        except ImportFileError:
            continue
        for row in result.rows():
            assert isinstance(row, ParsedRow | RowError), (name, row)
    try:
        layout = csv_sniff(data)
        for row in csv_rows(data, layout):
            assert isinstance(row, ParsedRow | RowError)
    except ImportFileError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash(data: bytes) -> None:
    check(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(list(',;\t|"\n\r-.()$€0123456789/:<>!^DTPLMSE$ABCofx')),
        max_size=1500,
    )
)
def test_random_statement_like_text_never_crashes(text: str) -> None:
    check(text.encode("utf-8"))


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEED_BYTES)))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete", "dup"]))
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b"</OFX>",
                        b'"',
                        b"\n",
                        b";",
                        b"\x00",
                        b"\xff\xfe",
                        b"^\n",
                        b"<STMTTRN>",
                        b"-",
                        b"99/99/9999",
                    ]
                )
            )
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 50))]
        else:
            end = min(len(data), pos + draw(st.integers(1, 200)))
            data[end:end] = data[pos:end]
    return bytes(data)


@pytest.mark.skipif(not SEED_BYTES, reason="no seed files")
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_mutated_real_files_never_crash(data: bytes) -> None:
    check(data)
