"""Recurring bills: the list with detected subscriptions, create/edit/stop, the next 30 days."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from budgets.detection import subscriptions_detect
from budgets.forms import RecurringForm, signed
from budgets.models import RecurringItem
from budgets.selectors import expected_between
from budgets.services.recurring import (
    recurring_create,
    recurring_stop,
    recurring_update,
    subscription_track,
)
from budgets.views import add_service_errors
from ledger.filters import user_today
from ledger.forms import plain_amount
from ledger.models import Account

UPCOMING_DAYS = 30


def _account_names(user) -> dict[int, str]:
    return dict(Account.objects.for_user(user).values_list("id", "name"))


@login_required
@require_http_methods(["GET", "HEAD"])
def recurring_list(request: HttpRequest) -> HttpResponse:
    items = list(RecurringItem.objects.for_user(request.user).select_related("account", "category"))
    detected = subscriptions_detect(user=request.user)
    if detected:
        names = _account_names(request.user)
        for series in detected:
            series.account_name = names.get(series.account_id, "")
    yearly: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        if item.is_active and item.amount < 0:
            yearly[item.account.currency] += item.yearly_cost
    return render(
        request,
        "budgets/recurring_list.html",
        {
            "items": [i for i in items if i.is_active],
            "stopped": [i for i in items if not i.is_active],
            "detected": detected,
            "yearly": dict(yearly),
        },
    )


def _item_fields(data: dict) -> dict:
    fields = dict(data)
    direction = fields.pop("direction")
    fields["amount"] = signed(fields["amount"], direction)
    return fields


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def recurring_create_view(request: HttpRequest) -> HttpResponse:
    today, _ = user_today(request.user)
    form = RecurringForm(request.POST or None, user=request.user, initial={"start_date": today})
    if request.method == "POST" and form.is_valid():
        try:
            item = recurring_create(user=request.user, **_item_fields(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{item.payee}” added to your recurring bills.")
            return redirect("budgets:recurring-list")
    return render(request, "budgets/recurring_form.html", {"form": form, "item": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def recurring_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        RecurringItem.objects.for_user(request.user).select_related("account", "category"), pk=pk
    )
    initial = {
        "payee": item.payee,
        "direction": "expense" if item.amount < 0 else "income",
        "amount": plain_amount(abs(item.amount), item.account.currency),
        "is_approximate": item.is_approximate,
        "account": item.account,
        "category": item.category,
        "frequency": item.frequency,
        "day_of_month": item.day_of_month,
        "last_day": item.last_day,
        "start_date": item.start_date,
        "end_date": item.end_date,
        "auto_post": item.auto_post,
    }
    form = RecurringForm(request.POST or None, user=request.user, item=item, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recurring_update(user=request.user, item=item, **_item_fields(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Recurring bill saved.")
            return redirect("budgets:recurring-list")
    return render(request, "budgets/recurring_form.html", {"form": form, "item": item})


@login_required
@require_POST
def recurring_stop_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(RecurringItem.objects.for_user(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    recurring_stop(user=request.user, item=item, active=active)
    messages.success(request, f"“{item.payee}” {'resumed' if active else 'stopped'}.")
    return redirect("budgets:recurring-list")


@login_required
@require_http_methods(["GET", "HEAD"])
def recurring_upcoming(request: HttpRequest) -> HttpResponse:
    today, _ = user_today(request.user)
    until = today + datetime.timedelta(days=UPCOMING_DAYS)
    expected = expected_between(user=request.user, since=today, until=until)
    return render(
        request,
        "budgets/upcoming.html",
        {"expected": expected, "totals": _upcoming_totals(expected), "today": today,
         "until": until},
    )  # fmt: skip


def _upcoming_totals(expected: list) -> list[dict]:
    """Per currency: the bills due (money out, as a positive total) and how many of them
    have been seen already, and the income expected. Bills and income are never netted."""
    rows: dict[str, dict] = {}
    for row in expected:
        total = rows.setdefault(
            row.currency,
            {"currency": row.currency, "bills": Decimal("0"), "count": 0, "seen": 0,
             "income": Decimal("0")},
        )  # fmt: skip
        if row.amount < 0:
            total["bills"] -= row.amount
            total["count"] += 1
            total["seen"] += row.seen
        else:
            total["income"] += row.amount
    return list(rows.values())


@login_required
@require_POST
def subscription_track_view(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    series = next((s for s in subscriptions_detect(user=request.user) if s.token == token), None)
    if series is None:
        raise Http404("No such subscription")
    item = subscription_track(user=request.user, series=series)
    messages.success(
        request, f"Tracking “{item.payee}”: it is expected next on {series.next_date:%d %b %Y}."
    )
    return redirect("budgets:recurring-list")
