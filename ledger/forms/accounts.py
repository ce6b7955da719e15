"""Forms for money accounts and for deleting the user's own account (the Data tab)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from ledger.currencies import is_currency
from ledger.forms.fields import (
    AmountField,
    UserDateField,
    check_currency_decimals,
)
from ledger.models import AccountType

# --- Accounts ---------------------------------------------------------------------------------


class AccountForm(forms.Form):
    name = forms.CharField(max_length=100)
    type = forms.ChoiceField(choices=AccountType.choices)
    currency = forms.CharField(
        max_length=3,
        help_text="Three-letter ISO code, like USD, EUR or JPY.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    opening_balance = AmountField(required=False, initial="0", help_text="What it held at first.")
    opening_date = UserDateField(required=False)
    institution = forms.CharField(max_length=100, required=False, help_text="Bank or issuer.")

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        if not is_currency(code):
            raise ValidationError("Unknown currency code; use three letters like USD or EUR.")
        return code

    def clean(self) -> dict:
        data = super().clean()
        if data.get("currency"):
            check_currency_decimals(
                self, "opening_balance", data.get("opening_balance"), data["currency"]
            )
        if data.get("opening_balance") is None:
            data["opening_balance"] = Decimal("0")
        return data


# --- Data -------------------------------------------------------------------------------------


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Type your password to confirm.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("That is not your password.")
        return password
