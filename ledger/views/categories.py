"""Categories: the list grouped by kind, create, edit, merge into another, archive."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ledger.forms import CategoryForm, CategoryMergeForm
from ledger.models import Category, CategoryKind, TransactionSplit
from ledger.services.categories import (
    category_archive,
    category_create,
    category_merge,
    category_update,
)
from ledger.views import add_service_errors


@login_required
@require_http_methods(["GET", "HEAD"])
def category_list(request: HttpRequest) -> HttpResponse:
    categories = list(
        Category.objects.for_user(request.user)
        .annotate(transaction_count=Count("transactions", distinct=True))
        .order_by("kind", "name")
    )
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    groups = []
    for kind, label in CategoryKind.choices:
        parents = [c for c in categories if c.kind == kind and c.parent_id is None]
        for parent in parents:
            parent.sub = children.get(parent.pk, [])
        groups.append({"kind": kind, "label": label, "parents": parents})
    return render(
        request,
        "ledger/category_list.html",
        {"groups": groups, "has_any": bool(categories)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def category_create_view(request: HttpRequest) -> HttpResponse:
    initial = {"kind": request.GET.get("kind", CategoryKind.EXPENSE)}
    if request.GET.get("parent", "").isdigit():
        initial["parent"] = int(request.GET["parent"])
    form = CategoryForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            category = category_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Category “{category.name}” created.")
            return redirect("ledger:category-list")
    return render(request, "ledger/category_form.html", {"form": form, "category": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category.objects.for_user(request.user), pk=pk)
    form = CategoryForm(request.POST or None, user=request.user, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            category_update(user=request.user, category=category, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Category saved.")
            return redirect("ledger:category-list")
    return render(request, "ledger/category_form.html", {"form": form, "category": category})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def category_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Category.objects.for_user(request.user), pk=pk)
    form = CategoryMergeForm(request.POST or None, user=request.user, source=source)
    moving = source.transactions.count()
    moving_splits = TransactionSplit.objects.filter(category=source).count()
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            category_merge(user=request.user, source=source, target=target)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Merged “{source.name}” into “{target.name}”: "
                f"{moving} transaction{'s' if moving != 1 else ''} moved.",
            )
            return redirect("ledger:category-list")
    return render(
        request,
        "ledger/category_merge.html",
        {
            "form": form,
            "category": source,
            "moving": moving,
            "moving_splits": moving_splits,
            "children": source.children.count(),
        },
    )


@login_required
@require_POST
def category_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category.objects.for_user(request.user), pk=pk)
    archived = request.POST.get("archive", "1") != "0"
    category_archive(user=request.user, category=category, archived=archived)
    verb = "archived" if archived else "restored"
    messages.success(request, f"“{category.name}” {verb}.")
    return redirect("ledger:category-list")
