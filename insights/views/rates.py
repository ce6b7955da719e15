"""Exchange rates the user gives, so reports can show totals converted to the base currency."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from insights.summaries import ExchangeRate
from ledger.currencies import CURRENCIES


@login_required
@require_POST
def rate_set(request: HttpRequest) -> HttpResponse:
    currency = (request.POST.get("currency") or "").strip().upper()
    raw = (request.POST.get("rate") or "").strip().replace(",", ".")
    target = request.POST.get("next") or "/reports/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/reports/"
    if currency not in CURRENCIES:
        messages.error(request, f"{currency or 'That'} is not a currency code Billfold knows.")
        return redirect(target)
    if not raw:
        ExchangeRate.objects.for_user(request.user).filter(currency=currency).delete()
        messages.info(request, f"The {currency} rate was removed.")
        return redirect(target)
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        rate = Decimal(0)
    if not rate.is_finite() or rate <= 0 or rate >= Decimal("1e9") or -rate.as_tuple().exponent > 8:
        messages.error(request, "A rate is a positive number with at most 8 decimals, like 1.0825.")
        return redirect(target)
    ExchangeRate.objects.update_or_create(
        user=request.user, currency=currency, defaults={"rate": rate}
    )
    messages.success(request, f"Saved: 1 {currency} = {rate} in your base currency.")
    return redirect(target)
