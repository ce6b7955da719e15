"""Serializer fields for the ledger API: amounts as strings, foreign keys scoped to the user."""

from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import APIException

from ledger.money import parse_amount


class AmountField(serializers.CharField):
    """A signed decimal amount, sent and received as a string ("-12.50"); a JSON number is
    accepted too. The currency's own decimal places are checked by the service."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "Signed decimal as a string: negative is money out.")
        super().__init__(**kwargs)
        self.validators = []  # CharField's length checks do not apply to a Decimal

    def to_internal_value(self, data) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            raise serializers.ValidationError("Enter an amount as a number, like 1234.56.")
        if len(str(data)) > 40:
            raise serializers.ValidationError("That amount is too long to be real.")
        try:
            return parse_amount(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def to_representation(self, value) -> str:
        return str(value)


class DateField(serializers.DateField):
    """An ISO date; anything else (a day that does not exist, another format) gets one
    plain message."""

    default_error_messages = {
        **serializers.DateField.default_error_messages,
        "invalid": "Enter a real date as YYYY-MM-DD, like 2025-03-31.",
        "datetime": "Enter a date as YYYY-MM-DD, without a time.",
    }


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key that must name one of the requesting user's own rows; anyone else's id
    reads as "does not exist" (a 400 field error that leaks nothing)."""

    def get_queryset(self):
        request = self.context.get("request")
        model = self.queryset.model
        if request is None or not request.user.is_authenticated:
            return model.objects.none()
        return model.objects.for_user(request.user)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The row changed since you loaded it."
    default_code = "conflict"


def as_drf_errors(exc: DjangoValidationError) -> dict | list:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


@contextmanager
def service_errors():
    """Turn a service's Django ValidationError into a DRF 400 (or 409 for an edit conflict)."""
    try:
        yield
    except DjangoValidationError as exc:
        if getattr(exc, "code", None) == "conflict":
            raise Conflict(exc.messages[0]) from None
        raise serializers.ValidationError(as_drf_errors(exc)) from None
