"""The dashboard: the home page after login."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insights import charts
from insights.periods import current_pay_month, next_month, parse_month, shift
from insights.selectors import display_currency, month_aggregates, month_payees
from ledger import changes
from ledger.models import Category, Transaction
from ledger.selectors import accounts_with_balance, net_worth


def _balances(user) -> dict:
    """Account balances and net worth, cached until any of the user's transactions change."""
    key = f"insights:balances:{user.pk}:{changes.user_stamp(user_id=user.pk)}"
    found = cache.get(key)
    if found is None:
        found = {
            "accounts": list(accounts_with_balance(user=user, include_archived=False)),
            "net_worth": net_worth(user=user),
        }
        cache.set(key, found, 3600)
    return found


def _budgets_and_bills(user, today: datetime.date) -> dict:
    """The budgets summary and the bills of the next two weeks, when the budgets app is
    installed (insights reads it if present; nothing else depends on it)."""
    try:
        from budgets.selectors import budget_statuses, expected_between
    except ImportError:  # pragma: no cover - the app is part of Billfold today
        return {}
    statuses = sorted(budget_statuses(user=user), key=lambda s: -s.percent)
    bills = expected_between(user=user, since=today, until=today + datetime.timedelta(days=14))
    return {
        "budgets": statuses[:5],
        "budgets_more": max(0, len(statuses) - 5),
        "bills": [b for b in bills if not b.seen][:6],
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    current_start, today, payday = current_pay_month(user)
    start = parse_month(request.GET.get("month"), payday) or current_start
    latest = list(
        Transaction.objects.for_user(user)
        .select_related("account", "category")
        .order_by("-date", "-id")[:8]
    )
    if not latest:
        return render(request, "insights/dashboard_empty.html", {"title": "Dashboard"})

    starts = [shift(start, -i) for i in range(12)]  # this month and the 11 before
    aggregates = month_aggregates(user_id=user.pk, starts=starts)
    currencies = {code for a in aggregates.values() for code in a.currencies}
    currency = request.GET.get("currency", "")
    if currency not in currencies:  # only the currencies there is money in can be picked
        currency = display_currency(user, currencies)
    this, previous = aggregates[start].currency(currency), aggregates[starts[1]].currency(currency)
    history = [aggregates[s].currency(currency) for s in starts[1:7]]

    categories = {
        c.pk: charts.CategoryInfo(c.name, c.color, c.parent_id)
        for c in Category.objects.for_user(user)
    }
    end = next_month(start)
    by_category = charts.spending_by_category(this, categories)
    by_category["links"] = charts.category_links(by_category["ids"], start=start, end=end)
    context = {
        "title": "Dashboard",
        "month_start": start,
        "month_end": end - datetime.timedelta(days=1),
        "prev_month": shift(start, -1),
        "next_month": next_month(start) if next_month(start) <= current_start else None,
        "is_current": start == current_start,
        "currency": currency,
        "currencies": sorted(currencies),
        "tiles": charts.tiles(this, previous, history),
        "charts": {
            "categories": by_category,
            "months": charts.income_vs_expenses(
                [(s.strftime("%b %Y"), aggregates[s].currency(currency)) for s in reversed(starts)]
            ),
            "cumulative": charts.cumulative_spending(
                this_month=this,
                this_start=start,
                last_month=previous,
                last_start=starts[1],
                today=today if start == current_start else end - datetime.timedelta(days=1),
            ),
            "payees": charts.top_payees(
                month_payees(user_id=user.pk, start=start).get(currency, [])
            ),
            "currency": currency,
        },
        "category_slices": [
            {"label": label, "value": value, "color": color, "link": link}
            for label, value, color, link in zip(
                by_category["labels"],
                by_category["values"],
                by_category["colors"],
                by_category["links"],
                strict=True,
            )
        ],
        "latest": latest,
        **_balances(user),
        **_budgets_and_bills(user, today),
    }
    return render(request, "insights/dashboard.html", context)
