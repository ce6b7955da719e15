"""The rules engine: validate, compile and evaluate a user's rules. Pure functions, no ORM.

A rule is a list of conditions (all or any must hold) and actions (set a category, add tags,
rename the payee, set notes), then "stop here" (the default) or "go on to the next rule".

Speed matters (an import of 100k rows runs every rule over every row), so rules are compiled
once into plain Python callables and a per-field literal index: one regular-expression scan
of each lower-cased field finds the rules whose literal words occur in it, and only those
(plus the rules that have no literal to index, such as amount-only rules) are evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import regex

try:  # the stdlib's regular-expression parser (renamed in Python 3.11)
    import re._constants as _sre
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

TEXT_FIELDS = ("payee", "description", "notes")
TEXT_OPS = ("contains", "equals", "starts_with", "ends_with", "regex")
AMOUNT_OPS = ("equals", "less", "greater", "between")
FIELD_OPS: dict[str, tuple[str, ...]] = {
    "payee": TEXT_OPS,
    "description": TEXT_OPS,
    "notes": TEXT_OPS,
    "amount": AMOUNT_OPS,
    "account": ("is", "is_not"),
    "kind": ("is",),
}
FIELD_LABELS = {
    "payee": "Payee",
    "description": "Description",
    "notes": "Notes",
    "amount": "Amount",
    "account": "Account",
    "kind": "Kind",
}
OP_LABELS = {
    "contains": "contains",
    "equals": "is",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "regex": "matches the pattern",
    "less": "is less than",
    "greater": "is greater than",
    "between": "is between",
    "is": "is",
    "is_not": "is not",
}
KINDS = ("expense", "income")
# A pattern gets this long to match one field before the match counts as failed; after
# this many timeouts in one run (one RuleSet) the pattern stops being tried at all, so even
# a pattern that times out on every transaction costs a run at most a fraction of a second.
REGEX_TIMEOUT_SECONDS = 0.05
MAX_TIMEOUTS_PER_RUN = 3
MAX_PATTERN_LENGTH = 500

# A quantified group that itself contains a quantifier: (a+)+, (a*)*, (\w+\s?)*, (x{2,})+ ...
_NESTED_QUANTIFIER = re.compile(
    r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d*,?\d*\})(?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,\d*\})"
)


class RuleError(ValueError):
    """A condition or action that cannot be used; `field` names the part at fault."""

    def __init__(self, message: str, *, field: str = "conditions", index: int | None = None):
        super().__init__(message)
        self.field = field
        self.index = index


def check_pattern(pattern: str) -> regex.Pattern:
    """Compile a user's regular expression, refusing ones that could run for ever."""
    if not pattern:
        raise RuleError("Enter a pattern.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RuleError(f"The pattern is too long (at most {MAX_PATTERN_LENGTH} characters).")
    if _NESTED_QUANTIFIER.search(pattern):
        raise RuleError(
            "This pattern repeats a group that itself repeats, like (a+)+, which can take "
            "forever on some text. Simplify it, e.g. (a+)+ to a+."
        )
    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.V0)
    except regex.error as exc:
        raise RuleError(f"This is not a valid pattern: {exc}.") from exc


def parse_amount(value: object) -> Decimal:
    if value is None or not str(value).strip():
        raise RuleError("Enter an amount (negative for money out).")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise RuleError(f"{value!r} is not an amount.") from exc
    if not amount.is_finite():
        raise RuleError(f"{value!r} is not an amount.")
    return amount


def clean_conditions(conditions: object) -> list[dict]:
    """Validate a list of condition dicts and return them normalised; raises RuleError."""
    if not isinstance(conditions, list) or not conditions:
        raise RuleError("Add at least one condition.")
    cleaned: list[dict] = []
    for index, raw in enumerate(conditions):
        if not isinstance(raw, dict):
            raise RuleError("Each condition needs a field, an operator and a value.", index=index)
        fld, op = raw.get("field"), raw.get("op")
        if fld not in FIELD_OPS:
            raise RuleError(f"Unknown field {fld!r}.", index=index)
        if op not in FIELD_OPS[fld]:
            raise RuleError(f"{FIELD_LABELS[fld]} cannot be compared with {op!r}.", index=index)
        value, value2 = raw.get("value"), raw.get("value2")
        item: dict = {"field": fld, "op": op}
        try:
            if fld in TEXT_FIELDS:
                text = str(value if value is not None else "")
                if op == "regex":
                    check_pattern(text)
                elif not text.strip():
                    raise RuleError("Enter the text to look for.")
                item["value"] = text
            elif fld == "amount":
                item["value"] = str(parse_amount(value))
                if op == "between":
                    if value2 is None or not str(value2).strip():
                        raise RuleError("Enter both ends of the range, e.g. -50 and -10.")
                    low, high = sorted([parse_amount(value), parse_amount(value2)])
                    item["value"], item["value2"] = str(low), str(high)
            elif fld == "account":
                try:
                    item["value"] = int(value)  # type: ignore[arg-type]
                except (TypeError, ValueError) as exc:
                    raise RuleError("Choose an account.") from exc
            elif fld == "kind":
                if value not in KINDS:
                    raise RuleError("Kind is expense or income.")
                item["value"] = value
        except RuleError as exc:
            exc.index = index
            raise
        cleaned.append(item)
    return cleaned


def describe_condition(condition: dict, account_names: dict[int, str] | None = None) -> str:
    fld, op, value = condition["field"], condition["op"], condition.get("value")
    if fld == "account" and account_names:
        value = account_names.get(value, value)
    text = f"{FIELD_LABELS[fld]} {OP_LABELS[op]} {value!s}"
    if op == "between":
        text += f" and {condition.get('value2')}"
    return text


# --- compiled form ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """What the engine needs of one rule (built from the Rule model by the service)."""

    id: int
    conditions: Sequence[dict]
    match_all: bool = True
    category_id: int | None = None
    tag_ids: tuple[int, ...] = ()
    rename_payee: str = ""
    set_notes: str = ""
    stop: bool = True


@dataclass
class Outcome:
    """The result of running the rules over one transaction: only what changed is set."""

    rule_ids: list[int] = field(default_factory=list)
    category_id: int | None = None
    tag_ids: set[int] = field(default_factory=set)
    payee: str | None = None
    notes: str | None = None


# One transaction as the compiled rules see it: lower-cased text fields, the amount, the
# account id and the kind, built once per transaction.
Row = tuple[str, str, str, Decimal, int, str]
_FIELD_INDEX = {"payee": 0, "description": 1, "notes": 2}
Predicate = Callable[[Row], bool]


class TimedPattern:
    """A rule's regular expression run with a time limit; it counts its timeouts and, past
    MAX_TIMEOUTS_PER_RUN, gives up (counts as not matching) for the rest of the run."""

    __slots__ = ("search", "slot", "timeouts")

    def __init__(self, pattern: regex.Pattern, slot: int) -> None:
        self.search = pattern.search
        self.slot = slot
        self.timeouts = 0

    def __call__(self, row: Row) -> bool:
        if self.timeouts >= MAX_TIMEOUTS_PER_RUN:
            return False
        try:
            return self.search(row[self.slot], timeout=REGEX_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            self.timeouts += 1
            return False


def _text_predicate(slot: int, op: str, value: str, patterns: list[TimedPattern]) -> Predicate:
    needle = value.lower()
    if op == "contains":
        return lambda row: needle in row[slot]
    if op == "equals":
        return lambda row: row[slot] == needle
    if op == "starts_with":
        return lambda row: row[slot].startswith(needle)
    if op == "ends_with":
        return lambda row: row[slot].endswith(needle)
    timed = TimedPattern(check_pattern(value), slot)
    patterns.append(timed)
    return timed


def _predicate(condition: dict, patterns: list[TimedPattern]) -> Predicate:
    fld, op, value = condition["field"], condition["op"], condition.get("value")
    if fld in TEXT_FIELDS:
        return _text_predicate(_FIELD_INDEX[fld], op, str(value), patterns)
    if fld == "amount":
        # Sign aware: amounts are signed (negative = money out), so "less than -50" means
        # spending of more than 50.
        low = parse_amount(value)
        if op == "equals":
            return lambda row: row[3] == low
        if op == "less":
            return lambda row: row[3] < low
        if op == "greater":
            return lambda row: row[3] > low
        high = parse_amount(condition.get("value2"))
        low, high = min(low, high), max(low, high)
        return lambda row: low <= row[3] <= high
    if fld == "account":
        account_id = int(value)  # type: ignore[arg-type]
        if op == "is_not":
            return lambda row: row[4] != account_id
        return lambda row: row[4] == account_id
    kind = value
    return lambda row: row[5] == kind


def required_literal(pattern: str) -> str | None:
    """The longest plain text (3+ characters) every match of `pattern` must contain.

    Lets the index skip a pattern on text that lacks it (a timed regex search costs ~20x a
    substring test). None when unsure: then the pattern runs on every transaction.
    """
    try:
        parsed = _sre_parse.parse(pattern, re.IGNORECASE)
    except Exception:  # the regex package accepts syntax the stdlib parser does not
        return None
    best = ""

    def walk(items) -> None:
        nonlocal best
        run: list[str] = []
        for op, arg in items:
            if op is _sre.LITERAL:
                run.append(chr(arg))
                continue
            if len(run) > len(best):
                best = "".join(run)
            run = []
            if op is _sre.SUBPATTERN:
                walk(arg[-1])
            elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and arg[0] >= 1:
                walk(arg[2])
        if len(run) > len(best):
            best = "".join(run)

    walk(parsed.data if hasattr(parsed, "data") else parsed)
    return best.lower() if len(best) >= 3 else None


def _literal_key(condition: dict) -> tuple[int, str] | None:
    """The (field slot, literal) a condition needs to find in its field, if it has one."""
    if condition["field"] not in TEXT_FIELDS:
        return None
    if condition["op"] == "regex":
        literal = required_literal(str(condition["value"]))
        return (_FIELD_INDEX[condition["field"]], literal) if literal else None
    return _FIELD_INDEX[condition["field"]], str(condition["value"]).lower()


@dataclass
class CompiledRule:
    spec: RuleSpec
    test: Predicate
    keys: list[tuple[int, str]]  # empty: always evaluated
    patterns: list[TimedPattern] = field(default_factory=list)

    @property
    def timeouts(self) -> int:
        return sum(p.timeouts for p in self.patterns)


def compile_rule(spec: RuleSpec) -> CompiledRule:
    patterns: list[TimedPattern] = []
    predicates = [_predicate(c, patterns) for c in spec.conditions]
    if not predicates:
        raise RuleError("Add at least one condition.")
    if len(predicates) == 1:
        test = predicates[0]
    elif spec.match_all:
        test = lambda row: all(p(row) for p in predicates)  # noqa: E731
    else:
        test = lambda row: any(p(row) for p in predicates)  # noqa: E731
    keys = [k for c in spec.conditions if (k := _literal_key(c)) is not None]
    if spec.match_all:
        # Every condition must hold, so one literal (the longest, the rarest) is enough.
        keys = [max(keys, key=lambda k: len(k[1]))] if keys else []
    elif len(keys) != len(spec.conditions):
        keys = []  # some condition has no literal: the rule may match anything
    return CompiledRule(spec=spec, test=test, keys=keys, patterns=patterns)


def trie_pattern(words: Iterable[str]) -> str:
    """A regular expression that matches the longest of `words` at a position (a trie)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return build(trie)


class _FieldIndex:
    """Finds which literals of one field occur in a text with a single scan."""

    def __init__(self, literal_rules: dict[str, set[int]]):
        literals = list(literal_rules)
        # The scan reports the longest literal starting at each position; a shorter literal
        # found inside a longer one is implied by it, so each literal carries the rules of
        # every literal it contains.
        self.rules_of: dict[str, frozenset[int]] = {}
        for lit in literals:
            found = set()
            for other in literals:
                if other in lit:
                    found |= literal_rules[other]
            self.rules_of[lit] = frozenset(found)
        self.scan = re.compile("(?=(" + trie_pattern(literals) + "))").findall

    def rules_in(self, text: str) -> set[int]:
        out: set[int] = set()
        rules_of = self.rules_of
        for hit in self.scan(text):
            if hit:
                out.update(rules_of[hit])
        return out


class RuleSet:
    """A user's rules compiled once; `evaluate` runs them over one transaction."""

    def __init__(self, specs: Iterable[RuleSpec]):
        self.rules = [compile_rule(spec) for spec in specs]
        self._reported: set[int] = set()
        self.always: list[int] = []
        per_field: dict[int, dict[str, set[int]]] = {}
        for position, rule in enumerate(self.rules):
            if not rule.keys:
                self.always.append(position)
            for slot, literal in rule.keys:
                per_field.setdefault(slot, {}).setdefault(literal, set()).add(position)
        self.indexes = [(slot, _FieldIndex(lits)) for slot, lits in per_field.items()]

    def __len__(self) -> int:
        return len(self.rules)

    def timeouts(self) -> dict[int, int]:
        """{rule id: patterns that ran out of time} for this run so far (usually empty)."""
        return {r.spec.id: r.timeouts for r in self.rules if r.patterns and r.timeouts}

    def take_timed_out(self) -> set[int]:
        """Ids of rules whose pattern ran out of time since the last call (to record once)."""
        found = set(self.timeouts()) - self._reported
        self._reported |= found
        return found

    def _candidates(self, row: Row) -> list[int]:
        found: set[int] | None = None
        for slot, index in self.indexes:
            text = row[slot]
            if text:
                hits = index.rules_in(text)
                if hits:
                    found = hits if found is None else found | hits
        if found is None:
            return self.always
        found.update(self.always)
        return sorted(found)

    def evaluate(
        self,
        *,
        payee: str,
        description: str,
        notes: str,
        amount: Decimal,
        account_id: int,
    ) -> Outcome | None:
        """Run the rules in priority order; None when no rule matched."""
        if not self.rules:
            return None
        kind = "income" if amount > 0 else "expense"
        row: Row = (payee.lower(), description.lower(), notes.lower(), amount, account_id, kind)
        outcome: Outcome | None = None
        candidates = self._candidates(row)
        position = 0
        while position < len(candidates):
            rule = self.rules[candidates[position]]
            position += 1
            if not rule.test(row):
                continue
            spec = rule.spec
            if outcome is None:
                outcome = Outcome()
            outcome.rule_ids.append(spec.id)
            if spec.category_id is not None:
                outcome.category_id = spec.category_id
            outcome.tag_ids.update(spec.tag_ids)
            if spec.set_notes:
                outcome.notes = spec.set_notes
                row = (row[0], row[1], spec.set_notes.lower(), *row[3:])
            if spec.rename_payee:
                outcome.payee = spec.rename_payee
                row = (spec.rename_payee.lower(), *row[1:])
            if spec.stop:
                break
            if spec.rename_payee or spec.set_notes:
                # Later rules see the renamed payee / new notes: find their candidates again.
                last = candidates[position - 1]
                candidates = [c for c in self._candidates(row) if c > last]
                position = 0
        return outcome
