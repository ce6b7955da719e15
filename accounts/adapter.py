from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User
from accounts.services import profile_get_or_create


class AccountAdapter(DefaultAccountAdapter):
    """Billfold's hooks into allauth."""

    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            # Someone who signs up chooses currency, timezone and payday on the onboarding page.
            profile_get_or_create(user, onboarded=False)
        return user

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return reverse("accounts:onboarding")
