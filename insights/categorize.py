"""The categorization pipeline for saved transactions.

Order (see DESIGN.md): the user's rules -> the learned classifier (and the cold-start merchant
book) above the threshold -> the rest is left for the LLM task (when configured) and the
review queue, with a suggestion where there is one. A hand-set category is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction as db_transaction

from insights.classifier import Predictor, threshold
from insights.models import Suggestion
from ledger.models import Transaction, TransactionSplit
from ledger.models.transactions import CategorizedBy
from ledger.services.rules import (
    rules_apply,
    rules_compile,
    touch_transactions,
    transactions_save_rule_changes,
)

FIELDS = (
    "id",
    "user_id",
    "account_id",
    "date",
    "amount",
    "payee",
    "description",
    "notes",
    "category_id",
    "categorized_by",
    "confidence",
    "transfer_id",
    "version",
)


@dataclass
class CategorizeResult:
    by_rule: int = 0
    by_learned: int = 0
    suggested: int = 0
    left: list[int] = field(default_factory=list)  # still uncategorized: for the LLM / review


def suggestions_save(*, user, guesses: dict[int, tuple[int, float]], source: str) -> int:
    """Store (replace) suggestions: {transaction id: (category id, confidence)}."""
    if not guesses:
        return 0
    Suggestion.objects.filter(user=user, transaction_id__in=list(guesses)).delete()
    Suggestion.objects.bulk_create(
        [
            Suggestion(
                user=user, transaction_id=tid, category_id=cid, confidence=conf, source=source
            )
            for tid, (cid, conf) in guesses.items()
        ]
    )
    return len(guesses)


def categorize_transactions(*, user, transaction_ids: Sequence[int]) -> CategorizeResult:
    """Run rules, then the learned classifier, over the user's transactions with these ids."""
    result = CategorizeResult()
    ids = list(dict.fromkeys(transaction_ids))
    if not ids:
        return result
    ruleset = rules_compile(user=user)
    predictor = Predictor.for_user(user)  # may retrain: outside the locking transaction
    cutoff = threshold()
    for start in range(0, len(ids), 2000):
        chunk_ids = ids[start : start + 2000]
        with db_transaction.atomic():
            rows = list(
                Transaction.objects.for_user(user)
                .filter(pk__in=chunk_ids)
                .select_for_update()
                .only(*FIELDS)
                .order_by("id")
            )
            split = set(
                TransactionSplit.objects.filter(transaction_id__in=chunk_ids).values_list(
                    "transaction_id", flat=True
                )
            )
            rows = [t for t in rows if t.pk not in split]
            # These rows are saved already: notes on them were typed by the user (a manual
            # entry) or set when the file was imported, and a rule's notes never replace them.
            changed = rules_apply(user=user, transactions=rows, ruleset=ruleset, keep_notes=True)
            result.by_rule += sum(1 for t in changed if t.categorized_by == CategorizedBy.RULE)
            transactions_save_rule_changes(transactions=changed, by_user=False)

            learned: list[Transaction] = []
            guesses: dict[int, tuple[int, float]] = {}
            for txn in rows:
                # The bank's category (Plaid's personal_finance_category) is only a fallback:
                # a confident learned guess replaces it; otherwise it stands.
                hinted = txn.categorized_by == CategorizedBy.PROVIDER
                if (txn.category_id is not None and not hinted) or txn.transfer_id is not None:
                    continue
                if txn.categorized_by == CategorizedBy.MANUAL:
                    continue  # the user cleared it on purpose
                guess = predictor.guess(txn.payee, txn.description, txn.amount)
                if hinted and (guess is None or guess.confidence < cutoff):
                    continue
                if guess is None:
                    result.left.append(txn.pk)
                elif guess.confidence >= cutoff:
                    txn.category_id = guess.category_id
                    txn.categorized_by = CategorizedBy.LEARNED
                    txn.confidence = round(guess.confidence, 4)
                    learned.append(txn)
                else:
                    guesses[txn.pk] = (guess.category_id, round(guess.confidence, 4))
                    result.left.append(txn.pk)
            # No version bump: `version` guards people's edits against each other, and the
            # pipeline never overwrites what a person set (nor counts as their edit).
            Transaction.objects.bulk_update(
                learned, ["category", "categorized_by", "confidence"], batch_size=500
            )
            touch_transactions(learned)  # bulk_update sends no signals: refresh the dashboard
            result.by_learned += len(learned)
            done = [t.pk for t in rows if t.category_id is not None]
            Suggestion.objects.filter(user=user, transaction_id__in=done).delete()
            result.suggested += suggestions_save(user=user, guesses=guesses, source="learned")
    return result
