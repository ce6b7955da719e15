"""The AI monthly summary: an overview, the top three categories, behaviour, and three
concrete saving tips, written by any OpenAI-compatible server from AGGREGATES ONLY.

The prompt carries category totals, changes against the previous month and detected
subscriptions: never a single transaction, an account number, a note or who the user is.
It runs in django-q2 (insights.tasks.summary_generate), never in a request.
"""

import datetime
import json
import logging
import re
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from insights.periods import next_month, shift
from insights.selectors import UNCATEGORIZED, ZERO, display_currency, month_aggregates
from insights.summaries import MonthlySummary
from ledger.models import Category
from ledger.money import quantize

log = logging.getLogger(__name__)
_LONG_DIGITS = re.compile(r"\d{5,}")  # a reference or account number in a payee name

SCHEMA = {
    "type": "object",
    "properties": {
        "overview": {"type": "string"},
        "top_categories": {"type": "array", "items": {"type": "string"}},
        "behaviour": {"type": "string"},
        "tips": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["overview", "top_categories", "behaviour", "tips"],
    "additionalProperties": False,
}
SYSTEM = (
    "You are a careful personal finance coach. From the monthly figures you are given, write: "
    "a two-sentence spending overview; the three biggest spending categories, each with its "
    "amount; a short analysis of behaviour (what changed and why it matters); and exactly "
    "three concrete, personal saving tips grounded in the figures (name categories and "
    "amounts). Use the currency given. Answer only with JSON that follows the schema."
)


class SummaryError(Exception):
    pass


def summary_payload(*, user, month: datetime.date) -> dict:
    """The only data that leaves the machine: aggregates of one month and the one before."""
    previous = shift(month, -1)
    aggregates = month_aggregates(user_id=user.pk, starts=[month, previous])
    currency = display_currency(user, aggregates[month].currencies)
    now, before = aggregates[month].currency(currency), aggregates[previous].currency(currency)
    names = {c.pk: c.name for c in Category.objects.for_user(user)}

    def label(key) -> str:
        return "Uncategorized" if key == UNCATEGORIZED else names.get(key, "Uncategorized")

    def money(value: Decimal) -> str:
        return str(value.quantize(Decimal("0.01")))

    categories = sorted(now.categories.items(), key=lambda kv: -kv[1])[:12]
    payload = {
        "month": f"{month:%B %Y}",
        "currency": currency,
        "income": money(now.income),
        "spending": money(now.expenses),
        "savings_rate_percent": str(now.savings_rate) if now.savings_rate is not None else None,
        "previous_month": {"income": money(before.income), "spending": money(before.expenses)},
        "categories": [
            {
                "name": label(key),
                "spent": money(spent),
                "previous_month": money(before.categories.get(key, ZERO)),
            }
            for key, spent in categories
            if spent > 0
        ],
        "subscriptions": _subscriptions(user, month),
    }
    return payload


def _subscriptions(user, month: datetime.date) -> list[dict]:
    """The subscriptions running in the month, as totals per payee (never a payment)."""
    from insights.stats import subscriptions_found

    out = []
    for seen in subscriptions_found(user=user, today=next_month(month) - datetime.timedelta(1)):
        series, rise = seen.series, seen.price_rise

        def amount(value: Decimal, currency: str = series.currency) -> str:
            return str(quantize(value, currency))

        out.append(
            {
                "name": _LONG_DIGITS.sub("#", series.payee)[:60],
                "currency": series.currency,
                "amount": amount(abs(series.amount)),
                "frequency": series.frequency,
                "yearly_cost": amount(series.yearly_cost),
                "price_rise": f"from {amount(rise.old)} to {amount(rise.new)}" if rise else None,
            }
        )
    return out[:10]


def summary_request(*, user, month: datetime.date) -> MonthlySummary:
    """Mark the month's summary as being written and queue the job (after commit)."""
    from django_q.tasks import async_task

    summary, _ = MonthlySummary.objects.update_or_create(
        user=user, month=month, defaults={"status": MonthlySummary.Status.PENDING, "error": ""}
    )
    transaction.on_commit(
        lambda: async_task(
            "insights.tasks.summary_generate", user.pk, month.isoformat(), task_name="ai summary"
        )
    )
    return summary


def summary_generate(*, user, month: datetime.date) -> MonthlySummary:
    """Ask the LLM and store its answer (or the reason it failed). Idempotent per month."""
    from django.conf import settings

    from insights.llm import _take_request, build_client, llm_enabled

    summary, _ = MonthlySummary.objects.get_or_create(user=user, month=month)
    if not llm_enabled():
        return _failed(summary, "No LLM is configured (set OPENAI_MODEL and a key or base URL).")
    payload = summary_payload(user=user, month=month)
    if payload["income"] == payload["spending"] == "0.00":
        return _failed(summary, f"There is nothing in {month:%B %Y} to write about yet.")
    if not _take_request(user, timezone.localdate()):
        return _failed(summary, "Today's limit of AI requests is reached; try again tomorrow.")
    try:
        response = build_client().chat.completions.create(
            model=settings.OPENAI_MODEL,
            messages=[
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": json.dumps(payload)},
            ],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "monthly_summary", "strict": True, "schema": SCHEMA},
            },
            temperature=0.2,
        )
        content = _validated(response.choices[0].message.content)
    except SummaryError as exc:
        return _failed(summary, str(exc))
    except Exception as exc:  # the client's timeouts, HTTP errors, connection errors
        log.warning("ai summary failed for user %s: %s", user.pk, exc.__class__.__name__)
        return _failed(
            summary, f"The AI server did not answer usefully ({exc.__class__.__name__})."
        )
    summary.content = content
    summary.status = MonthlySummary.Status.DONE
    summary.error = ""
    summary.model_name = settings.OPENAI_MODEL[:100]
    summary.save()
    return summary


def _validated(raw: str | None) -> dict:
    try:
        data = json.loads(raw or "")
    except ValueError:
        raise SummaryError("The AI answer was not valid JSON.") from None
    if not isinstance(data, dict):
        raise SummaryError("The AI answer was not a JSON object.")
    text = lambda v: isinstance(v, str) and v.strip()  # noqa: E731
    lists = lambda v: isinstance(v, list) and v and all(text(i) for i in v)  # noqa: E731
    if not (text(data.get("overview")) and text(data.get("behaviour"))):
        raise SummaryError("The AI answer missed the overview or the behaviour analysis.")
    if not (lists(data.get("top_categories")) and lists(data.get("tips"))):
        raise SummaryError("The AI answer missed the categories or the tips.")
    return {
        "overview": data["overview"].strip()[:2000],
        "top_categories": [s.strip()[:300] for s in data["top_categories"][:3]],
        "behaviour": data["behaviour"].strip()[:2000],
        "tips": [s.strip()[:500] for s in data["tips"][:3]],
    }


def _failed(summary: MonthlySummary, message: str) -> MonthlySummary:
    summary.status = MonthlySummary.Status.FAILED
    summary.error = message[:500]
    summary.save(update_fields=["status", "error", "updated_at"])
    return summary


def summaries_due(*, today: datetime.date | None = None) -> list[tuple[int, datetime.date]]:
    """(user id, month) of every closed pay month with money in it and no summary yet."""
    from accounts.models import User
    from insights.periods import pay_month_of
    from ledger.models import Transaction

    day = today or timezone.localdate()
    # Only users with activity in the last two months can have a closed month to describe.
    active = Transaction.objects.filter(date__gte=day - datetime.timedelta(days=62)).values(
        "user_id"
    )
    out = []
    for user in User.objects.filter(is_active=True, pk__in=active).select_related("profile"):
        profile = getattr(user, "profile", None)
        payday = getattr(profile, "month_start_day", 1) or 1
        closed = shift(pay_month_of(day, payday), -1)
        if MonthlySummary.objects.filter(user=user, month=closed).exists():
            continue
        in_month = Transaction.objects.for_user(user).filter(
            date__gte=closed, date__lt=next_month(closed), transfer__isnull=True
        )
        if in_month.exists():
            out.append((user.pk, closed))
    return out
