"""Finding rows already in the ledger, in one query per chunk, never one per row.

- Exact duplicates: the same external id (OFX FITID) or the same fingerprint in the account;
  both are unique per account, so the lookup is an index probe per chunk.
- Possible duplicates: an existing transaction in the same account with the same amount,
  a date within 3 days and a similar payee (e.g. one typed by hand). Rows imported earlier
  from the same kind of file are left out: their fingerprints already tell them apart.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from ledger.models import ImportBatch, Transaction

_TABLE = Transaction._meta.db_table


def _raw(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


POSSIBLE_DUPLICATE_DAYS = 3
# A chunk whose dates (plus the margin) fit in this many days is matched with one range scan.
WINDOW_DAYS = 120
_COLUMNS = (
    "id",
    "date",
    "amount",
    "payee",
    "description",
    "fingerprint",
    "external_id",
    "import_batch_id",
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Words that banks add around a payee and that say nothing about who was paid.
_NOISE = frozenset(
    [
        "pos",
        "debit",
        "credit",
        "card",
        "purchase",
        "payment",
        "paid",
        "to",
        "from",
        "the",
        "and",
        "ach",
        "visa",
        "mastercard",
        "transfer",
        "trf",
        "sepa",
        "online",
        "contactless",
        "direct",
        "dd",
        "so",
        "ref",
        "inc",
        "ltd",
        "llc",
        "co",
        "gmbh",
        "sa",
        "bv",
        "www",
        "com",
        "uk",
        "us",
    ]
)


def payee_tokens(*texts: str) -> frozenset[str]:
    """Lower-cased words of at least two letters, without digits-only words and bank noise."""
    tokens = set()
    for text in texts:
        for token in _TOKEN.findall((text or "").casefold()):
            if len(token) < 2 or token.isdigit() or token in _NOISE:
                continue
            tokens.add(token)
    return frozenset(tokens)


def _token_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and long.startswith(short)


def payee_similarity(left: frozenset[str], right: frozenset[str]) -> float:
    """Share of the smaller token set found (exactly or as a prefix) in the other, 0..1."""
    if not left or not right:
        return 0.0
    small, big = (left, right) if len(left) <= len(right) else (right, left)
    hits = sum(1 for token in small if any(_token_match(token, other) for other in big))
    return hits / len(small)


def payees_similar(left: frozenset[str], right: frozenset[str], *, same_day: bool) -> bool:
    if not left or not right:
        # A hand-typed row without a payee: only the same day and amount make it suspect.
        return same_day
    return payee_similarity(left, right) >= 0.5


def existing_keys(
    *, account_id: int, fingerprints: Iterable[str], external_ids: Iterable[str]
) -> tuple[set[str], set[str]]:
    """Which of these fingerprints and external ids the account already has (one query)."""
    fingerprints = list(fingerprints)
    external_ids = list(external_ids)
    if not fingerprints and not external_ids:
        return set(), set()
    if connection.vendor == "postgresql":
        # One array parameter each instead of thousands of placeholders; both columns
        # have a unique (account, ...) index.
        rows = _raw(
            f"SELECT fingerprint, external_id FROM {_TABLE} WHERE account_id = %s "
            "AND (fingerprint = ANY(%s) OR external_id = ANY(%s))",
            [account_id, fingerprints, external_ids],
        )
        return {fp for fp, _ in rows if fp}, {ext for _, ext in rows if ext}
    query = Q()
    if fingerprints:
        query |= Q(fingerprint__in=fingerprints)
    if external_ids:
        query |= Q(external_id__in=external_ids)
    found_fps: set[str] = set()
    found_ext: set[str] = set()
    rows = Transaction.objects.filter(query, account_id=account_id).values_list(
        "fingerprint", "external_id"
    )
    for fp, ext in rows:
        if fp:
            found_fps.add(fp)
        if ext:
            found_ext.add(ext)
    return found_fps, found_ext


@dataclass(slots=True)
class Candidate:
    id: int
    date: datetime.date
    amount: Decimal
    payee: str
    description: str
    fingerprint: str | None
    external_id: str | None
    _tokens: frozenset[str] | None = None

    @property
    def tokens(self) -> frozenset[str]:
        # Only rows that pass the amount and date tests are compared by payee.
        if self._tokens is None:
            self._tokens = payee_tokens(self.payee, self.description)
        return self._tokens


class PossibleDuplicateFinder:
    """Per account and chunk: fetch candidates once, then match rows in Python."""

    def __init__(self, *, layout_key: str) -> None:
        self.layout_key = layout_key
        self.claimed: set[int] = set()  # an existing row answers for one file row at most
        self._batch_layouts: dict[int, str] = {}

    def _same_layout_batches(self, batch_ids: set[int]) -> set[int]:
        unknown = batch_ids - self._batch_layouts.keys()
        if unknown:
            for pk, meta in ImportBatch.objects.filter(pk__in=unknown).values_list("pk", "meta"):
                self._batch_layouts[pk] = (meta or {}).get("layout_key", "")
            for pk in unknown - self._batch_layouts.keys():
                self._batch_layouts[pk] = ""
        return {pk for pk in batch_ids if self._batch_layouts.get(pk) == self.layout_key}

    def lookup(
        self,
        *,
        account_id: int,
        fingerprints: list[str],
        external_ids: list[str],
        dates: list[datetime.date],
    ) -> tuple[set[str], set[str], list[tuple]]:
        """Existing fingerprints and external ids among these, and the rows that could be
        possible duplicates (dates within reach), for one chunk of one account.

        A chunk of a date-ordered file spans a few weeks: one range scan of the account's
        date index fetches every row it needs, matched in Python with sets. A chunk that
        spans too long (an unsorted file) probes the unique indexes instead.
        """
        span = datetime.timedelta(days=POSSIBLE_DUPLICATE_DAYS)
        start, end = min(dates) - span, max(dates) + span
        if (end - start).days <= WINDOW_DAYS:
            rows = list(
                Transaction.objects.filter(
                    account_id=account_id, date__gte=start, date__lte=end
                ).values_list(*_COLUMNS)
            )
            wanted_fps, wanted_ext = set(fingerprints), set(external_ids)
            found_fps = {r[5] for r in rows if r[5] in wanted_fps}
            found_ext = {r[6] for r in rows if r[6] in wanted_ext}
            missing_ext = wanted_ext - found_ext
            if missing_ext:  # a bank may re-date a transaction: its id is still its id
                found_ext |= existing_keys(
                    account_id=account_id, fingerprints=(), external_ids=missing_ext
                )[1]
            return found_fps, found_ext, rows
        found_fps, found_ext = existing_keys(
            account_id=account_id, fingerprints=fingerprints, external_ids=external_ids
        )
        return found_fps, found_ext, None  # type: ignore[return-value]

    def candidates(
        self,
        *,
        account_id: int,
        dates: list[datetime.date],
        amounts: set[Decimal],
        rows: list[tuple] | None = None,
        taken: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> dict[Decimal, list[Candidate]]:
        """Existing rows with one of these amounts near these dates, by amount. ``rows``
        are the chunk's window rows when ``lookup`` fetched them; ``taken`` are keys
        (fingerprints, external ids) this file matched exactly, so not candidates."""
        if not dates or not amounts:
            return {}
        if rows is None:
            span = datetime.timedelta(days=POSSIBLE_DUPLICATE_DAYS)
            query = Transaction.objects.filter(
                account_id=account_id, date__gte=min(dates) - span, date__lte=max(dates) + span
            )
            if connection.vendor == "postgresql":
                # A hash semi-join on the amounts, not a 2,000-item list compared per row.
                query = query.filter(
                    amount__in=RawSQL("SELECT unnest(%s::numeric[])", [list(amounts)])
                )
            else:
                query = query.filter(amount__in=list(amounts))
            rows = list(query.values_list(*_COLUMNS))
        rows = [
            r
            for r in rows
            if r[2] in amounts
            and r[0] not in self.claimed
            and r[5] not in taken
            and not (r[6] and r[6] in taken)
        ]
        skip_batches = self._same_layout_batches({r[7] for r in rows if r[7]})
        by_amount: dict[Decimal, list[Candidate]] = defaultdict(list)
        for pk, date, amount, payee, description, fp, ext, batch_id in rows:
            if batch_id in skip_batches:
                continue
            by_amount[amount].append(Candidate(pk, date, amount, payee, description, fp, ext))
        return by_amount

    def match(
        self,
        by_amount: dict[Decimal, list[Candidate]],
        *,
        date: datetime.date,
        amount: Decimal,
        tokens: Callable[[], frozenset[str]],
        external_id: str | None,
    ) -> Candidate | None:
        """The closest existing row that may be this one; ``tokens`` gives the file row's
        payee words (called only when an amount and a date already match)."""
        best: Candidate | None = None
        best_days = POSSIBLE_DUPLICATE_DAYS + 1
        for candidate in by_amount.get(amount, ()):
            if candidate.id in self.claimed:
                continue
            if external_id and candidate.external_id:
                continue  # two different bank ids are two different transactions
            days = abs((candidate.date - date).days)
            if days > POSSIBLE_DUPLICATE_DAYS or days >= best_days:
                continue
            if payees_similar(tokens(), candidate.tokens, same_day=days == 0):
                best, best_days = candidate, days
        if best is not None:
            self.claimed.add(best.id)
        return best
