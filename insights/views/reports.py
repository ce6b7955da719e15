"""Reports: a period grouped and compared, a yearly matrix, CSV export, printable."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insights import reports
from insights.periods import current_pay_month
from ledger.money import quantize
from ledger.services.data import csv_safe


def _params(request: HttpRequest) -> dict:
    return {
        "period": request.GET.get("period") or "month",
        "group": request.GET.get("group") or "category",
        "month": request.GET.get("month", ""),
        "start": request.GET.get("start", ""),
        "end": request.GET.get("end", ""),
    }


def _build(request: HttpRequest, params: dict):
    _, today, payday = current_pay_month(request.user)
    period = reports.period_for(
        params["period"],
        today=today,
        payday=payday,
        start=params["start"],
        end=params["end"],
        anchor=params["month"],
    )
    now = reports.report_build(user=request.user, period=period, group=params["group"])
    previous = reports.report_build(
        user=request.user, period=period.previous(), group=params["group"]
    )
    year_before = reports.report_build(
        user=request.user, period=period.year_before(), group=params["group"]
    )
    return period, now, reports.compare(now, previous, year_before)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    params = _params(request)
    try:
        period, totals, compared = _build(request, params)
    except reports.ReportError as error:
        return render(
            request,
            "insights/reports.html",
            {
                "error": str(error),
                "params": params,
                "groups": reports.GROUPS,
                "periods": reports.PERIODS,
            },
            status=400,
        )
    if request.GET.get("format") == "csv":
        return _csv(period, params["group"], totals, compared)
    charts = {
        currency: {
            "labels": [c.line.label for c in lines if c.line.spending > 0][:10],
            "values": [str(c.line.spending) for c in lines if c.line.spending > 0][:10],
            "currency": currency,
        }
        for currency, lines in compared.items()
    }
    base, rates = reports.user_rates(request.user)
    return render(
        request,
        "insights/reports.html",
        {
            "base": base,
            "converted": reports.convert_totals(totals, base=base, rates=rates),
            "missing_rates": sorted(c for c in totals if c != base and c not in rates),
            "params": params,
            # The month the form shows: the one the report covers when none was picked.
            "month_value": params["month"]
            or ("" if params["period"] == "custom" else f"{period.start:%Y-%m}"),
            "period": period,
            "previous": period.previous(),
            "year_before": period.year_before(),
            "groups": reports.GROUPS,
            "periods": reports.PERIODS,
            "totals": totals,
            "compared": compared,
            "charts": charts,
            "query": request.GET.urlencode(),
        },
    )


def _csv(period, group: str, totals, compared) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"billfold-report-{period.start:%Y-%m-%d}-{period.last_day:%Y-%m-%d}-{group}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            reports.GROUPS[group],
            "Currency",
            "Spending",
            "Income",
            "Net",
            "Previous period",
            "Same period last year",
        ]
    )
    for currency, lines in compared.items():
        for c in lines:
            amounts = [c.line.spending, c.line.income, c.line.net, c.previous, c.year_before]
            writer.writerow(
                [csv_safe(c.line.label), currency]
                + [csv_safe(_amount(value, currency), numeric=True) for value in amounts]
            )
    return response


def _amount(value, currency: str) -> str:
    return "" if value is None else str(quantize(value, currency))


@login_required
@require_GET
def year(request: HttpRequest) -> HttpResponse:
    _, today, _ = current_pay_month(request.user)
    try:
        chosen = int(request.GET.get("year") or today.year)
        if not 1900 <= chosen <= 2200:
            raise ValueError
    except ValueError:
        chosen = today.year
    matrices = reports.year_matrix(user=request.user, year=chosen)
    return render(
        request,
        "insights/report_year.html",
        {
            "year": chosen,
            "previous_year": chosen - 1,
            "next_year": chosen + 1 if chosen < today.year else None,
            "matrices": matrices,
        },
    )
