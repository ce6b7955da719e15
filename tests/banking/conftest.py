"""Fixtures for the statement import tests (tests/banking/test_import_*.py)."""

import io
from pathlib import Path

import pytest

from accounts.models import User
from ledger.models import Account
from tests.ledger.factories import make_account

STATEMENTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "statements"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> Path:
    """Uploaded statements go to a throw-away MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def statements() -> Path:
    if not STATEMENTS.is_dir():
        pytest.skip(f"sample statements not found at {STATEMENTS} (the shared data folder)")
    return STATEMENTS


@pytest.fixture
def checking(alice: User) -> Account:
    return make_account(alice, name="Checking", currency="USD")


@pytest.fixture
def bob_account(bob: User) -> Account:
    return make_account(bob, name="Bob's checking")


def csv_file(*rows: str, header: str = "Date,Payee,Description,Amount") -> io.BytesIO:
    """A small CSV statement in memory, one line per row."""
    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode())


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]
