"""Transactions: the filtered list with totals and bulk actions, CSV export, the full edit
form (with splits, transfers and an optimistic lock) and delete."""

import hashlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.forms import BoundField
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from ledger import changes, selectors
from ledger.currencies import minor_units
from ledger.filters import UNCATEGORIZED, TransactionFilterSet
from ledger.forms import (
    BulkActionForm,
    MakeTransferForm,
    SplitFormSet,
    TransactionForm,
    TransferForm,
    plain_amount,
    user_categories,
)
from ledger.models import Account, Category, Tag, Transaction, TransactionSplit
from ledger.money import quantize
from ledger.services.data import transactions_write_csv
from ledger.services.splits import transaction_split, transaction_unsplit
from ledger.services.transactions import (
    transaction_create,
    transaction_delete,
    transaction_update,
    transactions_bulk_delete,
    transactions_bulk_tag,
    transactions_bulk_update_category,
)
from ledger.services.transfers import transaction_convert_to_transfer, transfer_create
from ledger.views import add_service_errors, safe_next, user_today

PAGE_SIZE = 50
NOT_FILTERS = {"page", "ordering"}
# Filters shown on the page; the others (source, import batch) still work from a URL.
SHOWN_FILTERS = (
    "q",
    "period",
    "date_from",
    "date_to",
    "account",
    "category",
    "tag",
    "kind",
    "status",
    "amount_min",
    "amount_max",
    "ordering",
)
ALL_LABELS = {
    "period": "Any time",
    "account": "All accounts",
    "category": "All categories",
    "tag": "Any tag",
    "kind": "Any kind",
    "status": "Any status",
    "ordering": "Newest first",
}


def _filtered(request: HttpRequest) -> TransactionFilterSet:
    base = Transaction.objects.for_user(request.user)
    return TransactionFilterSet(request.GET or None, queryset=base, request=request)


class PlainSelect(forms.Select):
    """Django's <select> markup, written in Python: the template-rendered Select includes a
    template per option, which for the category picker costs more than the rest of the form."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        values = self.format_value(value)
        html = [
            format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))
        ]
        chosen = False
        for option, label in self.choices:
            option = "" if option is None else str(option)
            selected = not chosen and option in values
            chosen = chosen or selected
            html.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>',
                    option,
                    mark_safe(" selected") if selected else "",
                    label,
                )
            )
        html.append("\n</select>")
        return mark_safe("".join(html))


def _page_filter_fields(
    filterset: TransactionFilterSet, categories: list[Category], tags: list[Tag]
) -> list[BoundField]:
    """The filter form as the page shows it: one drop-down per picker (a bookmarked URL may
    still carry several values), "All ..." as the empty choice, and the category and tag
    choices from the lists the page loaded anyway. Call after `.qs` (validation is done)."""
    form = filterset.form
    # One plain query for the accounts (iterating the field's choices would open a
    # server-side cursor on PostgreSQL: three round trips for a handful of rows).
    accounts: list[Account] = list(form.fields["account"].queryset)
    known = {
        "account": [(a.pk, str(a)) for a in accounts],
        "category": [(UNCATEGORIZED, "Uncategorized"), *((c.pk, str(c)) for c in categories)],
        "tag": [(t.pk, t.name) for t in tags],
    }
    for name, label in ALL_LABELS.items():
        field = form.fields[name]
        choices = known[name] if name in known else [c for c in field.choices if c[0] != ""]
        field.widget = PlainSelect(choices=[("", label), *choices])
    return [form[name] for name in SHOWN_FILTERS]


TOTALS_TIMEOUT = 60 * 60


def _totals(request: HttpRequest, transactions: QuerySet[Transaction]) -> list[selectors.Totals]:
    """Totals of the filtered set, cached per user until any of their transactions change
    (ledger.changes stamps every write) and keyed by the filter's own SQL, so a period such
    as "this month" rolls over by itself. Paging through a list reuses them, and their
    counts give the paginator its total without a COUNT(*) over every row. Not cached for
    a tag filter: adding or removing tags in bulk does not stamp."""
    if request.GET.get("tag"):
        return selectors.transactions_totals(transactions=transactions)
    try:
        sql, params = transactions.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an unknown choice, say)
        return []
    digest = hashlib.sha1(f"{sql}|{params!r}".encode(), usedforsecurity=False).hexdigest()
    stamp = changes.user_stamp(user_id=request.user.pk)
    key = f"ledger:totals:{request.user.pk}:{stamp}:{digest}"
    found = cache.get(key)
    if found is None:
        found = selectors.transactions_totals(transactions=transactions)
        cache.set(key, found, TOTALS_TIMEOUT)
    return found


class CountedPaginator(Paginator):
    """A paginator told its row count (the totals have it), so it never runs COUNT(*)."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self) -> int:
        return self._count


@login_required
@require_http_methods(["GET", "HEAD"])
def transaction_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    filtered = any(v for k, v in request.GET.items() if k not in NOT_FILTERS)
    totals = _totals(request, filterset.qs)
    count = sum(row.count for row in totals)
    rows = filterset.qs.select_related("account", "category").prefetch_related(
        # As plain lists (to_attr): no queryset is built per row for these.
        Prefetch("tags", to_attr="tag_list"),
        Prefetch(
            "splits",
            queryset=TransactionSplit.objects.only("id", "transaction_id"),
            to_attr="split_list",
        ),
    )
    page = CountedPaginator(rows, PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    # No rows at all and no filter: nothing recorded yet (the totals counted every row).
    has_any = filtered or count > 0
    categories = list(user_categories(request.user))
    tags = list(Tag.objects.for_user(request.user))
    return render(
        request,
        "ledger/transaction_list.html",
        {
            "filter_fields": _page_filter_fields(filterset, categories, tags),
            "hidden_filters": [
                (k, v) for k in ("source", "import_batch") for v in request.GET.getlist(k)
            ],
            "page_obj": page,
            "sort": request.GET.get("ordering", ""),
            "filtered": filtered,
            "has_any": has_any,
            "totals": totals,
            "categories": categories,
            "tags": tags,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def transaction_export(request: HttpRequest) -> HttpResponse:
    """The transactions of the current filter as CSV, formula-looking cells neutralised."""
    filterset = _filtered(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    transactions_write_csv(transactions=filterset.qs, out=response)
    name = f"billfold-transactions-{user_today(request.user):%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def transaction_bulk(request: HttpRequest) -> HttpResponse:
    """Set category, add or remove a tag, or delete (after a confirmation page)."""
    back = safe_next(request, reverse("ledger:transaction-list"))
    form = BulkActionForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    ids = [t.pk for t in data["ids"]]
    action = data["action"]
    if action == "set_category":
        count = transactions_bulk_update_category(
            user=request.user, ids=ids, category=data["category"]
        )
        label = data["category"].name if data["category"] else "Uncategorized"
        skipped = len(ids) - count
        note = f" ({skipped} transfer or split left as is)" if skipped else ""
        messages.success(request, f"{count} transaction{'s'[: count != 1]} set to {label}{note}.")
    elif action in {"add_tag", "remove_tag"}:
        tag = data["tag"]
        if action == "add_tag":
            count = transactions_bulk_tag(user=request.user, ids=ids, add=[tag])
            messages.success(
                request, f"#{tag.name} added to {count} transaction{'s'[: count != 1]}."
            )
        else:
            count = transactions_bulk_tag(user=request.user, ids=ids, remove=[tag])
            messages.success(
                request, f"#{tag.name} removed from {count} transaction{'s'[: count != 1]}."
            )
    elif not data["confirm"]:
        selected = list(data["ids"].select_related("account").order_by("-date", "-id"))
        return render(
            request,
            "ledger/transaction_bulk_confirm.html",
            {"selected": selected, "next": back},
        )
    else:
        count = transactions_bulk_delete(user=request.user, ids=ids)
        messages.success(request, f"{count} transaction{'s'[: count != 1]} deleted.")
    return redirect(back)


def _default_next(request: HttpRequest) -> str:
    return safe_next(request, reverse("ledger:transaction-list"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transaction_create_view(request: HttpRequest) -> HttpResponse:
    """The full form, for a new transaction with every field."""
    initial = {"date": user_today(request.user), "status": "cleared", "direction": "expense"}
    form = TransactionForm(request.POST or None, user=request.user, initial=initial)
    back = _default_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            txn = transaction_create(user=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Added {txn.payee or 'the transaction'}.")
            return redirect(back)
    return render(
        request, "ledger/transaction_form.html", {"form": form, "txn": None, "next": back}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    txn = get_object_or_404(
        Transaction.objects.for_user(request.user).select_related("account", "category"), pk=pk
    )
    form = TransactionForm(request.POST or None, user=request.user, instance=txn)
    back = _default_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            transaction_update(
                user=request.user,
                transaction=txn,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Transaction saved.")
            return redirect(back)
    counterpart = None
    if txn.transfer_id:
        counterpart = (
            Transaction.objects.for_user(request.user)
            .filter(transfer_id=txn.transfer_id)
            .exclude(pk=txn.pk)
            .select_related("account")
            .first()
        )
    return render(
        request,
        "ledger/transaction_form.html",
        {
            "form": form,
            "txn": txn,
            "next": back,
            "counterpart": counterpart,
            "splits": list(txn.splits.select_related("category")),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transaction_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first; POST deletes (both sides of a transfer)."""
    txn = get_object_or_404(
        Transaction.objects.for_user(request.user).select_related("account"), pk=pk
    )
    back = _default_next(request)
    if back.startswith(reverse("ledger:transaction-edit", args=[pk])):
        back = reverse("ledger:transaction-list")
    if request.method == "POST":
        transaction_delete(user=request.user, transaction=txn)
        messages.success(request, "Transaction deleted.")
        return redirect(back)
    return render(request, "ledger/transaction_confirm_delete.html", {"txn": txn, "next": back})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transaction_split_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Spread one transaction over several categories; the parts must add up to it."""
    txn = get_object_or_404(
        Transaction.objects.for_user(request.user).select_related("account", "category"), pk=pk
    )
    currency = txn.account.currency
    existing = list(txn.splits.all())
    if request.method == "POST" and request.POST.get("unsplit"):
        transaction_unsplit(user=request.user, transaction=txn, category=txn.category)
        messages.success(request, "The split is removed.")
        return redirect("ledger:transaction-edit", pk=txn.pk)
    if existing:
        initial = [
            {
                "category": s.category_id,
                "amount": plain_amount(abs(s.amount), currency),
                "notes": s.notes,
            }
            for s in existing
        ]
    else:
        initial = [
            {"category": txn.category_id, "amount": plain_amount(abs(txn.amount), currency)},
            {},
        ]
    formset = SplitFormSet(
        request.POST or None,
        initial=initial,
        transaction=txn,
        form_kwargs={"user": request.user},
        prefix="parts",
    )
    if request.method == "POST" and formset.is_valid():
        try:
            transaction_split(user=request.user, transaction=txn, parts=formset.parts())
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class(
                exc.messages, error_class="nonform", renderer=formset.renderer
            )
        else:
            messages.success(request, f"Split into {len(formset.parts())} parts.")
            return redirect("ledger:transaction-edit", pk=txn.pk)
    return render(
        request,
        "ledger/transaction_split.html",
        {
            "txn": txn,
            "formset": formset,
            "total": quantize(abs(txn.amount), currency),
            "decimals": minor_units(currency),
            "has_splits": bool(existing),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transaction_make_transfer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn a transaction (a card payment, money put aside) into one side of a transfer,
    adding the other side in another of the user's accounts."""
    txn = get_object_or_404(
        Transaction.objects.for_user(request.user).select_related("account", "category"), pk=pk
    )
    if txn.transfer_id:
        messages.info(request, "This transaction is already one side of a transfer.")
        return redirect("ledger:transaction-edit", pk=txn.pk)
    form = MakeTransferForm(request.POST or None, user=request.user, transaction=txn)
    if request.method == "POST" and form.is_valid():
        try:
            transaction_convert_to_transfer(
                user=request.user,
                transaction=txn,
                other_account=form.cleaned_data["other_account"],
                other_amount=form.cleaned_data["other_amount"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            other = form.cleaned_data["other_account"]
            direction = "to" if txn.amount < 0 else "from"
            messages.success(request, f"Now a transfer {direction} {other.name}.")
            return redirect("ledger:transaction-edit", pk=txn.pk)
    return render(
        request,
        "ledger/transaction_make_transfer.html",
        {"txn": txn, "form": form, "has_splits": txn.splits.exists()},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transfer_create_view(request: HttpRequest) -> HttpResponse:
    initial = {"date": user_today(request.user)}
    form = TransferForm(request.POST or None, user=request.user, initial=initial)
    back = _default_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            transfer_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Transfer recorded.")
            return redirect(back)
    return render(request, "ledger/transfer_form.html", {"form": form, "next": back})
