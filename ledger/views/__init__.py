"""Ledger pages: short typed function views that wire forms to services.

Every object is fetched through `for_user(request.user)`, so a stranger's id is a 404.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from ledger import filters


def user_today(user) -> datetime.date:
    """Today in the user's own timezone (the same rule the filters' periods use)."""
    return filters.user_today(user)[0]


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` URL of the request if it points back into this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field when the form has
    one by that name, otherwise at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        for error in errors:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
