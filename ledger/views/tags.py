"""Tags: list, create, rename, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ledger.forms import TagForm
from ledger.models import Tag
from ledger.services.tags import tag_create, tag_delete, tag_update
from ledger.views import add_service_errors


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def tag_list(request: HttpRequest) -> HttpResponse:
    """The list, with a form to add one (POST here creates it)."""
    form = TagForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            tag = tag_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Tag “{tag.name}” created.")
            return redirect("ledger:tag-list")
    tags = Tag.objects.for_user(request.user).annotate(transaction_count=Count("transactions"))
    return render(request, "ledger/tag_list.html", {"form": form, "tags": tags})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag.objects.for_user(request.user), pk=pk)
    form = TagForm(request.POST or None, user=request.user, instance=tag)
    if request.method == "POST" and form.is_valid():
        try:
            tag_update(user=request.user, tag=tag, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Tag renamed.")
            return redirect("ledger:tag-list")
    return render(request, "ledger/tag_form.html", {"form": form, "tag": tag})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def tag_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first; POST deletes the tag (its transactions stay, untagged)."""
    tag = get_object_or_404(Tag.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        name = tag.name
        tag_delete(user=request.user, tag=tag)
        messages.success(request, f"Tag “{name}” deleted.")
        return redirect("ledger:tag-list")
    return render(
        request,
        "ledger/tag_confirm_delete.html",
        {"tag": tag, "count": tag.transactions.count()},
    )
