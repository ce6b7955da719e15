import zoneinfo
from decimal import Decimal

from django import forms

from accounts.currencies import CURRENCY_CHOICES
from accounts.models import NUMBER_FORMATS, WEEKDAYS
from accounts.services import ProfileData

TIMEZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class ProfileForm(forms.Form):
    """Preferences asked at onboarding and edited in settings."""

    display_name = forms.CharField(
        max_length=80, required=False, help_text="How Billfold greets you."
    )
    base_currency = forms.ChoiceField(
        choices=CURRENCY_CHOICES,
        help_text="Totals across accounts are shown in this currency.",
        error_messages={"invalid_choice": "Choose a currency from the list (ISO 4217 code)."},
    )
    timezone = forms.ChoiceField(
        choices=[(tz, tz.replace("_", " ")) for tz in TIMEZONES],
        help_text="Decides when your days and months begin.",
        error_messages={"invalid_choice": "Choose a timezone from the list, e.g. Europe/Paris."},
    )
    number_format = forms.ChoiceField(choices=NUMBER_FORMATS, label="Number format")
    first_day_of_week = forms.TypedChoiceField(
        choices=WEEKDAYS, coerce=int, label="First day of the week"
    )
    month_start_day = forms.IntegerField(
        min_value=1,
        max_value=28,
        label="Your month starts on day",
        help_text="For example your payday (1–28). Budgets and reports follow this month.",
    )
    monthly_income = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        help_text="Used to suggest budgets.",
    )
    savings_goal = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        label="Monthly savings goal",
    )

    def to_data(self) -> ProfileData:
        data = self.cleaned_data
        return ProfileData(
            display_name=data["display_name"].strip(),
            base_currency=data["base_currency"],
            timezone=data["timezone"],
            number_format=data["number_format"],
            first_day_of_week=data["first_day_of_week"],
            month_start_day=data["month_start_day"],
            monthly_income=data["monthly_income"],
            savings_goal=data["savings_goal"],
        )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “home server backup script”."
    )
    expires_in_days = forms.TypedChoiceField(
        choices=[("", "Never"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year")],
        coerce=int,
        empty_value=None,
        required=False,
        label="Expires",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name
