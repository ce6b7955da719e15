"""Quick add: the short form linked from the top bar of every page; it saves in one step
and returns the person to the page they came from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ledger.forms import QuickAddForm
from ledger.models import Account, Transaction
from ledger.money import format_money
from ledger.services.transactions import transaction_create
from ledger.views import add_service_errors, safe_next, user_today


def _default_account(request: HttpRequest) -> int | None:
    """The account asked for in the URL, else the one used last, else the first."""
    accounts = Account.objects.for_user(request.user).filter(is_archived=False)
    wanted = request.GET.get("account", "")
    if wanted.isdigit() and accounts.filter(pk=int(wanted)).exists():
        return int(wanted)
    last = (
        Transaction.objects.for_user(request.user)
        .filter(account__is_archived=False, source="manual")
        .order_by("-created_at")
        .values_list("account_id", flat=True)
        .first()
    )
    return last or accounts.order_by("name").values_list("pk", flat=True).first()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def quick_add(request: HttpRequest) -> HttpResponse:
    back = safe_next(request, reverse("ledger:transaction-list"))
    if request.method == "POST":
        form = QuickAddForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                txn = transaction_create(
                    user=request.user,
                    account=data["account"],
                    date=data["date"],
                    amount=data["amount"],
                    payee=data["payee"],
                    category=data["category"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                amount = format_money(txn.amount, txn.account.currency)
                messages.success(
                    request, f"Added {amount}{' at ' + txn.payee if txn.payee else ''}."
                )
                return redirect(back)
    else:
        form = QuickAddForm(
            user=request.user,
            initial={
                "date": user_today(request.user),
                "direction": "income" if request.GET.get("kind") == "income" else "expense",
                "account": _default_account(request),
                "next": back,
            },
        )
    no_accounts = not form.fields["account"].queryset.exists()
    return render(
        request,
        "ledger/quick_add.html",
        {"form": form, "cancel_url": back, "no_accounts": no_accounts},
    )
