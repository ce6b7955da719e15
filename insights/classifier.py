"""The classifier learned from a user's own categorized transactions (no network, no key).

Two stages, tried in order:
1. the exact normalised payee: what this payee was categorized as before (hand-set choices
   weigh more than automatic ones), with a confidence that grows with agreement;
2. a multinomial naive Bayes text model over word tokens and character 3-5-grams of the payee
   and description, plus the amount's sign and size, with temperature-scaled (calibrated on a
   held-out fifth of the history) probabilities as confidence; a guess that shares no whole
   word with the category's examples is capped below the threshold (a suggestion only).

It learns from the user's hand-set, rule, learned and AI categories, never from the bank's own
(provider) ones: those are the pipeline's last fallback, not the user's choices.

Then the cold-start merchant book fills in what the user's own history does not know.
Pure Python, no heavy dependencies; training is counting, so it is cheap to redo after every
import. The trained model is stored as compressed JSON in ClassifierState and cached per
process by (user, version).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.db import transaction as db_transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django_q.tasks import async_task

from insights.merchants import MerchantBook, merchant_book, normalise
from insights.models import ClassifierState
from ledger.models import Category, Transaction
from ledger.models.transactions import CategorizedBy

# How much one example of each origin counts: the user's own hand weighs most. The bank's
# own category (PROVIDER) is not the user's choice and is never learned from: it is only the
# fallback when nothing else applies, and learning it would hand it back as "learned".
WEIGHTS = {
    CategorizedBy.MANUAL: 2.0,
    CategorizedBy.RULE: 1.0,
    CategorizedBy.LEARNED: 0.5,
    CategorizedBy.AI: 0.5,
    "": 1.0,
}
UNLEARNED = (CategorizedBy.PROVIDER,)
ALPHA = 0.1  # additive smoothing of the text model
MIN_TEXT_EXAMPLES = 5
NO_TEXT_CONFIDENCE = 0.5
TEMPERATURES = (0.25, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48)
_DIGITS = re.compile(r"\d+")
_TOKEN_CACHE_LIMIT = 100_000
_PREDICT_CACHE_LIMIT = 50_000
TRAIN_QUEUE_SECONDS = 600  # a lost task is queued again after this long


def threshold() -> float:
    return float(getattr(settings, "CATEGORIZER_THRESHOLD", 0.8))


def payee_key(payee: str, description: str = "") -> str:
    """The payee without digits and punctuation (falls back to the description)."""
    key = _DIGITS.sub(" ", normalise(payee)).split()
    if not key:
        key = _DIGITS.sub(" ", normalise(description)).split()[:6]
    return " ".join(key)


@lru_cache(maxsize=200_000)
def _token_features(token: str) -> tuple[str, ...]:
    """The word itself and its character 3-, 4- and 5-grams (with a space at each end)."""
    padded = f" {token} "
    n = len(padded)
    return (
        "w:" + token,
        *(padded[i : i + 3] for i in range(n - 2)),
        *(padded[i : i + 4] for i in range(n - 3)),
        *(padded[i : i + 5] for i in range(n - 4)),
    )


def _tokens(payee: str, description: str) -> list[str]:
    text = _DIGITS.sub("0", normalise(f"{payee} {description}"))
    seen: dict[str, None] = {}
    for tok in text.split():
        if tok != "0":
            seen.setdefault(tok, None)
    return list(seen)


def _amount_features(amount: Decimal) -> list[str]:
    sign = "+" if amount > 0 else "-"
    size = abs(float(amount))  # a bucket for a feature, never money arithmetic
    bucket = int(math.log2(size)) if size >= 1 else -1
    return ["s:" + sign, f"a:{sign}{bucket}"]


@dataclass(frozen=True)
class Example:
    payee: str
    description: str
    amount: Decimal
    label: Hashable
    weight: float = 1.0


@dataclass(frozen=True)
class Prediction:
    label: Hashable
    confidence: float
    stage: str  # "payee", "text" or "merchant"


class Model:
    """The trained learned classifier of one user (labels are category ids, or any names)."""

    def __init__(self) -> None:
        self.labels: list = []
        self.payees: dict[str, tuple[int, float]] = {}  # key -> (label index, confidence)
        self.base: list[float] = []  # log prior per label
        self.unseen: list[float] = []  # log P(unknown-in-class feature | label)
        self.boost: dict[str, dict[int, float]] = {}  # feature -> {label: log boost}
        self.temperature = 1.0
        self.trained_on = 0
        self._tokens: OrderedDict = OrderedDict()
        self._cache: dict = {}

    # --- training -------------------------------------------------------------------------

    @classmethod
    def train(cls, examples: Sequence[Example]) -> Model:
        model = cls()
        model.trained_on = len(examples)
        index: dict[Hashable, int] = {}
        for ex in examples:
            index.setdefault(ex.label, len(index))
        model.labels = list(index)
        k = len(model.labels)

        payee_votes: dict[str, Counter] = {}
        for ex in examples:
            key = payee_key(ex.payee, ex.description)
            if key:
                payee_votes.setdefault(key, Counter())[index[ex.label]] += ex.weight
        for key, votes in payee_votes.items():
            label, top = votes.most_common(1)[0]
            model.payees[key] = (label, top / (sum(votes.values()) + 0.5))

        if len(examples) < MIN_TEXT_EXAMPLES or k < 2:
            return model
        parsed = [
            (_tokens(ex.payee, ex.description), _amount_features(ex.amount)) for ex in examples
        ]
        # Counts of a held-out fifth kept apart: a model of the rest scores it to fit the
        # temperature, then both are added up for the final model (counting is additive).
        held = [i for i in range(len(examples)) if i % 5 == 4] if len(examples) >= 50 else []
        held_set = set(held)
        rest = [i for i in range(len(examples)) if i not in held_set]
        counts_rest, totals_rest, prior_rest = _count(examples, parsed, rest, index)
        if held:
            fitted = _fit(counts_rest, totals_rest, prior_rest, k)
            model.base, model.unseen, model.boost = fitted
            scored = [
                (model._text_scores(ex.payee, ex.description, ex.amount), index[ex.label])
                for ex in (examples[i] for i in held)
            ]
            model.temperature = _best_temperature(scored)
            counts_held, totals_held, prior_held = _count(examples, parsed, held, index)
            for f, per in counts_held.items():
                target = counts_rest.setdefault(f, {})
                for c, w in per.items():
                    target[c] = target.get(c, 0.0) + w
            for c in range(k):
                totals_rest[c] += totals_held[c]
                prior_rest[c] += prior_held[c]
        model.base, model.unseen, model.boost = _fit(counts_rest, totals_rest, prior_rest, k)
        model._tokens.clear()
        return model

    # --- prediction -----------------------------------------------------------------------

    def _token_scores(self, token: str) -> dict[int, float] | None:
        """A token's log-likelihood per label: the mean over its word and n-gram features.

        Averaging makes each word count once (its n-grams are strongly correlated), so a
        long word does not drown the amount's sign and size.
        """
        if token in self._tokens:
            return self._tokens[token]
        known = 0
        acc: dict[int, float] = {}
        boost = self.boost
        for f in _token_features(token):
            per = boost.get(f)
            if per is None:
                continue
            known += 1
            for c, b in per.items():
                acc[c] = acc.get(c, 0.0) + b
        result = {c: b / known for c, b in acc.items()} if known else None
        if len(self._tokens) >= _TOKEN_CACHE_LIMIT:
            self._tokens.clear()
        self._tokens[token] = result
        return result

    def _text_scores(self, payee: str, description: str, amount: Decimal) -> list[float]:
        scores = list(self.base)
        known = 0
        boost = self.boost
        for f in _amount_features(amount):
            per = boost.get(f)
            if per is not None:
                known += 1
                for c, b in per.items():
                    scores[c] += b
        for tok in _tokens(payee, description):
            acc = self._token_scores(tok)
            if acc is None:
                continue
            known += 1
            for c, b in acc.items():
                scores[c] += b
        unseen = self.unseen
        return [s + known * u for s, u in zip(scores, unseen, strict=True)]

    def predict_text(self, payee: str, description: str, amount: Decimal) -> Prediction | None:
        if not self.boost:
            return None
        scores = self._text_scores(payee, description, amount)
        top = max(range(len(scores)), key=scores.__getitem__)
        t = self.temperature
        peak = scores[top]
        confidence = 1.0 / sum(math.exp((s - peak) / t) for s in scores)
        if not self._has_word_evidence(_tokens(payee, description), top):
            # No whole word of it was ever seen in this category: letter fragments ("pay" in
            # "payroll" and "payment") and the amount alone are a suggestion, never applied.
            confidence = min(confidence, NO_TEXT_CONFIDENCE)
        return Prediction(self.labels[top], confidence, "text")

    def _has_word_evidence(self, tokens: list[str], label: int) -> bool:
        boost = self.boost
        return any(len(tok) > 1 and label in boost.get("w:" + tok, ()) for tok in tokens)

    def predict(self, payee: str, description: str, amount: Decimal) -> Prediction | None:
        """The likeliest label with its confidence (0-1), or None when nothing is known."""
        cache_key = (payee, description, *_amount_features(amount))
        if cache_key in self._cache:
            return self._cache[cache_key]
        best: Prediction | None = None
        hit = self.payees.get(payee_key(payee, description))
        if hit is not None:
            best = Prediction(self.labels[hit[0]], hit[1], "payee")
        if best is None or best.confidence < threshold():
            text = self.predict_text(payee, description, amount)
            if text is not None and (best is None or text.confidence > best.confidence):
                best = text
        if len(self._cache) >= _PREDICT_CACHE_LIMIT:
            self._cache.clear()
        self._cache[cache_key] = best
        return best

    # --- storage --------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        data = {
            "labels": self.labels,
            "payees": self.payees,
            "base": self.base,
            "unseen": self.unseen,
            "boost": {f: [[c, b] for c, b in per.items()] for f, per in self.boost.items()},
            "temperature": self.temperature,
            "trained_on": self.trained_on,
        }
        return zlib.compress(json.dumps(data, separators=(",", ":")).encode())

    @classmethod
    def from_bytes(cls, blob: bytes) -> Model:
        data = json.loads(zlib.decompress(bytes(blob)))
        model = cls()
        model.labels = data["labels"]
        model.payees = {k: (v[0], v[1]) for k, v in data["payees"].items()}
        model.base, model.unseen = data["base"], data["unseen"]
        model.boost = {f: dict(per) for f, per in data["boost"].items()}
        model.temperature = data["temperature"]
        model.trained_on = data["trained_on"]
        return model


def _count(examples, parsed, rows, index):
    """Weighted feature counts per label. Words repeat a lot in bank text, so the words are
    counted first and each distinct (word, label) is expanded into its n-grams once."""
    k = len(index)
    words: dict[tuple[str, int], float] = {}
    counts: dict[str, dict[int, float]] = {}
    totals = [0.0] * k
    prior = [0.0] * k

    def add(feature: str, c: int, w: float) -> None:
        per = counts.get(feature)
        if per is None:
            counts[feature] = {c: w}
        else:
            per[c] = per.get(c, 0.0) + w

    for i in rows:
        ex = examples[i]
        c = index[ex.label]
        w = ex.weight
        prior[c] += w
        tokens, amount_feats = parsed[i]
        for tok in tokens:
            key = (tok, c)
            words[key] = words.get(key, 0.0) + w
        for f in amount_feats:
            add(f, c, w)
        totals[c] += w * len(amount_feats)
    for (tok, c), w in words.items():
        feats = _token_features(tok)
        for f in feats:
            add(f, c, w)
        totals[c] += w * len(feats)
    return counts, totals, prior


def _fit(counts, totals, prior, k):
    vocab = max(len(counts), 1)
    all_prior = sum(prior) or 1.0
    base = [math.log((p + 0.5) / (all_prior + 0.5 * k)) for p in prior]
    unseen = [math.log(ALPHA / (t + ALPHA * vocab)) for t in totals]
    boost = {
        f: {c: math.log((w + ALPHA) / ALPHA) for c, w in per.items()} for f, per in counts.items()
    }
    return base, unseen, boost


def _best_temperature(scored: list[tuple[list[float], int]]) -> float:
    """The softmax temperature with the least log loss on held-out examples."""
    best_t, best_loss = 1.0, float("inf")
    for t in TEMPERATURES:
        loss = 0.0
        for scores, truth in scored:
            peak = max(scores)
            total = sum(math.exp((s - peak) / t) for s in scores)
            p = math.exp((scores[truth] - peak) / t) / total
            loss -= math.log(max(p, 1e-12))
        if loss < best_loss:
            best_t, best_loss = t, loss
    return best_t


# --- the user's model, kept current -------------------------------------------------------

_MODELS: OrderedDict[tuple[int, int], Model] = OrderedDict()


def _history(user):
    """What the model learns from: the user's categorized rows, less the bank's own labels."""
    return (
        Transaction.objects.for_user(user)
        .filter(category__isnull=False, transfer__isnull=True)
        .exclude(category__is_archived=True)
        .exclude(categorized_by__in=UNLEARNED)
    )


def _signature(user) -> str:
    # The pipeline's own writes (rules applied to the history, learned and AI choices) leave
    # updated_at alone, since an import's undo reads it as "edited by the user"; the sum of
    # category ids still moves when they re-categorize a row.
    agg = _history(user).aggregate(
        n=Count("id"), last=Max("updated_at"), top=Max("id"), cats=Sum("category_id")
    )
    last = agg["last"].isoformat() if agg["last"] else "-"
    return f"{agg['n']}:{agg['top']}:{agg['cats']}:{last}"


def history_examples(user) -> list[Example]:
    rows = _history(user).values_list(
        "payee", "description", "amount", "category_id", "categorized_by"
    )
    return [
        Example(p or "", d or "", a, c, WEIGHTS.get(by, 1.0)) for p, d, a, c, by in rows.iterator()
    ]


def classifier_train(*, user) -> ClassifierState:
    """Train the user's model on their categorized history and store it (a new version)."""
    signature = _signature(user)
    model = Model.train(history_examples(user))
    with db_transaction.atomic():
        state, _ = ClassifierState.objects.select_for_update().get_or_create(user=user)
        state.version += 1
        state.signature = signature
        state.trained_on = model.trained_on
        state.trained_at = timezone.now()
        state.model = model.to_bytes()
        state.save()
    _remember(user.pk, state.version, model)
    return state


def _remember(user_id: int, version: int, model: Model) -> None:
    _MODELS[(user_id, version)] = model
    while len(_MODELS) > 32:
        _MODELS.popitem(last=False)


def classifier_train_queue(*, user_id: int) -> bool:
    """Queue training of the user's model in the background (at most once per few minutes)."""
    if not caches["shared"].add(f"classifier-train-queued:{user_id}", 1, TRAIN_QUEUE_SECONDS):
        return False
    db_transaction.on_commit(lambda: async_task("insights.tasks.classifier_train", user_id))
    return True


def classifier_for_user(*, user, retrain: bool = True) -> Model:
    """The user's current model, retrained first when their history changed since.

    `retrain=False` (requests) never trains: the stored model even if a little behind, or an
    empty one while a first training is queued (the merchant book answers meanwhile).
    """
    state = ClassifierState.objects.filter(user=user).defer("model").first()
    if state is None and not retrain:
        classifier_train_queue(user_id=user.pk)
        return Model()
    if state is None or (retrain and state.signature != _signature(user)):
        state = classifier_train(user=user)
    cached = _MODELS.get((user.pk, state.version))
    if cached is not None:
        return cached
    blob = ClassifierState.objects.filter(pk=state.pk).values_list("model", flat=True).first()
    model = Model.from_bytes(blob) if blob else Model()
    _remember(user.pk, state.version, model)
    return model


# --- predicting categories for a user -----------------------------------------------------


@dataclass(frozen=True)
class CategoryGuess:
    category_id: int
    confidence: float
    stage: str


class Predictor:
    """The user's model, then the merchant book (mapped to the user's categories by name)."""

    def __init__(self, *, model: Model, categories: Iterable[Category], book: MerchantBook):
        self.model = model
        self.book = book
        self.active = {c.pk for c in categories if not c.is_archived}
        self.by_name = {}
        for c in categories:
            if not c.is_archived:
                self.by_name.setdefault(c.name.lower(), c.pk)

    @classmethod
    def for_user(cls, user, *, retrain: bool = True) -> Predictor:
        """`retrain=False` in requests: never train, use what is stored (see above)."""
        return cls(
            model=classifier_for_user(user=user, retrain=retrain),
            categories=list(Category.objects.for_user(user)),
            book=merchant_book(),
        )

    def guess(self, payee: str, description: str, amount: Decimal) -> CategoryGuess | None:
        best: CategoryGuess | None = None
        learned = self.model.predict(payee, description, amount)
        if learned is not None and learned.label in self.active:
            best = CategoryGuess(int(learned.label), learned.confidence, learned.stage)
        if best is None or best.confidence < threshold():
            known = self.book.match(f"{payee} {description}", amount)
            if known is not None:
                category_id = next(
                    (self.by_name[n.lower()] for n in known.names() if n.lower() in self.by_name),
                    None,
                )
                if category_id is not None and (best is None or known.confidence > best.confidence):
                    best = CategoryGuess(category_id, known.confidence, "merchant")
        return best
