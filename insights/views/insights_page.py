"""The Insights page: statistics-based insights, and the AI monthly summary when configured."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from insights.llm import llm_status
from insights.periods import current_pay_month, parse_month, shift
from insights.stats import insights_for
from insights.summaries import MonthlySummary
from insights.summary import summary_request

SECTIONS = [
    ("This month so far", {"top-category", "top-payee"}),
    ("What changed", {"change", "savings-trend"}),
    ("Worth a look", {"unusual", "new-subscription", "price-rise"}),
]


def _closed_month(user):
    current, _, _ = current_pay_month(user)
    return shift(current, -1)


@login_required
@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    month = _closed_month(request.user)
    summary = MonthlySummary.objects.for_user(request.user).filter(month=month).first()
    found = insights_for(user=request.user)
    sections = [
        (title, [i for i in found if i.kind in kinds])
        for title, kinds in SECTIONS
        if any(i.kind in kinds for i in found)
    ]
    return render(
        request,
        "insights/insights.html",
        {
            "sections": sections,
            "summary": summary,
            "summary_month": month,
            "llm": llm_status(),
        },
    )


@login_required
@require_POST
def summary_regenerate(request: HttpRequest) -> HttpResponse:
    status = llm_status()
    if not status["enabled"]:
        messages.error(request, "AI summaries are off. " + status["how_to_enable"])
        return redirect("insights:insights")
    _, _, payday = current_pay_month(request.user)
    month = parse_month(request.POST.get("month"), payday) or _closed_month(request.user)
    summary_request(user=request.user, month=month)
    messages.info(request, f"Writing the summary of {month:%B %Y}; it appears here in a moment.")
    return redirect("insights:insights")


@login_required
@require_GET
def summary_status(request: HttpRequest) -> JsonResponse:
    month = _closed_month(request.user)
    summary = MonthlySummary.objects.for_user(request.user).filter(month=month).first()
    return JsonResponse({"status": summary.status if summary else "none"})
