"""A file row's identity, so a re-import (or an overlapping file) adds nothing twice.

fingerprint = sha256(account id, date, amount, normalised payee and description, and the
occurrence index of identical rows within the file). Two identical real rows in one file
(two coffees, same day, same amount) get occurrence 0 and 1, so both import; importing the
same file again yields the same two fingerprints, so neither imports again.
"""

import datetime
import hashlib
import re
from decimal import Decimal

_SPACES = re.compile(r"\s+")
_THOUSANDTH = Decimal("0.001")


def normalise_text(value: str) -> str:
    """Case, spacing and surrounding punctuation do not make a different row."""
    return _SPACES.sub(" ", value or "").strip().casefold()


def normalise_amount(amount: Decimal) -> str:
    return format(amount.quantize(_THOUSANDTH), "f")


def row_base(
    *, account_id: int, date: datetime.date, amount: Decimal, payee: str, description: str
) -> str:
    return "\x1f".join(
        (
            str(account_id),
            date.isoformat(),
            normalise_amount(amount),
            normalise_text(payee),
            normalise_text(description),
        )
    )


class OccurrenceCounter:
    """Counts identical rows within one file; keeps 8-byte keys so a 1M-row file stays small."""

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}

    def next(self, base: str) -> int:
        key = int.from_bytes(hashlib.blake2b(base.encode(), digest_size=8).digest(), "big")
        occurrence = self._seen.get(key, 0)
        self._seen[key] = occurrence + 1
        return occurrence


def fingerprint(base: str, occurrence: int) -> str:
    return hashlib.sha256(f"{base}\x1f{occurrence}".encode()).hexdigest()
