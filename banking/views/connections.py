"""Connections: bank items, their sync status and progress, connect / reconnect / remove."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banking.connections import BankItem
from banking.crypto import DecryptionError
from banking.forms_connections import AccountMappingForm, RemoveConnectionForm
from banking.providers import get_provider
from banking.providers.base import ProviderError
from banking.services import sync as sync_services
from banking.webhooks import WebhookRejected, verify_plaid_webhook

log = logging.getLogger("billfold.banking.webhooks")


def _item(request: HttpRequest, pk: int) -> BankItem:
    return get_object_or_404(BankItem.objects.for_user(request.user), pk=pk)


def _queue_sync(item: BankItem) -> None:
    sync_services.bank_item_sync_queue(item=item)


@login_required
@require_GET
def connection_list(request: HttpRequest) -> HttpResponse:
    items = list(BankItem.objects.for_user(request.user).prefetch_related("accounts__account"))
    for item in items:
        item.progress = sync_services.progress_get(item.pk)
    return render(
        request,
        "banking/connections.html",
        {
            "items": items,
            "plaid_configured": get_provider("plaid").is_configured(),
        },
    )


@login_required
@require_POST
def connect_demo(request: HttpRequest) -> HttpResponse:
    item = sync_services.bank_item_connect(
        user=request.user, provider_name="demo", public_token="demo"
    )
    messages.success(request, "Demo Bank connected. Choose where its accounts go.")
    return redirect("banking:connection-accounts", pk=item.pk)


@login_required
@require_POST
def plaid_link_token(request: HttpRequest) -> JsonResponse:
    provider = get_provider("plaid")
    item_pk = request.POST.get("item", "")
    item = None
    if item_pk:  # update mode: sign in again to an existing connection
        if not item_pk.isdigit():
            return JsonResponse({"error": "That is not a bank connection."}, status=400)
        item = _item(request, int(item_pk))
    try:
        data = provider.link_start(
            user_id=request.user.pk,
            access_token=sync_services.bank_item_access_token(item=item) if item else None,
            new_accounts=bool(item and item.new_accounts_available),
        )
    except ProviderError as exc:
        return JsonResponse({"error": str(exc)}, status=502 if exc.retryable else 400)
    except DecryptionError as exc:  # update mode needs the token no key opens now
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(data)


@login_required
@require_POST
def plaid_exchange(request: HttpRequest) -> JsonResponse:
    public_token = request.POST.get("public_token", "")
    if not public_token:
        return JsonResponse({"error": "The bank did not return a token; try again."}, status=400)
    try:
        item = sync_services.bank_item_connect(
            user=request.user, provider_name="plaid", public_token=public_token
        )
    except ProviderError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"next": reverse("banking:connection-accounts", kwargs={"pk": item.pk})})


@login_required
@require_http_methods(["GET", "POST"])
def connection_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    bank_accounts = list(item.accounts.select_related("account"))
    form = AccountMappingForm(request.POST or None, user=request.user, bank_accounts=bank_accounts)
    if request.method == "POST" and form.is_valid():
        sync_services.bank_accounts_map(user=request.user, item=item, mapping=form.mapping())
        _queue_sync(item)
        messages.success(request, "Accounts linked. The first sync is on its way.")
        return redirect("banking:connections")
    return render(
        request,
        "banking/connection_accounts.html",
        {"item": item, "form": form, "rows": form.rows()},
    )


@login_required
@require_POST
def connection_sync(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    _queue_sync(item)
    status_url = reverse("banking:connection-status", kwargs={"pk": item.pk})
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"status_url": status_url}, status=202)
    messages.info(request, f"Syncing {item.institution_name}…")
    return redirect("banking:connections")


@login_required
@require_GET
def connection_status(request: HttpRequest, pk: int) -> JsonResponse:
    # The progress first, then the item: a run saves its counts and status before it says
    # "done", so a page that stops polling on "done" shows that run, not the one before.
    progress = sync_services.progress_get(pk)
    item = _item(request, pk)
    return JsonResponse(
        {
            "item": item.pk,
            "status": item.status,
            "status_display": item.get_status_display(),
            "status_message": item.status_message,
            "new_accounts_available": item.new_accounts_available,
            # What the page needs to show or hide Reconnect without a reload.
            "needs_reconnect": item.needs_reconnect,
            "last_synced_at": item.last_synced_at.isoformat() if item.last_synced_at else None,
            "last_run": {
                "added": item.last_added,
                "modified": item.last_modified,
                "removed": item.last_removed,
            },
            "progress": progress,
        }
    )


@login_required
@require_POST
def connection_reconnect(request: HttpRequest, pk: int) -> HttpResponse:
    """Called after the user signed in again (Plaid Link in update mode; demo at once)."""
    item = _item(request, pk)
    item.status = BankItem.Status.OK
    item.status_message = ""
    item.save(update_fields=["status", "status_message"])
    if item.new_accounts_available:
        # The user may have shared the new accounts in Link: fetch them, then ask where
        # they go (saving that choice queues the sync).
        try:
            sync_services.bank_accounts_refresh(item=item)
        except (ProviderError, DecryptionError) as exc:
            messages.error(request, f"The bank's accounts could not be read: {exc}")
            return redirect("banking:connections")
        messages.success(request, "Choose where the bank's new accounts go.")
        return redirect("banking:connection-accounts", pk=item.pk)
    _queue_sync(item)
    messages.success(request, f"{item.institution_name} reconnected; syncing now.")
    return redirect("banking:connections")


@login_required
@require_http_methods(["GET", "POST"])
def connection_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = RemoveConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        delete = form.cleaned_data["transactions"] == "delete"
        name = item.institution_name
        deleted = sync_services.bank_item_remove(
            user=request.user, item=item, delete_transactions=delete
        )
        note = f" and {deleted} transactions deleted" if delete else "; its transactions were kept"
        messages.success(request, f"{name} disconnected{note}.")
        return redirect("banking:connections")
    return render(request, "banking/connection_remove.html", {"item": item, "form": form})


@csrf_exempt
@require_POST
def plaid_webhook(request: HttpRequest) -> JsonResponse:
    provider = get_provider("plaid")
    try:
        payload = verify_plaid_webhook(
            body=request.body,
            token=request.headers.get("Plaid-Verification", ""),
            fetch_key=lambda kid: provider.webhook_key(key_id=kid),
        )
    except WebhookRejected as exc:
        log.warning("plaid webhook rejected: %s", exc)
        return JsonResponse({"error": "unverified webhook"}, status=401)
    handled = sync_services.plaid_webhook_handle(payload=payload)
    return JsonResponse({"ok": True, "handled": handled})
