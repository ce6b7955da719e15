"""Input checks shared by the ledger services, so pages, API, imports and syncs all get the
same field errors. Each `clean_*` returns the cleaned value or records an error on `errors`.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from ledger.money import check_amount, parse_amount

MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2200, 12, 31)


class FieldErrors:
    """Collects {field: [messages]} and raises them together as one ValidationError."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str | ValidationError) -> None:
        messages = message.messages if isinstance(message, ValidationError) else [message]
        self.errors.setdefault(field, []).extend(messages)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def clean_amount(
    errors: FieldErrors, value: Any, currency: str, field: str = "amount"
) -> Decimal | None:
    if value is None or value == "":
        errors.add(field, "Enter an amount.")
        return None
    try:
        return check_amount(parse_amount(value), currency)
    except ValidationError as exc:
        errors.add(field, exc)
        return None


def clean_date(errors: FieldErrors, value: Any, field: str = "date") -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            errors.add(field, "Enter a valid date, like 2025-01-31.")
            return None
    if not isinstance(value, datetime.date):
        errors.add(field, "Enter a valid date, like 2025-01-31.")
        return None
    if not MIN_DATE <= value <= MAX_DATE:
        errors.add(field, "Enter a date between 1900 and 2200.")
        return None
    return value


def clean_text(
    errors: FieldErrors,
    value: Any,
    model: type[models.Model],
    field: str,
    *,
    required: bool = False,
    label: str | None = None,
) -> str:
    text = "" if value is None else str(value).strip()
    max_length = model._meta.get_field(field).max_length
    if required and not text:
        errors.add(field, f"Enter a {label or field}.")
    elif max_length and len(text) > max_length:
        errors.add(field, f"Keep this under {max_length} characters (it has {len(text)}).")
    return text


def clean_choice(
    errors: FieldErrors, value: Any, choices: type[models.TextChoices], field: str
) -> str:
    if value not in choices.values:
        allowed = ", ".join(v for v in choices.values if v)
        errors.add(field, f"Choose one of: {allowed}.")
        return ""
    return value


def check_owned(errors: FieldErrors, user, obj: models.Model | None, field: str) -> None:
    """A foreign key must point at one of the user's own rows (None passes)."""
    if obj is not None and obj.user_id != user.pk:  # type: ignore[attr-defined]
        errors.add(field, "Choose one of your own.")


def check_all_owned(errors: FieldErrors, user, objs: Iterable[models.Model], field: str) -> None:
    if any(obj.user_id != user.pk for obj in objs):  # type: ignore[attr-defined]
        errors.add(field, "Choose one of your own.")
