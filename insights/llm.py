"""LLM categorization through any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp).

Off unless OPENAI_MODEL and OPENAI_API_KEY or OPENAI_BASE_URL are set. Runs only inside
django-q2 tasks (insights.tasks.classify_with_llm), never in a request.

Only payee, description, amount, date and account type leave the machine: never account
numbers (long digit runs in the text are masked too), notes, or anything about the user.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction as db_transaction
from django.db.models import F
from django.utils import timezone

from insights.categorize import suggestions_save
from insights.classifier import threshold
from insights.models import LlmRun, LlmUsage, Suggestion
from ledger.models import Category, Transaction
from ledger.models.transactions import CategorizedBy
from ledger.services.rules import touch_transactions

if TYPE_CHECKING:  # importing openai takes seconds: only where a request is really made
    import openai

log = logging.getLogger(__name__)
BATCH_SIZE = 50
_LONG_DIGITS = re.compile(r"\d{6,}")
HOW_TO_ENABLE = (
    "Set OPENAI_MODEL and OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL (for a local "
    "server such as Ollama at http://localhost:11434/v1/) in the environment and restart."
)

RESPONSE_SCHEMA = {
    "type": "object",
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "ref": {"type": "string"},
                    "category": {"type": ["string", "null"]},
                    "confidence": {"type": "number"},
                },
                "required": ["ref", "category", "confidence"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["results"],
    "additionalProperties": False,
}
SYSTEM_PROMPT = (
    "You sort personal bank transactions into categories. For each transaction choose exactly "
    "one category from the list the user gives, copied exactly, or null when none fits. "
    "Negative amounts are money out, positive amounts money in. Give your confidence from 0 "
    "to 1. Answer only with JSON that follows the schema."
)


class LlmError(Exception):
    """The server's answer could not be used (the run is recorded as failed)."""


def llm_enabled() -> bool:
    return bool(settings.OPENAI_MODEL and (settings.OPENAI_API_KEY or settings.OPENAI_BASE_URL))


def llm_status() -> dict:
    """For pages: whether it is on, with which model, and how to turn it on."""
    return {
        "enabled": llm_enabled(),
        "model": settings.OPENAI_MODEL,
        "how_to_enable": HOW_TO_ENABLE,
        "daily_cap": settings.LLM_DAILY_REQUEST_CAP,
    }


def llm_activity(*, user) -> dict:
    """For the review page: today's requests against the cap, and the last run's trouble.

    `trouble` is the newest run when it failed, hit the cap or threw answers out: a failure
    stays on show until a later request goes through cleanly."""
    # The day the worker counts requests on (settings.TIME_ZONE), not the page's time zone.
    day = timezone.localdate(timezone=timezone.get_default_timezone())
    usage = LlmUsage.objects.filter(user=user, day=day).first()
    last = LlmRun.objects.filter(user=user).order_by("-created_at", "-id").first()
    return {
        "requests_today": usage.requests if usage else 0,
        "trouble": last if last is not None and (last.status != "ok" or last.error) else None,
    }


def build_client() -> openai.OpenAI:
    import openai

    # Local servers need no key, but the client refuses to start without one.
    return openai.OpenAI(
        api_key=settings.OPENAI_API_KEY or "not-needed",
        base_url=settings.OPENAI_BASE_URL or None,
        timeout=settings.OPENAI_TIMEOUT,
        max_retries=settings.LLM_MAX_RETRIES,
    )


def _mask(text: str) -> str:
    return _LONG_DIGITS.sub(lambda m: "#" * len(m.group()), text or "")[:200]


def transaction_payload(txn: Transaction, ref: str) -> dict:
    """Everything about one transaction that is sent: nothing else leaves the machine."""
    return {
        "ref": ref,
        "payee": _mask(txn.payee),
        "description": _mask(txn.description),
        "amount": str(txn.amount),
        "date": txn.date.isoformat(),
        "account_type": txn.account.type,
    }


def build_messages(*, categories: Sequence[str], items: list[dict]) -> list[dict]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": json.dumps(
                {"categories": list(categories), "transactions": items}, ensure_ascii=False
            ),
        },
    ]


_JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "number": (int, float),
    "null": type(None),
}


def schema_errors(value: object, schema: dict, where: str = "answer") -> list[str]:
    """Where `value` breaks `schema` (the subset of JSON Schema RESPONSE_SCHEMA uses)."""
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if isinstance(value, bool) or not any(isinstance(value, _JSON_TYPES[k]) for k in kinds):
            return [f"{where} is not {' or '.join(kinds)}"]
    errors: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{where} lacks {k!r}" for k in schema.get("required", ()) if k not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{where} has an unknown {k!r}" for k in value if k not in props]
        for key, sub in props.items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{where}[{i}]")
    return errors


@dataclass
class Answer:
    """The usable answers ([(ref, category or None, confidence)]) and what was thrown out."""

    results: list[tuple[str, str | None, float]]
    invalid: list[str]


def parse_answer(content: str | None, *, refs: set[str]) -> Answer:
    """Validate the model's JSON against RESPONSE_SCHEMA.

    An answer that is not JSON or not an object with a list of results fails as a whole
    (LlmError); a single result that breaks the schema, or is about a transaction we did not
    ask about, is left out and listed in `invalid`.
    """
    try:
        data = json.loads(content or "")
    except json.JSONDecodeError as exc:
        raise LlmError(f"The server's answer was not JSON: {exc}.") from exc
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise LlmError("The server's answer has no list of results.")
    outer = schema_errors({**data, "results": []}, RESPONSE_SCHEMA)
    if outer:
        raise LlmError(f"The server's answer does not follow the schema: {'; '.join(outer)}.")
    item_schema = RESPONSE_SCHEMA["properties"]["results"]["items"]
    answer = Answer(results=[], invalid=[])
    for i, item in enumerate(results):
        problems = schema_errors(item, item_schema, f"results[{i}]")
        if not problems and item["ref"] not in refs:
            problems = [f"results[{i}].ref {item['ref']!r} is not a transaction that was sent"]
        if problems:
            answer.invalid += problems
            continue
        confidence = min(max(float(item["confidence"]), 0.0), 1.0)
        answer.results.append((item["ref"], item["category"], confidence))
    return answer


def _take_request(user, day: datetime.date) -> bool:
    """Count one request against the user's daily cap; False when the cap is reached."""
    with db_transaction.atomic():
        usage, _ = LlmUsage.objects.select_for_update().get_or_create(user=user, day=day)
        if usage.requests >= settings.LLM_DAILY_REQUEST_CAP:
            return False
        usage.requests += 1
        usage.save(update_fields=["requests"])
    return True


@dataclass
class LlmOutcome:
    requests: int = 0
    categorized: int = 0
    suggested: int = 0
    rejected: int = 0
    failed: int = 0
    capped: bool = False


def llm_categorize(
    *, user, transaction_ids: Sequence[int], client: openai.OpenAI | None = None
) -> LlmOutcome:
    """Ask the LLM about the user's still-uncategorized transactions, 50 per request."""
    outcome = LlmOutcome()
    if not llm_enabled():
        return outcome
    import openai

    txns = list(
        Transaction.objects.for_user(user)
        .filter(pk__in=list(transaction_ids), category__isnull=True, transfer__isnull=True)
        .exclude(categorized_by=CategorizedBy.MANUAL)
        .select_related("account")
        .order_by("id")
    )
    categories = list(Category.objects.for_user(user).active())
    if not txns or not categories:
        return outcome
    by_name = {}
    for cat in categories:
        by_name.setdefault(cat.name.lower(), cat)
    names = sorted({c.name for c in categories})
    client = client or build_client()
    model = settings.OPENAI_MODEL
    today = timezone.localdate()
    for start in range(0, len(txns), BATCH_SIZE):
        batch = txns[start : start + BATCH_SIZE]
        if not _take_request(user, today):
            outcome.capped = True
            _record_cap(user=user, model=model, day=today, waiting=len(txns) - start)
            break
        outcome.requests += 1
        refs = {f"t{i}": txn for i, txn in enumerate(batch)}
        items = [transaction_payload(txn, ref) for ref, txn in refs.items()]
        run = LlmRun(user=user, model_name=model, transactions=len(batch), attempts=1)
        try:
            raw = client.chat.completions.with_raw_response.create(
                model=model,
                messages=build_messages(categories=names, items=items),
                response_format={
                    "type": "json_schema",
                    "json_schema": {
                        "name": "categories",
                        "strict": True,
                        "schema": RESPONSE_SCHEMA,
                    },
                },
                temperature=0,
            )
            run.attempts = raw.retries_taken + 1
            completion = raw.parse()
            content = completion.choices[0].message.content if completion.choices else None
            answer = parse_answer(content, refs=set(refs))
        except (openai.OpenAIError, LlmError) as exc:
            if isinstance(exc, openai.APIStatusError | openai.APIConnectionError):
                run.attempts = settings.LLM_MAX_RETRIES + 1
            run.status = LlmRun.Status.FAILED
            run.error = _describe(exc)
            run.save()
            LlmUsage.objects.filter(user=user, day=today).update(failures=F("failures") + 1)
            outcome.failed += 1
            log.warning("LLM categorization failed for user %s: %s", user.pk, run.error)
            continue
        chosen: dict[int, tuple[int, float]] = {}
        unknown: list[str] = []
        for ref, name, confidence in answer.results:
            if name is None:
                continue
            category = by_name.get(name.strip().lower())
            if category is None:
                run.rejected += 1  # not one of the user's categories: never created
                unknown.append(name[:60])
                continue
            chosen[refs[ref].pk] = (category.pk, round(confidence, 4))
        # Recorded, not fatal: the rest of the batch is still usable.
        notes = []
        if answer.invalid:
            notes.append(
                f"{len(answer.invalid)} answer(s) did not follow the schema and were ignored: "
                + "; ".join(answer.invalid[:5])
                + "."
            )
        if unknown:
            notes.append(
                "Categories that are not yours were rejected: "
                + ", ".join(sorted(set(unknown))[:10])
                + "."
            )
        run.error = " ".join(notes)[:1000]
        run.categorized, run.suggested = _save(user=user, chosen=chosen)
        run.status = LlmRun.Status.OK
        run.save()
        outcome.categorized += run.categorized
        outcome.suggested += run.suggested
        outcome.rejected += run.rejected
    return outcome


def _record_cap(*, user, model: str, day: datetime.date, waiting: int) -> None:
    """One "daily limit reached" record per user per day, counting what was left waiting."""
    message = (
        f"The daily limit of {settings.LLM_DAILY_REQUEST_CAP} requests was reached; "
        "the rest waits in the review queue."
    )
    with db_transaction.atomic():
        LlmUsage.objects.select_for_update().filter(user=user, day=day).first()  # serialise
        run = (
            LlmRun.objects.filter(user=user, status=LlmRun.Status.CAPPED, created_at__date=day)
            .order_by("-created_at")
            .first()
        )
        if run is None:
            LlmRun.objects.create(
                user=user,
                status=LlmRun.Status.CAPPED,
                model_name=model,
                transactions=waiting,
                error=message,
            )
        else:
            LlmRun.objects.filter(pk=run.pk).update(transactions=F("transactions") + waiting)


def _save(*, user, chosen: dict[int, tuple[int, float]]) -> tuple[int, int]:
    cutoff = threshold()
    with db_transaction.atomic():
        # Re-read under lock: the user may have categorized some meanwhile.
        rows = list(
            Transaction.objects.for_user(user)
            .select_for_update()
            .filter(pk__in=list(chosen), category__isnull=True)
            .exclude(categorized_by=CategorizedBy.MANUAL)
            .only("id", "user_id", "date", "category_id", "categorized_by", "confidence", "version")
        )
        apply, suggest = [], {}
        for txn in rows:
            category_id, confidence = chosen[txn.pk]
            if confidence >= cutoff:
                txn.category_id = category_id
                txn.categorized_by = CategorizedBy.AI
                txn.confidence = confidence
                apply.append(txn)
            else:
                suggest[txn.pk] = (category_id, confidence)
        # No version bump: automation is not a person's edit (see insights/categorize.py).
        Transaction.objects.bulk_update(apply, ["category", "categorized_by", "confidence"])
        touch_transactions(apply)  # bulk_update sends no signals: refresh the dashboard
        Suggestion.objects.filter(user=user, transaction_id__in=[t.pk for t in apply]).delete()
        suggestions_save(user=user, guesses=suggest, source="ai")
    return len(apply), len(suggest)


def _describe(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"The LLM server did not answer within {settings.OPENAI_TIMEOUT:g} s."
    if isinstance(exc, openai.APIConnectionError):
        return "Could not connect to the LLM server."
    if isinstance(exc, openai.RateLimitError):
        return "The LLM server kept refusing with 'too many requests' (429)."
    if isinstance(exc, openai.APIStatusError):
        return f"The LLM server answered with an error (HTTP {exc.status_code})."
    return str(exc)[:1000]
