"""Form fields and helpers shared by the ledger forms (and other apps' forms)."""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from ledger.models import Account, Category
from ledger.money import MAX_ABS_AMOUNT, check_amount, parse_amount, quantize


class AmountField(forms.CharField):
    """A money amount as people type it: `12.50`, `-3`, `1,234.56`; never a float.

    The currency's own minor units are checked by the form (`check_currency_decimals`) once
    it knows the account.
    """

    def __init__(self, *, allow_negative: bool = True, **kwargs) -> None:
        self.allow_negative = allow_negative
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "32")

    def to_python(self, value: str | None) -> Decimal | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        if len(text) > 32:
            raise ValidationError("That amount is too long to be real.", code="max_length")
        amount = parse_amount(text)
        if abs(amount) >= MAX_ABS_AMOUNT:
            raise ValidationError(
                "That amount is too large: it must be less than 1,000,000,000,000.",
                code="max_value",
            )
        if amount != amount.quantize(Decimal("0.001")):
            raise ValidationError("Use at most 3 decimal places.", code="decimal_places")
        if amount < 0 and not self.allow_negative:
            raise ValidationError("Enter the amount without a minus sign.", code="negative")
        return amount


def check_currency_decimals(
    form: forms.BaseForm, field: str, amount: Decimal | None, currency: str
) -> None:
    """Add a field error when `amount` has more decimals than `currency` allows."""
    if amount is None:
        return
    try:
        check_amount(amount, currency)
    except ValidationError as exc:
        form.add_error(field, exc)


def plain_amount(amount: Decimal, currency: str) -> str:
    """`12.500` stored -> `12.50` in an input, so a round trip passes the currency check."""
    return str(quantize(amount, currency))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class UserDateField(forms.DateField):
    default_error_messages = {"invalid": "Enter a real date, like 2025-03-31."}
    widget = DateInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"])
        super().__init__(**kwargs)

    def clean(self, value):  # type: ignore[no-untyped-def]
        date = super().clean(value)
        if date and not (datetime.date(1900, 1, 1) <= date <= datetime.date(2200, 12, 31)):
            raise ValidationError("Enter a date between 1900 and 2200.", code="out_of_range")
        return date


# The largest id a 64-bit integer column holds. A bigger number in a URL or a form names no
# row, and SQLite cannot even bind it (OverflowError): such ids are refused before any query.
MAX_ID = 2**63 - 1


def is_id(value: object) -> bool:
    """True for a whole number that could be a row id (1 up to MAX_ID)."""
    text = str(value).strip()
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


class BoundedIdsMixin:
    """For ModelMultipleChoiceField (forms and filters): an id that cannot exist is an
    "invalid choice" field error, not a query that fails."""

    def _check_values(self, value):  # type: ignore[no-untyped-def]
        if not isinstance(value, str | bytes):
            for pk in value or ():
                if str(pk).strip().isdigit() and not is_id(pk):
                    raise ValidationError(
                        self.error_messages["invalid_choice"],  # type: ignore[attr-defined]
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)  # type: ignore[misc]


class OwnedMultipleChoiceField(BoundedIdsMixin, forms.ModelMultipleChoiceField):
    """Several of the user's own rows by id (the caller scopes the queryset)."""


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.name} ({obj.currency})"


def category_label(category: Category) -> str:
    """ "🍽️ Food › Coffee": the emoji, then the parent's name for a sub-category."""
    parent = category.parent if category.parent_id else None
    label = f"{parent.name} › {category.name}" if parent else category.name
    return f"{category.icon} {label}".strip()


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return category_label(obj)


def user_accounts(user, *, include: Account | None = None) -> QuerySet[Account]:
    """The user's open accounts for a picker, plus `include` (an archived one being edited)."""
    shown = Q(is_archived=False) | Q(pk=include.pk) if include else Q(is_archived=False)
    return Account.objects.for_user(user).filter(shown).order_by("name")


def user_categories(user, *, include: Category | None = None) -> QuerySet[Category]:
    """The user's active categories for a picker, plus `include` (an archived one in use)."""
    shown = Q(is_archived=False) | Q(pk=include.pk) if include else Q(is_archived=False)
    return (
        Category.objects.for_user(user)
        .filter(shown)
        .select_related("parent")
        .order_by("kind", "parent__name", "name")
    )


class DirectionField(forms.ChoiceField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "choices", [("expense", "Money out (expense)"), ("income", "Money in (income)")]
        )
        kwargs.setdefault("widget", forms.RadioSelect)
        kwargs.setdefault("initial", "expense")
        kwargs.setdefault("label", "Kind")
        super().__init__(**kwargs)


def signed(amount: Decimal, direction: str) -> Decimal:
    return -abs(amount) if direction == "expense" else abs(amount)
