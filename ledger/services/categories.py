"""Categories: the default set, create, edit, merge, archive, delete."""

import contextlib
import re
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models
from django.db import transaction as db_transaction
from django.db.models import Q

from accounts.models import User
from ledger.changes import ledger_touched
from ledger.models import Category, CategoryKind, Rule, Transaction, TransactionSplit
from ledger.services.validation import FieldErrors, clean_choice, clean_text

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _touch_category_months(user: User, categories: list[Category]) -> None:
    """Stamp the months holding transactions (or split parts) filed under `categories`:
    QuerySet.update and SET_NULL send no signals, so cached aggregates must be told."""
    ids = [c.pk for c in categories]
    months = (
        Transaction.objects.filter(user=user)
        .filter(Q(category_id__in=ids) | Q(splits__category_id__in=ids))
        .order_by()
        .dates("date", "month")
    )
    ledger_touched(user_id=user.pk, dates=list(months))


# (name, kind, colour, emoji, sub-categories). A new user starts with these.
DEFAULT_CATEGORIES: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    ("Food & Dining", "expense", "#f97316", "🍽️", [("Restaurants", "🍝"), ("Coffee", "☕")]),
    ("Groceries", "expense", "#22c55e", "🛒", []),
    ("Transport", "expense", "#3b82f6", "🚌", [("Fuel", "⛽"), ("Public transport", "🚇")]),
    ("Travel", "expense", "#06b6d4", "✈️", [("Lodging", "🏨")]),
    ("Shopping", "expense", "#ec4899", "🛍️", [("Clothing", "👕"), ("Electronics", "💻")]),
    ("Bills & Utilities", "expense", "#eab308", "💡", [("Phone & Internet", "📶")]),
    ("Housing", "expense", "#a855f7", "🏠", [("Rent", "🔑")]),
    ("Entertainment", "expense", "#f43f5e", "🎬", [("Subscriptions", "📺")]),
    ("Health", "expense", "#10b981", "🩺", []),
    ("Education", "expense", "#6366f1", "📚", []),
    ("Personal care", "expense", "#d946ef", "💇", []),
    ("Gifts & Donations", "expense", "#ef4444", "🎁", []),
    ("Fees", "expense", "#78716c", "🧾", []),
    ("Other", "expense", "#64748b", "📦", []),
    ("Salary", "income", "#16a34a", "💼", []),
    ("Business", "income", "#0d9488", "🏢", []),
    ("Interest & Dividends", "income", "#0284c7", "📈", []),
    ("Refunds", "income", "#65a30d", "↩️", []),
    ("Other income", "income", "#4b5563", "💰", []),
]


@db_transaction.atomic
def categories_create_defaults(*, user: User) -> list[Category]:
    """Give the user the default categories. Idempotent: a user who already has any
    category is left alone (so a category they deleted does not come back)."""
    # Lock the user row so two sign-up hooks racing cannot both create the set.
    type(user).objects.select_for_update().filter(pk=user.pk).first()
    if Category.objects.for_user(user).exists():
        return []
    parents = Category.objects.bulk_create(
        Category(user=user, name=name, kind=kind, color=color, icon=icon)
        for name, kind, color, icon, _ in DEFAULT_CATEGORIES
    )
    children = Category.objects.bulk_create(
        Category(user=user, name=child, kind=kind, color=color, icon=child_icon, parent=parent)
        for parent, (_, kind, color, _, subs) in zip(parents, DEFAULT_CATEGORIES, strict=True)
        for child, child_icon in subs
    )
    return parents + children


def _clean_category(
    errors: FieldErrors, user: User, fields: dict[str, Any], instance: Category | None
) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in fields:
        cleaned["name"] = clean_text(
            errors, fields["name"], Category, "name", required=True, label="name"
        )
    if "kind" in fields:
        cleaned["kind"] = clean_choice(errors, fields["kind"], CategoryKind, "kind")
    if "color" in fields:
        color = str(fields["color"] or "").strip()
        if not _COLOR.match(color):
            errors.add("color", "Enter a colour like #22c55e.")
        cleaned["color"] = color.lower()
    if "icon" in fields:
        cleaned["icon"] = clean_text(errors, fields["icon"], Category, "icon")
    if "parent" in fields:
        parent = fields["parent"]
        if parent is not None:
            if parent.user_id != user.pk:
                errors.add("parent", "Choose one of your own.")
            elif parent.parent_id is not None:
                errors.add("parent", "Categories go two levels deep: choose a top-level parent.")
            elif instance is not None and parent.pk == instance.pk:
                errors.add("parent", "A category cannot be its own parent.")
            elif instance is not None and instance.children.exists():
                errors.add(
                    "parent",
                    "This category has sub-categories, so it cannot become one itself.",
                )
        cleaned["parent"] = parent
    parent = cleaned.get("parent", instance.parent if instance else None)
    kind = cleaned.get("kind", instance.kind if instance else CategoryKind.EXPENSE)
    if parent is not None and "parent" not in errors.errors and parent.kind != kind:
        errors.add("parent", f"Choose a parent that is also an {kind} category.")
    name = cleaned.get("name", instance.name if instance else "")
    if name and "name" not in errors.errors:
        clash = Category.objects.for_user(user).filter(name__iexact=name, parent=parent, kind=kind)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.add("name", f"You already have a category called “{name}” here.")
    return cleaned


@db_transaction.atomic
def category_create(
    *,
    user: User,
    name: str,
    kind: str = CategoryKind.EXPENSE,
    parent: Category | None = None,
    color: str = "#64748b",
    icon: str = "",
    is_archived: bool = False,
) -> Category:
    errors = FieldErrors()
    cleaned = _clean_category(
        errors,
        user,
        {"name": name, "kind": kind, "parent": parent, "color": color, "icon": icon},
        None,
    )
    errors.raise_if_any()
    return Category.objects.create(user=user, is_archived=bool(is_archived), **cleaned)


@db_transaction.atomic
def category_update(*, user: User, category: Category, **fields: Any) -> Category:
    """Rename, recolour, re-icon, move under another parent, or change kind (its
    sub-categories follow the new kind)."""
    unknown = set(fields) - {"name", "kind", "parent", "color", "icon", "is_archived"}
    if unknown:
        raise TypeError(f"category_update() got unexpected fields: {sorted(unknown)}")
    errors = FieldErrors()
    if category.user_id != user.pk:
        errors.add("category", "Choose one of your own.")
        errors.raise_if_any()
    cleaned = _clean_category(errors, user, fields, category)
    errors.raise_if_any()
    if "is_archived" in fields:
        cleaned["is_archived"] = bool(fields["is_archived"])
        category.children.update(is_archived=cleaned["is_archived"])
    if "kind" in cleaned:
        category.children.update(kind=cleaned["kind"])
    if cleaned.get("kind", category.kind) != category.kind or (
        "parent" in cleaned and cleaned["parent"] != category.parent
    ):
        # Aggregates sort money by kind (spending or income) and roll parts up to parents.
        _touch_category_months(user, [category, *category.children.all()])
    for key, value in cleaned.items():
        setattr(category, key, value)
    category.save()
    return category


def category_archive(*, user: User, category: Category, archived: bool = True) -> Category:
    """Archived categories keep their history but leave the pickers; sub-categories follow."""
    return category_update(user=user, category=category, is_archived=archived)


def _move_other_apps_rows(source: Category, target: Category) -> None:
    """Rows of the other apps filed under `source` (a budget, a recurring bill) move to
    `target` too, instead of going with `source` when it is deleted. They are found through
    the app registry, so the ledger imports none of those apps. A row the target already
    has a twin of (a unique constraint refuses the move: a second monthly budget, say)
    stays, and goes the way its foreign key says when `source` is deleted."""
    for model in apps.get_models():
        if model._meta.app_label == "ledger":
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or field.related_model is not Category:
                continue
            rows = model._default_manager.filter(**{field.name: source})
            try:
                with db_transaction.atomic():
                    rows.update(**{field.name: target})
                continue
            except IntegrityError:
                pass
            for pk in rows.values_list("pk", flat=True):
                with contextlib.suppress(IntegrityError), db_transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**{field.name: target})


@db_transaction.atomic
def category_merge(*, user: User, source: Category, target: Category) -> Category:
    """Move everything filed under `source` (transactions, split parts, rules, sub-categories,
    and the other apps' rows such as budgets) to `target`, then delete `source`."""
    errors = FieldErrors()
    if source.user_id != user.pk:
        errors.add("source", "Choose one of your own.")
    if target.user_id != user.pk:
        errors.add("target", "Choose one of your own.")
    errors.raise_if_any()
    if source.pk == target.pk:
        errors.add("target", "Choose a different category to merge into.")
    elif target.parent_id == source.pk:
        errors.add("target", "Choose a category outside the one you are merging.")
    elif source.kind != target.kind:
        errors.add("target", f"Choose another {source.kind} category.")
    elif source.children.exists() and target.parent_id is not None:
        errors.add(
            "target",
            f"“{source.name}” has sub-categories; merge it into a top-level category.",
        )
    errors.raise_if_any()
    _touch_category_months(user, [source, *source.children.all()])
    Transaction.objects.filter(user=user, category=source).update(category=target)
    TransactionSplit.objects.filter(transaction__user=user, category=source).update(category=target)
    Rule.objects.filter(user=user, set_category=source).update(set_category=target)
    _move_other_apps_rows(source, target)
    # Sub-categories move under the target; one that the target already has (same name)
    # is merged into it instead of leaving two of a kind.
    existing = {c.name.lower(): c for c in target.children.all()}
    for child in list(source.children.all()):
        twin = existing.get(child.name.lower())
        if twin is not None:
            category_merge(user=user, source=child, target=twin)
    source.children.update(parent=target)
    source.delete()
    return target


@db_transaction.atomic
def category_delete(*, user: User, category: Category) -> None:
    """Delete a category; its transactions become uncategorized, its sub-categories go too."""
    if category.user_id != user.pk:
        errors = FieldErrors()
        errors.add("category", "Choose one of your own.")
        errors.raise_if_any()
    # Its transactions become uncategorized (SET_NULL, no signals): stamp their months.
    _touch_category_months(user, [category, *category.children.all()])
    category.delete()
