"""Cold start: well-known merchants and keywords mapped to the default category names.

The knowledge lives in a data file (insights/data/merchants.json, or the file named by the
CATEGORIZER_MERCHANTS_FILE setting) that an operator can edit; its "_about" key explains the
shape. A new user's first import is mostly categorized by it before anything was learned.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from ledger.rules import trie_pattern

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "merchants.json"
INCOME_CATEGORIES = frozenset(
    {"salary", "business", "interest & dividends", "refunds", "other income"}
)
_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces: "SQ *Blue-Bottle #12" -> "sq blue bottle 12".

    Letters of every script are kept ("Café", "家乐福").
    """
    return _NON_WORD.sub(" ", text.lower()).strip()


@dataclass(frozen=True)
class MerchantMatch:
    category: str  # a default category name, e.g. "Food & Dining"
    confidence: float
    word: str
    subcategory: str = ""  # preferred when the user has it, e.g. "Coffee"

    def names(self) -> tuple[str, ...]:
        """Category names to look for, the most specific first."""
        return (self.subcategory, self.category) if self.subcategory else (self.category,)


class MerchantBook:
    """Finds the best-known merchant or keyword in a transaction's text."""

    def __init__(self, data: dict):
        confidence = data.get("confidence", {})
        self.merchant_confidence = float(confidence.get("merchant", 0.9))
        self.keyword_confidence = float(confidence.get("keyword", 0.7))
        # word -> [(is_merchant, category)], one entry per direction (income/expense)
        self.entries: dict[str, list[tuple[bool, str]]] = {}
        for region in data.get("regions", {}).values():
            for strength, is_merchant in (("merchants", True), ("keywords", False)):
                for category, words in region.get(strength, {}).items():
                    for word in words:
                        key = normalise(word)
                        if key:
                            self.entries.setdefault(key, []).append((is_merchant, category))
        pattern = trie_pattern(self.entries) if self.entries else "(?!)"
        self.scan = re.compile(r"(?<!\w)(?=(" + pattern + r")(?!\w))").findall

    def match(self, text: str, amount: Decimal) -> MerchantMatch | None:
        """The merchant (before any keyword; the longest first) fitting the amount's sign."""
        income = amount > 0
        best: tuple[int, int, str, str] | None = None
        for word in self.scan(normalise(text)):
            for is_merchant, category in self.entries.get(word, ()):
                if (category.partition("/")[0].strip().lower() in INCOME_CATEGORIES) != income:
                    continue
                rank = (int(is_merchant), len(word), category, word)
                if best is None or rank > best:
                    best = rank
        if best is None:
            return None
        confidence = self.merchant_confidence if best[0] else self.keyword_confidence
        parent, _, child = best[2].partition("/")
        return MerchantMatch(
            category=parent.strip(), confidence=confidence, word=best[3], subcategory=child.strip()
        )


@lru_cache(maxsize=4)
def _book(path: str, mtime: float) -> MerchantBook:
    return MerchantBook(json.loads(Path(path).read_text(encoding="utf-8")))


def merchant_book() -> MerchantBook:
    """The operator's merchant book, reloaded when the file changes."""
    path = Path(getattr(settings, "CATEGORIZER_MERCHANTS_FILE", "") or DEFAULT_FILE)
    return _book(str(path), path.stat().st_mtime)
