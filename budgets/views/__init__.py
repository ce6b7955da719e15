"""Pages of the budgets app: budgets, notifications, recurring bills and subscriptions."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's field errors next to the form's fields (or at the top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        for error in errors:
            for message in error.messages:
                form.add_error(name if name in form.fields else None, message)
