"""Budgets: the list with status, one budget with its history, create/edit/archive, the
starting set, copy last month's, and the alert settings."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from budgets import selectors
from budgets.forms import BudgetForm, BudgetSettingsForm
from budgets.models import Budget, Period
from budgets.periods import user_calendar
from budgets.services.budgets import (
    budget_archive,
    budget_create,
    budget_settings_get,
    budget_settings_update,
    budget_update,
    budgets_copy_last_month,
    budgets_suggest_create,
)
from budgets.views import add_service_errors
from ledger.filters import TransactionFilterSet
from ledger.forms import plain_amount
from ledger.models import Transaction, TransactionSplit

SAFE = ["GET", "HEAD"]
LATEST = 10  # this period's transactions shown on a budget's page
FORM = ["GET", "HEAD", "POST"]


def _totals(statuses: list[selectors.BudgetStatus]) -> list[dict]:
    """Per currency and period: limit, spent, remaining of the category budgets."""
    rows: dict[tuple[str, str], dict] = {}
    for status in statuses:
        if status.budget.category_id is None:
            continue
        row = rows.setdefault(
            (status.currency, status.budget.period),
            {"currency": status.currency, "period": status.budget.period_label,
             "limit": 0, "spent": 0, "remaining": 0},
        )  # fmt: skip
        row["limit"] += status.available
        row["spent"] += status.spent
        row["remaining"] += status.remaining
    # A fixed order (currency, then monthly before weekly): the budgets below are sorted by
    # health, which changes from one load to the next.
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], k[1] != Period.MONTH))]


@login_required
@require_http_methods(SAFE)
def budget_list(request: HttpRequest) -> HttpResponse:
    everything = list(Budget.objects.for_user(request.user).select_related("category"))
    active = [b for b in everything if not b.is_archived]
    statuses = selectors.budget_statuses(user=request.user, budgets=active)
    order = {"over": 0, "at-risk": 1, "on-track": 2}
    statuses.sort(
        key=lambda s: (s.budget.category_id is not None, order[s.health], s.budget.name.lower())
    )
    return render(
        request,
        "budgets/budget_list.html",
        {
            "statuses": statuses,
            "archived": [b for b in everything if b.is_archived],
            "totals": _totals(statuses),
        },
    )


@login_required
@require_http_methods(SAFE)
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(
        Budget.objects.for_user(request.user).select_related("category"), pk=pk
    )
    cal = user_calendar(request.user)
    status = selectors.budget_status(user=request.user, budget=budget, cal=cal)
    history = selectors.budget_history(user=request.user, budget=budget, cal=cal)
    chart = selectors.history_chart(history, period=budget.period, currency=budget.currency)
    # The same filter as the "Transactions" link, so both show the same rows.
    rows = (
        TransactionFilterSet(
            QueryDict(urlencode(status.transaction_query)),
            queryset=Transaction.objects.for_user(request.user).select_related(
                "account", "category"
            ),
            request=request,
        )
        .qs.filter(account__currency=budget.currency)
        .annotate(has_parts=Exists(TransactionSplit.objects.filter(transaction=OuterRef("pk"))))
        .order_by("-date", "-id")
    )
    latest = list(rows[:LATEST])
    return render(
        request,
        "budgets/budget_detail.html",
        {
            "budget": budget,
            "status": status,
            "history": history[::-1],
            "chart": chart,
            "transactions": latest,
            "transactions_count": len(latest) if len(latest) < LATEST else rows.count(),
        },
    )


@login_required
@require_http_methods(FORM)
def budget_create_view(request: HttpRequest) -> HttpResponse:
    initial = {"currency": getattr(getattr(request.user, "profile", None), "base_currency", "USD")}
    form = BudgetForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            budget = budget_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Budget for {budget.name.lower() if not budget.category_id else budget.name} created.",
            )
            return redirect("budgets:budget-list")
    return render(request, "budgets/budget_form.html", {"form": form, "budget": None})


@login_required
@require_http_methods(FORM)
def budget_edit(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(
        Budget.objects.for_user(request.user).select_related("category"), pk=pk
    )
    initial = {
        "category": budget.category,
        "period": budget.period,
        "amount": plain_amount(budget.amount, budget.currency),
        "currency": budget.currency,
        "rollover": budget.rollover,
    }
    form = BudgetForm(
        request.POST or None,
        user=request.user,
        category=budget.category,
        initial=initial,
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            budget_update(user=request.user, budget=budget, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Budget saved.")
            return redirect("budgets:budget-detail", pk=budget.pk)
    return render(request, "budgets/budget_form.html", {"form": form, "budget": budget})


@login_required
@require_POST
def budget_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(
        Budget.objects.for_user(request.user).select_related("category"), pk=pk
    )
    archived = request.POST.get("archive", "1") != "0"
    try:
        budget_archive(user=request.user, budget=budget, archived=archived)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        word = "archived" if archived else "restored"
        messages.success(request, f"Budget “{budget.name}” {word}.")
    return redirect("budgets:budget-list")


@login_required
@require_POST
def budget_suggest(request: HttpRequest) -> HttpResponse:
    created = budgets_suggest_create(user=request.user)
    if created:
        messages.success(
            request,
            f"{len(created)} budgets created from your average spending of the last three "
            "months. Adjust any limit that does not fit.",
        )
    else:
        messages.info(
            request,
            "No new budgets: every category you spent in over the last three months has one "
            "already, or there was no spending to go by.",
        )
    return redirect("budgets:budget-list")


@login_required
@require_POST
def budget_copy_last_month(request: HttpRequest) -> HttpResponse:
    created = budgets_copy_last_month(user=request.user)
    if created:
        messages.success(request, f"{len(created)} budgets created at last month's spending.")
    else:
        messages.info(
            request,
            "Your budgets carry on into each new month by themselves; every category you spent "
            "in last month already has one.",
        )
    return redirect("budgets:budget-list")


@login_required
@require_http_methods(FORM)
def budget_settings_view(request: HttpRequest) -> HttpResponse:
    current = budget_settings_get(user=request.user)
    initial = {
        "thresholds": ", ".join(str(t) for t in current.thresholds),
        "email_alerts": current.email_alerts,
    }
    form = BudgetSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            budget_settings_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Alert settings saved.")
            return redirect("budgets:budget-list")
    return render(request, "budgets/settings.html", {"form": form})
