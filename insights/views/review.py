"""The review queue page: accept suggestions, or pick another category with the keyboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from insights.classifier import threshold
from insights.llm import llm_activity, llm_status
from insights.review import review_accept, review_categorize, review_queue
from ledger.models import Category, Transaction

PAGE_SIZE = 50


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    page = Paginator(review_queue(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    categories = list(Category.objects.for_user(request.user).active().select_related("parent"))
    made = None
    if request.GET.get("made"):
        made = (
            Transaction.objects.for_user(request.user)
            .select_related("category")
            .filter(pk=request.GET["made"], category__isnull=False)
            .first()
        )
    return render(
        request,
        "insights/review.html",
        {
            "page": page,
            "categories": sorted(categories, key=str),
            "made": made,
            "llm": llm_status(),
            "llm_activity": llm_activity(user=request.user) if llm_status()["enabled"] else None,
            "threshold": threshold(),
            "shown_ids": [t.pk for t in page.object_list],
        },
    )


def _back(request: HttpRequest, made: int | None = None) -> HttpResponse:
    url = reverse("insights:review")
    query = []
    if request.POST.get("page", "").isdigit():
        query.append(f"page={request.POST['page']}")
    if made:
        query.append(f"made={made}")
    return redirect(url + ("?" + "&".join(query) if query else ""))


@login_required
@require_POST
def review_accept_one(request: HttpRequest, pk: int) -> HttpResponse:
    txn = get_object_or_404(Transaction.objects.for_user(request.user), pk=pk)
    if review_accept(user=request.user, transaction_ids=[txn.pk]):
        messages.success(request, "Category accepted.")
    else:
        messages.info(request, "There was no suggestion to accept; pick a category instead.")
    return _back(request, made=txn.pk)


@login_required
@require_POST
def review_accept_all(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    changed = review_accept(user=request.user, transaction_ids=ids)
    messages.success(request, f"Accepted {changed} suggestion{'s' if changed != 1 else ''}.")
    return _back(request)


@login_required
@require_POST
def review_categorize_one(request: HttpRequest, pk: int) -> HttpResponse:
    txn = get_object_or_404(Transaction.objects.for_user(request.user), pk=pk)
    raw = request.POST.get("category", "")
    category = (
        Category.objects.for_user(request.user).filter(pk=raw).first() if raw.isdigit() else None
    )
    if category is None:
        messages.error(request, "Choose one of your categories.")
        return _back(request)
    review_categorize(user=request.user, transaction=txn, category=category)
    messages.success(request, f"Categorized as {category}. Billfold learns from this.")
    return _back(request, made=txn.pk)
