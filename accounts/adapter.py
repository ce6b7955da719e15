from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib import messages
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

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        # allauth looks for a clash among its own address rows only. Accounts an operator or a
        # script made have none, so confirming a change to such an account's address would
        # hit the unique User.email column (a 500). Refuse it like any taken address.
        taken = (
            User.objects.filter(email__iexact=email_address.email)
            .exclude(pk=email_address.user_id)
            .exists()
        )
        if taken:
            self.add_message(
                request,
                messages.ERROR,
                "account/messages/email_confirmation_failed.txt",
                {"email": email_address.email},
            )
            return False
        return super().confirm_email(request, email_address)
