"""Rules pages: list with priority buttons, create/edit with a "test this rule" panel,
apply to existing (preview, then one step), delete, and "always categorize payee X as Y"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ledger.forms_rules import (
    ConditionFormSet,
    RuleForm,
    check_conditions,
    condition_initial,
    put_rule_error,
)
from ledger.models import Account, Category, Rule, Transaction
from ledger.rules import RuleError, describe_condition
from ledger.services.rules import (
    APPLY_IN_BACKGROUND_ABOVE,
    SLOW_PATTERN_MESSAGE,
    rule_apply_to_existing,
    rule_create,
    rule_delete,
    rule_from_transaction,
    rule_move,
    rule_preview,
    rule_test,
    rule_update,
)
from ledger.views import safe_next


def _rules(user):
    return (
        Rule.objects.for_user(user)
        .select_related("set_category__parent")
        .prefetch_related("add_tags")
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(_rules(request.user))
    names = dict(Account.objects.for_user(request.user).values_list("pk", "name"))
    for rule in rules:
        rule.summary = [describe_condition(c, names) for c in rule.conditions]
    return render(
        request,
        "ledger/rules/rule_list.html",
        {"rules": rules, "slow_pattern_message": SLOW_PATTERN_MESSAGE},
    )


def _edit(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    user = request.user
    initial = condition_initial(rule) if rule else None
    form = RuleForm(request.POST or None, user=user, instance=rule)
    formset = ConditionFormSet(request.POST or None, user=user, initial=initial, prefix="cond")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        conditions, where = formset.conditions()
        try:
            data = form.rule_input(conditions)
            if rule is None:
                rule = rule_create(user=user, data=data)
                messages.success(request, f"Rule “{rule.name}” created.")
            else:
                rule = rule_update(rule=rule, data=data)
                messages.success(request, f"Rule “{rule.name}” saved.")
        except RuleError as exc:
            put_rule_error(form, formset, exc, where)
        else:
            return redirect("ledger:rule-apply", pk=rule.pk)
    return render(
        request,
        "ledger/rules/rule_form.html",
        {
            "form": form,
            "formset": formset,
            "rule": rule,
            "slow_pattern_message": SLOW_PATTERN_MESSAGE,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rule_create_view(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(_rules(request.user), pk=pk))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rule_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        rule_delete(rule=rule)
        messages.success(
            request, f"Rule “{rule.name}” deleted. Transactions keep their categories."
        )
        return redirect("ledger:rule-list")
    return render(request, "ledger/rules/rule_confirm_delete.html", {"rule": rule})


@login_required
@require_POST
def rule_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule.objects.for_user(request.user), pk=pk)
    rule_move(rule=rule, up=request.POST.get("direction") != "down")
    return redirect("ledger:rule-list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rule_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET previews how many and which transactions would change; POST applies them."""
    rule = get_object_or_404(_rules(request.user), pk=pk)
    if request.method == "POST":
        changed = rule_apply_to_existing(rule=rule)
        if changed < 0:
            messages.info(
                request, "Applying in the background; refresh in a minute to see it done."
            )
        else:
            messages.success(
                request, f"Applied to {changed} transaction{'s' if changed != 1 else ''}."
            )
        return redirect("ledger:rule-list")
    preview = rule_preview(rule=rule, limit=50)
    return render(
        request,
        "ledger/rules/rule_apply.html",
        {
            "rule": rule,
            "preview": preview,
            "background_above": APPLY_IN_BACKGROUND_ABOVE,
            "slow_pattern_message": SLOW_PATTERN_MESSAGE,
        },
    )


@login_required
@require_POST
def rule_test_view(request: HttpRequest) -> JsonResponse:
    """The "test this rule" panel: recent transactions the conditions being edited match."""
    formset = ConditionFormSet(request.POST, user=request.user, prefix="cond")
    if not formset.is_valid():
        return JsonResponse({"error": "Fix the conditions first.", "matches": []}, status=400)
    try:
        conditions, _ = check_conditions(formset)
    except RuleError as exc:
        return JsonResponse({"error": str(exc), "matches": []}, status=400)
    match_all = request.POST.get("match_all", "1") == "1"
    found = rule_test(user=request.user, conditions=conditions, match_all=match_all, limit=20)
    return JsonResponse(
        {
            "error": "",
            "warning": SLOW_PATTERN_MESSAGE if found.slow_pattern else "",
            "matches": [
                {
                    "id": t.pk,
                    "date": t.date.isoformat(),
                    "payee": t.payee,
                    "description": t.description,
                    "amount": str(t.amount),
                    "currency": t.account.currency,
                    "category": str(t.category) if t.category else "",
                }
                for t in found.matches
            ],
        }
    )


@login_required
@require_POST
def rule_from_transaction_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Always categorize payee X as Y" in one click (from a transaction or the review queue)."""
    txn = get_object_or_404(Transaction.objects.for_user(request.user), pk=pk)
    raw = request.POST.get("category") or (txn.category_id and str(txn.category_id)) or ""
    category = (
        Category.objects.for_user(request.user).filter(pk=raw).first()
        if str(raw).isdigit()
        else None
    )
    back = safe_next(request, reverse("ledger:rule-list"))
    if category is None:
        messages.error(request, "Choose one of your categories for the rule.")
        return redirect(back)
    try:
        rule = rule_from_transaction(transaction=txn, category=category)
    except (RuleError, ValidationError) as exc:
        messages.error(request, str(exc.messages[0] if hasattr(exc, "messages") else exc))
        return redirect(back)
    messages.success(request, f"New rule: {rule.name}.")
    return redirect(back)
