"""Measuring the categorizer: k-fold accuracy, coverage and per-category precision/recall.

Used by `manage.py evaluate_categorizer`. Accuracy is the share right among the predictions
at or above the threshold (the ones that would be applied); coverage is the share of
transactions that get such a prediction; `accuracy_all` counts every prediction.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from insights.classifier import Example, Model
from insights.merchants import MerchantBook

COLUMN_NAMES = {
    "payee": ("payee", "merchant", "name"),
    "description": ("description", "narration", "memo", "details"),
    "amount": ("amount", "value"),
    "category": ("category", "label", "class"),
}


@dataclass
class StageReport:
    total: int = 0
    covered: int = 0
    right_covered: int = 0
    right_all: int = 0
    # per category: [true positives, predicted (covered), actual]
    per_category: dict[str, list[int]] = field(default_factory=dict)

    def add(self, truth: str, predicted: str | None, confidence: float, cutoff: float) -> None:
        self.total += 1
        self.per_category.setdefault(truth, [0, 0, 0])[2] += 1
        if predicted is not None and predicted == truth:
            self.right_all += 1
        if predicted is None or confidence < cutoff:
            return
        self.covered += 1
        self.per_category.setdefault(predicted, [0, 0, 0])[1] += 1
        if predicted == truth:
            self.right_covered += 1
            self.per_category[truth][0] += 1

    def summary(self) -> dict:
        return {
            "accuracy": round(self.right_covered / self.covered, 4) if self.covered else 0.0,
            "coverage": round(self.covered / self.total, 4) if self.total else 0.0,
            "accuracy_all": round(self.right_all / self.total, 4) if self.total else 0.0,
            "n": self.total,
        }

    def categories(self) -> dict[str, dict]:
        out = {}
        for name, (tp, predicted, actual) in sorted(self.per_category.items()):
            out[name] = {
                "precision": round(tp / predicted, 4) if predicted else None,
                "recall": round(tp / actual, 4) if actual else None,
                "n": actual,
            }
        return out


def read_labeled(path: Path, columns: dict[str, str] | None = None) -> tuple[list[Example], int]:
    """Read a labeled CSV (payee, description, amount, category; common aliases accepted).

    Returns the examples and the number of rows skipped (no category or a bad amount).
    """
    columns = dict(columns or {})
    examples: list[Example] = []
    skipped = 0
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = {h.strip().lower(): h for h in reader.fieldnames or []}
        for key, aliases in COLUMN_NAMES.items():
            if key not in columns:
                columns[key] = next((header[a] for a in aliases if a in header), "")
        if not columns["amount"] or not columns["category"]:
            raise ValueError("The file needs an amount and a category (or label) column.")
        for row in reader:
            label = (row.get(columns["category"]) or "").strip()
            raw = (row.get(columns["amount"]) or "").replace(" ", "").replace(",", "")
            try:
                amount = Decimal(raw)
            except InvalidOperation:
                skipped += 1
                continue
            if not label or not amount.is_finite():
                skipped += 1
                continue
            payee = (row.get(columns["payee"]) or "").strip() if columns["payee"] else ""
            desc = (row.get(columns["description"]) or "").strip() if columns["description"] else ""
            examples.append(Example(payee, desc, amount, label))
    return examples, skipped


def read_label_map(path: Path) -> dict[str, str]:
    """A CSV of `label,category` rows: a file's own labels to Billfold category names."""
    mapping: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not {"label", "category"} <= {h.strip().lower() for h in reader.fieldnames or []}:
            raise ValueError("The label map needs the columns label and category.")
        for row in reader:
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if row["label"] and row["category"]:
                mapping[row["label"]] = row["category"]
    return mapping


def relabel(examples: Sequence[Example], mapping: dict[str, str]) -> list[Example]:
    """The examples with their labels mapped (labels not in the map stay as they are)."""
    return [
        Example(
            ex.payee, ex.description, ex.amount, mapping.get(str(ex.label), ex.label), ex.weight
        )
        for ex in examples
    ]


Predict = Callable[[Example], tuple[str | None, float]]


def _stages(
    model: Model | None, book: MerchantBook | None, names: dict[str, str], cutoff: float
) -> dict:
    def payee(ex: Example):
        from insights.classifier import payee_key

        hit = model.payees.get(payee_key(ex.payee, ex.description)) if model else None
        return (model.labels[hit[0]], hit[1]) if hit else (None, 0.0)

    def text(ex: Example):
        pred = model.predict_text(ex.payee, ex.description, ex.amount) if model else None
        return (pred.label, pred.confidence) if pred else (None, 0.0)

    def learned(ex: Example):
        pred = model.predict(ex.payee, ex.description, ex.amount) if model else None
        return (pred.label, pred.confidence) if pred else (None, 0.0)

    def cold(ex: Example):
        match = book.match(f"{ex.payee} {ex.description}", ex.amount) if book else None
        if match is None:
            return (None, 0.0)
        label = next((names[n.lower()] for n in match.names() if n.lower() in names), None)
        return (label or match.category, match.confidence)

    stages: dict[str, Predict] = {}
    if model is not None:
        stages.update({"payee": payee, "text": text, "learned": learned})
    if book is not None:
        stages["cold"] = cold
    if model is not None and book is not None:

        def pipeline(ex: Example):
            label, conf = learned(ex)
            if conf >= cutoff:
                return label, conf
            c_label, c_conf = cold(ex)
            return (c_label, c_conf) if c_conf > conf else (label, conf)

        stages["pipeline"] = pipeline
    return stages


def evaluate(
    examples: Sequence[Example],
    *,
    cutoff: float,
    folds: int = 5,
    book: MerchantBook | None = None,
    cold_only: bool = False,
    seed: int = 13,
) -> dict[str, StageReport]:
    """k-fold evaluation of each stage (or the cold start alone, with no training)."""
    names = {ex.label.lower(): ex.label for ex in examples}  # type: ignore[union-attr]
    reports: dict[str, StageReport] = {}
    if cold_only:
        stages = _stages(None, book, names, cutoff)
        for ex in examples:
            for name, predict in stages.items():
                label, conf = predict(ex)
                reports.setdefault(name, StageReport()).add(str(ex.label), label, conf, cutoff)
        return reports
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    folds = max(2, min(folds, len(examples)))
    for k in range(folds):
        test = [examples[i] for n, i in enumerate(order) if n % folds == k]
        train = [examples[i] for n, i in enumerate(order) if n % folds != k]
        stages = _stages(Model.train(train), book, names, cutoff)
        for ex in test:
            for name, predict in stages.items():
                label, conf = predict(ex)
                reports.setdefault(name, StageReport()).add(
                    str(ex.label), None if label is None else str(label), conf, cutoff
                )
    return reports


def label_counts(examples: Sequence[Example]) -> Counter:
    return Counter(str(ex.label) for ex in examples)
