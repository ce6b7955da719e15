"""API: the dashboard's month summary, reports, and insights (statistical and AI)."""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, throttle_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.throttles import LlmRateThrottle, WritesRateThrottle
from insights import charts, reports
from insights.llm import llm_status
from insights.periods import current_pay_month, next_month, parse_month, shift
from insights.selectors import display_currency, month_aggregates, month_payees
from insights.stats import insights_for
from insights.summaries import MonthlySummary
from insights.summary import summary_request
from ledger.currencies import CURRENCIES
from ledger.models import Category
from ledger.money import quantize


def _amount(value, currency: str) -> str:
    return str(quantize(value, currency))


def _bad(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "month", OpenApiTypes.STR, description="YYYY-MM (the pay month); default: now"
        ),
        OpenApiParameter(
            "currency", OpenApiTypes.STR, description="ISO 4217; default: base currency"
        ),
    ],
    responses={200: OpenApiTypes.OBJECT},
    summary="The dashboard of one month: tiles and chart series",
)
@api_view(["GET"])
def insights_summary(request: Request) -> Response:
    user = request.user
    current, today, payday = current_pay_month(user)
    raw = request.query_params.get("month")
    start = parse_month(raw, payday) if raw else current
    if start is None:
        return _bad("month must look like 2026-11.")
    starts = [shift(start, -i) for i in range(12)]
    aggregates = month_aggregates(user_id=user.pk, starts=starts)
    currencies = sorted({c for a in aggregates.values() for c in a.currencies})
    currency = request.query_params.get("currency") or display_currency(user, currencies)
    if currency not in CURRENCIES:
        return _bad("currency must be an ISO 4217 code such as USD.")
    this, previous = aggregates[start].currency(currency), aggregates[starts[1]].currency(currency)
    categories = {
        c.pk: charts.CategoryInfo(c.name, c.color, c.parent_id)
        for c in Category.objects.for_user(user)
    }
    end = next_month(start)
    by_category = charts.spending_by_category(this, categories)
    by_category["links"] = charts.category_links(by_category["ids"], start=start, end=end)
    tiles = charts.tiles(this, previous, [aggregates[s].currency(currency) for s in starts[1:7]])
    return Response(
        {
            "month": f"{start:%Y-%m}",
            "start": start,
            "end": end - datetime.timedelta(days=1),
            "currency": currency,
            "currencies": currencies,
            "tiles": [
                {
                    "label": t.label,
                    "value": None if t.value is None else str(t.value),
                    # percent: of the earlier value; amount: money; points: percentage points
                    "change_unit": t.unit,
                    "vs_previous": None if t.vs_previous is None else str(t.vs_previous),
                    "vs_average": None if t.vs_average is None else str(t.vs_average),
                }
                for t in tiles
            ],
            "charts": {
                "categories": by_category,
                "months": charts.income_vs_expenses(
                    [(f"{s:%Y-%m}", aggregates[s].currency(currency)) for s in reversed(starts)]
                ),
                "cumulative": charts.cumulative_spending(
                    this_month=this,
                    this_start=start,
                    last_month=previous,
                    last_start=starts[1],
                    today=today if start == current else end - datetime.timedelta(days=1),
                ),
                "payees": charts.top_payees(
                    month_payees(user_id=user.pk, start=start).get(currency, [])
                ),
            },
        }
    )


@extend_schema(
    parameters=[
        OpenApiParameter("period", OpenApiTypes.STR, enum=list(reports.PERIODS)),
        OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM for month/quarter/year"),
        OpenApiParameter("start", OpenApiTypes.DATE, description="custom range start"),
        OpenApiParameter("end", OpenApiTypes.DATE, description="custom range end (inclusive)"),
        OpenApiParameter("group", OpenApiTypes.STR, enum=list(reports.GROUPS)),
    ],
    responses={200: OpenApiTypes.OBJECT},
    summary="A report of any period, grouped, compared with the previous period and last year",
)
@api_view(["GET"])
def report(request: Request) -> Response:
    _, today, payday = current_pay_month(request.user)
    q = request.query_params
    group = q.get("group", "category")
    try:
        period = reports.period_for(
            q.get("period", "month"),
            today=today,
            payday=payday,
            start=q.get("start", ""),
            end=q.get("end", ""),
            anchor=q.get("month", ""),
        )
        now = reports.report_build(user=request.user, period=period, group=group)
        previous = reports.report_build(user=request.user, period=period.previous(), group=group)
        year_before = reports.report_build(
            user=request.user, period=period.year_before(), group=group
        )
    except reports.ReportError as error:
        return _bad(str(error))
    compared = reports.compare(now, previous, year_before)
    base, rates = reports.user_rates(request.user)
    converted = reports.convert_totals(now, base=base, rates=rates)
    return Response(
        {
            "start": period.start,
            "end": period.last_day,
            "group": group,
            "previous": {"start": period.previous().start, "end": period.previous().last_day},
            "year_before": {
                "start": period.year_before().start,
                "end": period.year_before().last_day,
            },
            "currencies": {
                currency: {
                    "spending": _amount(now[currency].spending, currency),
                    "income": _amount(now[currency].income, currency),
                    "lines": [
                        {
                            "key": c.line.key,
                            "label": c.line.label,
                            "spending": _amount(c.line.spending, currency),
                            "income": _amount(c.line.income, currency),
                            "previous": _amount(c.previous, currency),
                            "year_before": _amount(c.year_before, currency),
                        }
                        for c in lines
                    ],
                }
                for currency, lines in compared.items()
            },
            # All currencies in the base one, only with the user's own rates (else null).
            "converted": None
            if converted is None
            else {
                "currency": base,
                "spending": _amount(converted.spending, base),
                "income": _amount(converted.income, base),
                "rates": {code: str(rate) for code, rate in converted.rates.items()},
            },
        }
    )


def _summary_json(summary: MonthlySummary | None) -> dict | None:
    if summary is None:
        return None
    return {
        "month": f"{summary.month:%Y-%m}",
        "status": summary.status,
        "content": summary.content,
        "error": summary.error,
        "model": summary.model_name,
        "updated_at": summary.updated_at,
    }


@extend_schema(
    responses={200: OpenApiTypes.OBJECT}, summary="Statistical insights and the AI summary"
)
@api_view(["GET"])
def insights_list(request: Request) -> Response:
    current, _, _ = current_pay_month(request.user)
    month = shift(current, -1)
    summary = MonthlySummary.objects.for_user(request.user).filter(month=month).first()
    return Response(
        {
            "insights": [
                {
                    "kind": i.kind,
                    "title": i.title,
                    "detail": i.detail,
                    "link": i.link,
                    "amount": None if i.amount is None else str(i.amount),
                    "currency": i.currency,
                    "tone": i.tone,
                }
                for i in insights_for(user=request.user)
            ],
            "ai": {"status": llm_status()["enabled"], "summary": _summary_json(summary)},
        }
    )


@extend_schema(
    request=None,
    parameters=[
        OpenApiParameter(
            "month", OpenApiTypes.STR, description="YYYY-MM; default: last closed month"
        )
    ],
    responses={202: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    summary="Write (again) the AI summary of a month, in the background",
)
@api_view(["POST"])
@throttle_classes([WritesRateThrottle, LlmRateThrottle])
def summary_regenerate(request: Request) -> Response:
    status_info = llm_status()
    if not status_info["enabled"]:
        return _bad("AI summaries are off. " + status_info["how_to_enable"])
    current, _, payday = current_pay_month(request.user)
    raw = request.query_params.get("month") or request.data.get("month")
    month = parse_month(raw, payday) if raw else shift(current, -1)
    if month is None:
        return _bad("month must look like 2026-11.")
    summary = summary_request(user=request.user, month=month)
    return Response(_summary_json(summary), status=status.HTTP_202_ACCEPTED)
