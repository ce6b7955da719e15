"""Settings -> Data: download everything, or delete the account and everything in it."""

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ledger.forms import DeleteAccountForm
from ledger.models import Transaction
from ledger.services.data import transactions_write_csv, user_data_export, user_delete
from ledger.views import user_today


@login_required
@require_http_methods(["GET", "HEAD"])
def data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ledger/data.html",
        {
            "form": DeleteAccountForm(user=request.user),
            "transaction_count": Transaction.objects.for_user(request.user).count(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def data_export_json(request: HttpRequest) -> HttpResponse:
    payload = user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    name = f"billfold-export-{user_today(request.user):%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def data_export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    transactions_write_csv(
        transactions=Transaction.objects.for_user(request.user).order_by("-date", "-id"),
        out=response,
    )
    name = f"billfold-transactions-{user_today(request.user):%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def data_delete_account(request: HttpRequest) -> HttpResponse:
    """Asks for the password; then removes the user and everything they own, signs them
    out and says goodbye."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        user_delete(user=user)
        request.session["billfold_goodbye"] = True
        return redirect("ledger:goodbye")
    return render(request, "ledger/data_delete.html", {"form": form})


@require_http_methods(["GET", "HEAD"])
def goodbye(request: HttpRequest) -> HttpResponse:
    if not request.session.pop("billfold_goodbye", False):
        return redirect("/")
    return render(request, "ledger/goodbye.html")
