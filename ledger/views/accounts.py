"""Money accounts: the list with balances and net worth, create/edit/archive, the register."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ledger import selectors
from ledger.forms import AccountForm, plain_amount
from ledger.models import Account
from ledger.services.accounts import (
    account_archive,
    account_create,
    account_update,
    default_currency,
)
from ledger.views import add_service_errors

REGISTER_PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "HEAD"])
def account_list(request: HttpRequest) -> HttpResponse:
    accounts = list(selectors.accounts_with_balance(user=request.user))
    return render(
        request,
        "ledger/account_list.html",
        {
            "accounts": [a for a in accounts if not a.is_archived],
            "archived": [a for a in accounts if a.is_archived],
            "net_worth": selectors.net_worth(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_create_view(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, initial={"currency": default_currency(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            account = account_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Account “{account.name}” created.")
            return redirect("ledger:account-detail", pk=account.pk)
    return render(request, "ledger/account_form.html", {"form": form, "account": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.for_user(request.user), pk=pk)
    initial = {
        "name": account.name,
        "type": account.type,
        "currency": account.currency,
        "opening_balance": plain_amount(account.opening_balance, account.currency),
        "opening_date": account.opening_date,
        "institution": account.institution,
    }
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_update(user=request.user, account=account, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Account saved.")
            return redirect("ledger:account-detail", pk=account.pk)
    return render(request, "ledger/account_form.html", {"form": form, "account": account})


@login_required
@require_POST
def account_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.for_user(request.user), pk=pk)
    archived = request.POST.get("archive", "1") != "0"
    account_archive(user=request.user, account=account, archived=archived)
    if archived:
        messages.success(request, f"“{account.name}” is archived. Its history stays.")
        return redirect("ledger:account-list")
    messages.success(request, f"“{account.name}” is back.")
    return redirect("ledger:account-detail", pk=account.pk)


@login_required
@require_http_methods(["GET", "HEAD"])
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.for_user(request.user).with_balance(), pk=pk)
    rows = selectors.account_register(account=account).prefetch_related("splits")
    page = Paginator(rows, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/account_detail.html", {"account": account, "page_obj": page})
