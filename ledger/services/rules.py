"""Writes for the user's rules, and running them over transactions.

`rules_apply` is the entry point for every new transaction (manual, file import, bank sync,
recurring): it changes the rows in memory so an import can run it before its bulk insert;
the caller saves them and then calls `rules_attach_tags` for the tags rules added.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction as db_transaction
from django.db.models import F, Max
from django.utils import timezone

from ledger.changes import ledger_touched
from ledger.models import Category, Rule, Tag, Transaction
from ledger.models.transactions import CategorizedBy
from ledger.rules import Outcome, RuleError, RuleSet, RuleSpec, clean_conditions
from ledger.services.transactions import queue_budget_check

log = logging.getLogger(__name__)
# "Apply to existing" on more rows than this runs as a background task.
APPLY_IN_BACKGROUND_ABOVE = getattr(settings, "RULES_APPLY_BACKGROUND_ABOVE", 2000)
_SCAN_FIELDS = (
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


def rule_spec(rule: Rule) -> RuleSpec:
    return RuleSpec(
        id=rule.pk,
        conditions=rule.conditions,
        match_all=rule.match_all,
        category_id=rule.set_category_id,
        tag_ids=tuple(sorted(t.pk for t in rule.add_tags.all())),
        rename_payee=rule.rename_payee,
        set_notes=rule.set_notes,
        stop=rule.stop_processing,
    )


def rules_compile(*, user, rules: Iterable[Rule] | None = None) -> RuleSet:
    """The user's active rules compiled once (one query for rules, one for their tags)."""
    if rules is None:
        rules = Rule.objects.for_user(user).active().prefetch_related("add_tags")
    return RuleSet(rule_spec(r) for r in rules)


def _may_set_category(txn: Transaction) -> bool:
    # A hand-set category is never overwritten; transfers are neither income nor expense.
    return txn.categorized_by != CategorizedBy.MANUAL and txn.transfer_id is None


def _apply_outcome(txn: Transaction, outcome: Outcome, *, keep_notes: bool = False) -> set[str]:
    """Write an outcome onto a transaction in memory; returns the names of changed fields.

    `keep_notes`: notes already there stay (the rule's are left on `txn._rule_notes_kept`)."""
    changed: set[str] = set()
    if (
        outcome.category_id is not None
        and _may_set_category(txn)
        and (txn.category_id != outcome.category_id or txn.categorized_by != CategorizedBy.RULE)
    ):
        txn.category_id = outcome.category_id
        txn.categorized_by = CategorizedBy.RULE
        txn.confidence = 1.0
        changed |= {"category", "categorized_by", "confidence"}
    if outcome.payee is not None and txn.payee != outcome.payee:
        txn.payee = outcome.payee
        changed.add("payee")
    if outcome.notes is not None and txn.notes != outcome.notes:
        if keep_notes and (txn.notes or "").strip():
            txn._rule_notes_kept = outcome.notes  # type: ignore[attr-defined]
        else:
            txn.notes = outcome.notes
            changed.add("notes")
    if outcome.tag_ids:
        txn._rule_tag_ids = set(outcome.tag_ids)  # type: ignore[attr-defined]
    return changed


def rules_apply(
    *,
    user,
    transactions: list[Transaction],
    ruleset: RuleSet | None = None,
    keep_notes: bool = False,
) -> list[Transaction]:
    """Run the user's rules over transactions in memory; returns those a rule changed.

    Nothing is saved. Tags a rule adds are left on `txn._rule_tag_ids`: after saving, call
    `rules_attach_tags(transactions=...)`. `keep_notes` (the history) never replaces notes a
    transaction already has.
    """
    ruleset = ruleset if ruleset is not None else rules_compile(user=user)
    if not len(ruleset):
        return []
    changed: list[Transaction] = []
    evaluate = ruleset.evaluate
    for txn in transactions:
        outcome = evaluate(
            payee=txn.payee or "",
            description=txn.description or "",
            notes=txn.notes or "",
            amount=txn.amount,
            account_id=txn.account_id,
        )
        if outcome is not None and (
            _apply_outcome(txn, outcome, keep_notes=keep_notes) or outcome.tag_ids
        ):
            changed.append(txn)
    _note_timeouts(ruleset)
    return changed


def _note_timeouts(ruleset: RuleSet) -> None:
    """Mark rules whose pattern ran out of time, so the rules page can tell the user."""
    timed_out = [i for i in ruleset.take_timed_out() if i > 0]
    if timed_out:
        log.warning("Rule patterns ran out of time and were skipped: rules %s", timed_out)
        Rule.objects.filter(pk__in=timed_out).update(pattern_timed_out_at=timezone.now())


def rules_attach_tags(*, transactions: Iterable[Transaction]) -> int:
    """Add the tags `rules_apply` chose to saved transactions; returns links created."""
    through = Transaction.tags.through
    wanted = {
        (txn.pk, tag_id)
        for txn in transactions
        if txn.pk is not None
        for tag_id in getattr(txn, "_rule_tag_ids", ())
    }
    if not wanted:
        return 0
    existing = set(
        through.objects.filter(transaction_id__in={t for t, _ in wanted}).values_list(
            "transaction_id", "tag_id"
        )
    )
    rows = [through(transaction_id=t, tag_id=g) for t, g in wanted - existing]
    through.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def transactions_save_rule_changes(
    *, transactions: Sequence[Transaction], by_user: bool = True
) -> None:
    """Save what `rules_apply` changed on saved rows (one UPDATE batch, tags after).

    `by_user=False` for the automatic pipeline: its changes do not bump `version`, which
    guards people's edits (and tells an import's undo what the user changed since)."""
    if not transactions:
        return
    fields = ["category", "categorized_by", "confidence", "payee", "notes"]
    if by_user:
        for txn in transactions:
            txn.version = F("version") + 1
        fields.append("version")
    Transaction.objects.bulk_update(transactions, fields, batch_size=500)
    rules_attach_tags(transactions=transactions)
    touch_transactions(transactions)


def touch_transactions(transactions: Sequence[Transaction]) -> None:
    """Stamp the months of rows just saved with bulk_update (which sends no signals), and
    queue the budget-alert check (a category changed: a budget may have passed a threshold).

    Uses each row's loaded date; rows loaded without one cost one query for them all."""
    by_user: dict[int, set] = {}
    missing: list[int] = []
    for txn in transactions:
        day, user_id = txn.__dict__.get("date"), txn.__dict__.get("user_id")
        if day is None or user_id is None:
            missing.append(txn.pk)
        else:
            by_user.setdefault(user_id, set()).add(day)
    if missing:
        for user_id, day in Transaction.objects.filter(pk__in=missing).values_list(
            "user_id", "date"
        ):
            by_user.setdefault(user_id, set()).add(day)
    for user_id, days in by_user.items():
        ledger_touched(user_id=user_id, dates=days)
        queue_budget_check(user_id)


# --- rule writes --------------------------------------------------------------------------


@dataclass
class RuleInput:
    name: str
    conditions: list[dict]
    match_all: bool = True
    category: Category | None = None
    tags: list[Tag] = field(default_factory=list)
    rename_payee: str = ""
    set_notes: str = ""
    stop_processing: bool = True
    is_active: bool = True


def _check(*, user, data: RuleInput) -> list[dict]:
    conditions = clean_conditions(data.conditions)
    for cond in conditions:
        if cond["field"] == "account" and not user.money_accounts.filter(pk=cond["value"]).exists():
            raise RuleError("Choose one of your accounts.")
    if data.category is not None and data.category.user_id != user.pk:
        raise RuleError("Choose one of your categories.", field="set_category")
    if any(tag.user_id != user.pk for tag in data.tags):
        raise RuleError("Choose your own tags.", field="add_tags")
    if not (data.category or data.tags or data.rename_payee or data.set_notes):
        raise RuleError(
            "Choose at least one action: a category, tags, a new payee or notes.",
            field="set_category",
        )
    return conditions


@db_transaction.atomic
def rule_create(*, user, data: RuleInput) -> Rule:
    conditions = _check(user=user, data=data)
    last = Rule.objects.for_user(user).aggregate(m=Max("priority"))["m"]
    rule = Rule.objects.create(
        user=user,
        name=data.name.strip() or "Rule",
        priority=0 if last is None else last + 1,
        match_all=data.match_all,
        conditions=conditions,
        set_category=data.category,
        rename_payee=data.rename_payee.strip(),
        set_notes=data.set_notes.strip(),
        stop_processing=data.stop_processing,
        is_active=data.is_active,
    )
    rule.add_tags.set(data.tags)
    return rule


@db_transaction.atomic
def rule_update(*, rule: Rule, data: RuleInput) -> Rule:
    conditions = _check(user=rule.user, data=data)
    rule.name = data.name.strip() or rule.name
    rule.match_all = data.match_all
    rule.conditions = conditions
    rule.set_category = data.category
    rule.rename_payee = data.rename_payee.strip()
    rule.set_notes = data.set_notes.strip()
    rule.stop_processing = data.stop_processing
    rule.is_active = data.is_active
    rule.pattern_timed_out_at = None  # a new chance: the page tells again if it recurs
    rule.save()
    rule.add_tags.set(data.tags)
    return rule


def rule_delete(*, rule: Rule) -> None:
    rule.delete()


@db_transaction.atomic
def rules_reorder(*, user, rule_ids: Sequence[int]) -> list[Rule]:
    """Put the user's rules in this order (ids not listed keep their order, after)."""
    rules = list(Rule.objects.for_user(user).select_for_update().order_by("priority", "id"))
    by_id = {r.pk: r for r in rules}
    unknown = [i for i in rule_ids if i not in by_id]
    if unknown or len(set(rule_ids)) != len(rule_ids):
        raise RuleError("List each of your rules once.", field="ids")
    ordered = [by_id[i] for i in rule_ids] + [r for r in rules if r.pk not in set(rule_ids)]
    for position, rule in enumerate(ordered):
        rule.priority = position
    Rule.objects.bulk_update(ordered, ["priority"])
    return ordered


def rule_move(*, rule: Rule, up: bool) -> None:
    """Swap a rule with its neighbour above (up) or below."""
    ids = list(
        Rule.objects.for_user(rule.user).order_by("priority", "id").values_list("pk", flat=True)
    )
    i = ids.index(rule.pk)
    j = i - 1 if up else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        rules_reorder(user=rule.user, rule_ids=ids)


# --- running one rule over the history ----------------------------------------------------


SLOW_PATTERN_MESSAGE = (
    "The pattern took too long on some transactions, which then counted as not matching. "
    "Simplify it: drop repeated groups and wildcards such as (a|aa)* or .*.*."
)


@dataclass
class Preview:
    """What applying a rule to the history would do. Rows whose notes change carry
    `notes_before`; rows that keep their own notes (never replaced) are counted in
    `notes_kept`, the newest in `kept_sample` with the rule's text on `_rule_notes_kept`."""

    count: int
    sample: list[Transaction]
    slow_pattern: bool = False  # the pattern ran out of time on some transactions
    notes_kept: int = 0
    kept_sample: list[Transaction] = field(default_factory=list)


def _scan(*, user, ruleset: RuleSet, limit: int | None, apply: bool) -> Preview:
    """Run `ruleset` over the user's history, newest first; count (and save) real changes.

    Notes a transaction already has are never replaced (the user may have written them)."""
    qs = (
        Transaction.objects.for_user(user)
        .select_related("account")
        .only(*_SCAN_FIELDS, "account__currency")
        .order_by("-date", "-id")
    )
    through = Transaction.tags.through
    result = Preview(count=0, sample=[])
    found = result.sample

    def run(chunk: list[Transaction]) -> None:
        before = {t.pk: (t.category_id, t.payee, t.notes) for t in chunk}
        changed = rules_apply(user=user, transactions=chunk, ruleset=ruleset, keep_notes=True)
        kept = [t for t in chunk if hasattr(t, "_rule_notes_kept")]
        result.notes_kept += len(kept)
        tagged = [t.pk for t in changed if getattr(t, "_rule_tag_ids", None)]
        has_tags: dict[int, set[int]] = {}
        for tid, gid in through.objects.filter(transaction_id__in=tagged).values_list(
            "transaction_id", "tag_id"
        ):
            has_tags.setdefault(tid, set()).add(gid)
        real = [
            t
            for t in changed
            if before[t.pk] != (t.category_id, t.payee, t.notes)
            or getattr(t, "_rule_tag_ids", set()) - has_tags.get(t.pk, set())
        ]
        result.count += len(real)
        if apply:
            transactions_save_rule_changes(transactions=real)
            return
        for t in real:
            t.notes_before = before[t.pk][2]  # type: ignore[attr-defined]
        if limit is None or len(found) < limit:
            found.extend(real[: None if limit is None else limit - len(found)])
        if limit is None or len(result.kept_sample) < limit:
            result.kept_sample.extend(
                kept[: None if limit is None else limit - len(result.kept_sample)]
            )

    chunk: list[Transaction] = []
    for txn in qs.iterator(chunk_size=2000):
        chunk.append(txn)
        if len(chunk) >= 2000:
            run(chunk)
            chunk = []
    if chunk:
        run(chunk)
    return result


def rule_preview(*, rule: Rule, limit: int = 50) -> Preview:
    """How many of the user's transactions this rule would change, and the newest of them."""
    ruleset = rules_compile(user=rule.user, rules=[rule])
    preview = _scan(user=rule.user, ruleset=ruleset, limit=limit, apply=False)
    preview.slow_pattern = bool(ruleset.timeouts())
    return preview


def rule_apply_to_existing(*, rule: Rule) -> int:
    """Apply one rule to every existing transaction it matches; returns how many changed.

    Hand-set categories and notes a transaction already has stay. Past
    APPLY_IN_BACKGROUND_ABOVE rows the work is queued and -1 is returned.
    """
    preview = rule_preview(rule=rule, limit=0)
    if preview.count > APPLY_IN_BACKGROUND_ABOVE:
        from django_q.tasks import async_task

        user_id, rule_id = rule.user_id, rule.pk
        db_transaction.on_commit(
            lambda: async_task(
                "ledger.services.rules.rule_apply_to_existing_task", user_id, rule_id
            )
        )
        return -1
    return _apply_now(rule=rule)


def _apply_now(*, rule: Rule) -> int:
    with db_transaction.atomic():
        return _scan(
            user=rule.user,
            ruleset=rules_compile(user=rule.user, rules=[rule]),
            limit=None,
            apply=True,
        ).count


def rule_apply_to_existing_task(user_id: int, rule_id: int) -> int:
    """django-q2 task: apply a rule to the history (idempotent: a second run changes nothing)."""
    rule = Rule.objects.filter(user_id=user_id, pk=rule_id).select_related("user").first()
    if rule is None:
        return 0
    return _apply_now(rule=rule)


@dataclass
class RuleTest:
    matches: list[Transaction]
    slow_pattern: bool = False  # the pattern ran out of time on some transactions


def rule_test(*, user, conditions: list[dict], match_all: bool = True, limit: int = 20) -> RuleTest:
    """Recent transactions that these (unsaved) conditions match, for the "test" panel."""
    spec = RuleSpec(id=0, conditions=clean_conditions(conditions), match_all=match_all)
    ruleset = RuleSet([spec])
    matches: list[Transaction] = []
    qs = Transaction.objects.for_user(user).select_related("category", "account")
    for txn in qs.order_by("-date", "-id")[:5000].iterator(chunk_size=1000):
        if ruleset.evaluate(
            payee=txn.payee,
            description=txn.description,
            notes=txn.notes,
            amount=txn.amount,
            account_id=txn.account_id,
        ):
            matches.append(txn)
            if len(matches) >= limit:
                break
    return RuleTest(matches=matches, slow_pattern=bool(ruleset.timeouts()))


def rule_from_transaction(*, transaction: Transaction, category: Category) -> Rule:
    """ "Always categorize payee X as Y": a rule on this payee, applied to the history."""
    user = transaction.user
    if category.user_id != user.pk:
        raise RuleError("Choose one of your categories.", field="category")
    payee = (transaction.payee or "").strip()
    if payee:
        conditions = [{"field": "payee", "op": "equals", "value": payee}]
        label = payee
    else:
        text = (transaction.description or "").strip()
        if not text:
            raise RuleError("This transaction has no payee or description to make a rule of.")
        conditions = [{"field": "description", "op": "contains", "value": text[:200]}]
        label = text[:60]
    rule = rule_create(
        user=user,
        data=RuleInput(
            name=f"{label} → {category.name}"[:100], conditions=conditions, category=category
        ),
    )
    rule_apply_to_existing(rule=rule)
    return rule
