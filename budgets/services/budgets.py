"""Budgets: create, edit, archive, copy last month's, and a starting set from history."""

import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import IntegrityError
from django.db import transaction as db_transaction

from accounts.models import User
from budgets.models import Budget, BudgetSettings, Period
from budgets.periods import user_calendar
from budgets.selectors import spending_by_category
from ledger.currencies import is_currency
from ledger.models import Category
from ledger.services.validation import FieldErrors, clean_amount

DUPLICATE = "You already have a {period} budget for {name}. Edit that one instead."


def _base_currency(user: User) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "base_currency", "") or "USD"


def _clean(user: User, fields: dict[str, Any], instance: Budget | None) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    currency = fields.get("currency", instance.currency if instance else _base_currency(user))
    if not currency or not is_currency(str(currency).upper()):
        errors.add("currency", "Choose a currency, like USD or EUR.")
        currency = "USD"
    cleaned["currency"] = str(currency).upper()
    if "amount" in fields or instance is None:
        amount = clean_amount(errors, fields.get("amount"), cleaned["currency"])
        if amount is not None and amount <= 0:
            errors.add("amount", "A budget limit must be more than zero.")
        cleaned["amount"] = amount
    if "category" in fields:
        category = fields["category"]
        if category is not None and (
            not isinstance(category, Category) or category.user_id != user.pk
        ):
            errors.add("category", "Choose one of your categories.")
        elif category is not None and category.kind != "expense":
            errors.add("category", "Budgets are for spending: choose an expense category.")
        cleaned["category"] = category
    if "period" in fields:
        if fields["period"] not in Period.values:
            errors.add("period", "Choose weekly or monthly.")
        cleaned["period"] = fields["period"]
    if "rollover" in fields:
        cleaned["rollover"] = bool(fields["rollover"])
    errors.raise_if_any()
    category = cleaned.get("category", instance.category if instance else None)
    period = cleaned.get("period", instance.period if instance else Period.MONTH)
    clash = Budget.objects.for_user(user).active().filter(period=period, category=category)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        name = category.name if category else "all spending"
        errors.add(
            "category",
            DUPLICATE.format(period=Period(period).label.split(" ")[0].lower(), name=name),
        )
        errors.raise_if_any()
    return cleaned


def _queue_alerts(user: User) -> None:
    """A new or lowered limit may already be passed: check once this commits."""
    from budgets.services.alerts import queue_budget_alerts

    queue_budget_alerts(user_id=user.pk)


def _save(budget: Budget, user: User, cleaned: dict[str, Any]) -> Budget:
    for key, value in cleaned.items():
        setattr(budget, key, value)
    try:
        with db_transaction.atomic():
            budget.save()
    except IntegrityError:  # a concurrent create of the same budget won the race
        errors = FieldErrors()
        errors.add("category", "You already have a budget for this category and period.")
        errors.raise_if_any()
    return budget


@db_transaction.atomic
def budget_create(
    *,
    user: User,
    amount: Decimal | str,
    category: Category | None = None,
    period: str = Period.MONTH,
    currency: str | None = None,
    rollover: bool = False,
    start_date: datetime.date | None = None,
) -> Budget:
    """A new budget, counting from the current period (or the one holding `start_date`)."""
    fields = {"amount": amount, "category": category, "period": period, "rollover": rollover}
    if currency:
        fields["currency"] = currency
    cleaned = _clean(user, fields, None)
    cal = user_calendar(user)
    cleaned["start_date"] = cal.period(cleaned["period"], start_date or cal.today)[0]
    budget = _save(Budget(user=user), user, cleaned)
    _queue_alerts(user)
    return budget


@db_transaction.atomic
def budget_update(*, user: User, budget: Budget, **fields: Any) -> Budget:
    allowed = {"amount", "category", "period", "currency", "rollover"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    cleaned = _clean(user, fields, budget)
    if "period" in cleaned and cleaned["period"] != budget.period:
        cleaned["start_date"] = user_calendar(user).period(cleaned["period"])[0]
    budget = _save(budget, user, cleaned)
    _queue_alerts(user)
    return budget


@db_transaction.atomic
def budget_archive(*, user: User, budget: Budget, archived: bool = True) -> Budget:
    if budget.user_id != user.pk:
        raise Budget.DoesNotExist
    if not archived:
        _clean(user, {"category": budget.category, "period": budget.period}, budget)
    budget.is_archived = archived
    budget.save(update_fields=["is_archived", "updated_at"])
    return budget


def _round_up(amount: Decimal, step: Decimal = Decimal("10")) -> Decimal:
    return (amount / step).to_integral_value(ROUND_CEILING) * step


def _create_from(
    user: User, totals: dict[int | None, Decimal], divisor: int, currency: str
) -> list[Budget]:
    """Monthly budgets for categories without one, from spending totals."""
    taken = set(
        Budget.objects.for_user(user)
        .active()
        .filter(period=Period.MONTH)
        .values_list("category_id", flat=True)
    )
    categories = {
        c.pk: c
        for c in Category.objects.for_user(user).filter(
            kind="expense", is_archived=False, parent__isnull=True
        )
    }
    cal = user_calendar(user)
    start = cal.period(Period.MONTH)[0]
    created = []
    for category_id, total in sorted(totals.items(), key=lambda kv: -kv[1]):
        if category_id not in categories or category_id in taken or total <= 0:
            continue
        created.append(
            Budget(
                user=user,
                category=categories[category_id],
                period=Period.MONTH,
                amount=_round_up(total / divisor),
                currency=currency,
                start_date=start,
            )
        )
    Budget.objects.bulk_create(created)
    return created


@db_transaction.atomic
def budgets_suggest_create(*, user: User, months: int = 3) -> list[Budget]:
    """A starting set: a monthly budget per top-level expense category with spending, at the
    average of the last `months` full pay months (rounded up to 10)."""
    cal = user_calendar(user)
    current = cal.period(Period.MONTH)[0]
    since = cal.step(Period.MONTH, current, -months)
    currency = _base_currency(user)
    totals = spending_by_category(user_id=user.pk, since=since, until=current, currency=currency)
    return _create_from(user, totals, months, currency)


@db_transaction.atomic
def budgets_copy_last_month(*, user: User) -> list[Budget]:
    """Budgets repeat every period by themselves; this sets up the categories that have none
    yet at what was spent in them last pay month."""
    cal = user_calendar(user)
    current = cal.period(Period.MONTH)[0]
    since = cal.step(Period.MONTH, current, -1)
    currency = _base_currency(user)
    totals = spending_by_category(user_id=user.pk, since=since, until=current, currency=currency)
    return _create_from(user, totals, 1, currency)


def budget_settings_get(*, user: User) -> BudgetSettings:
    settings, _ = BudgetSettings.objects.get_or_create(user=user)
    return settings


@db_transaction.atomic
def budget_settings_update(
    *, user: User, thresholds: list[int] | None = None, email_alerts: bool | None = None
) -> BudgetSettings:
    settings = budget_settings_get(user=user)
    if thresholds is not None:
        errors = FieldErrors()
        clean = sorted({int(t) for t in thresholds})
        if not clean or any(t < 1 or t > 500 for t in clean) or len(clean) > 5:
            errors.add("thresholds", "Enter one to five percentages between 1 and 500.")
        errors.raise_if_any()
        settings.thresholds = clean
    if email_alerts is not None:
        settings.email_alerts = email_alerts
    settings.save()
    return settings
