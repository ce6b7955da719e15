"""The single hook where imported rows meet the categorization pipeline.

`categorize_new_rows` receives the unsaved `Transaction` objects of one chunk (account,
date, amount, payee, description, notes set; `category` already set, with
`categorized_by="manual"`, when the file itself named an existing category). It may set, in
place: `category`, `categorized_by`, `confidence`, `payee`, `notes`, and `_tag_ids` (a list
of Tag ids the importer attaches after insert). It must not overwrite a row whose
`categorized_by` is "manual", and must not query per row. The preview calls it too, to show
the categories rows will get, so it must not write anything.
"""

from collections.abc import Sequence

from ledger.models import Transaction
from ledger.rules import RuleSet


def categorize_new_rows(
    user, rows: Sequence[Transaction], *, ruleset: RuleSet | None = None
) -> None:
    """Apply the user's rules to rows about to be imported (in memory, no writes).

    `ruleset`: the rules compiled once for the whole file (compiling 200 rules for every
    chunk cost more than applying them). The learned classifier and the LLM run after the
    commit, in the background, on what the rules left uncategorized
    (`insights.tasks.classify_import`).
    """
    from ledger.services.rules import rules_apply

    for txn in rules_apply(user=user, transactions=list(rows), ruleset=ruleset):
        tag_ids = getattr(txn, "_rule_tag_ids", ())
        if tag_ids:
            txn._tag_ids = list(tag_ids)
