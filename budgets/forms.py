"""Forms of the budgets pages: they parse what a person typed; services check and save."""

from django import forms

from budgets.models import Frequency, Period
from ledger.currencies import CURRENCIES
from ledger.forms import (
    AccountChoiceField,
    AmountField,
    CategoryChoiceField,
    UserDateField,
    user_accounts,
    user_categories,
)

DIRECTIONS = [("expense", "Money out (a bill)"), ("income", "Money in (income)")]


def signed(amount, direction: str):
    return -abs(amount) if direction == "expense" else abs(amount)


def _currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in sorted(CURRENCIES)]


ROLLOVER_LIMIT_NOTE = (
    "With roll over on, changing the limit also changes what past months carried over: "
    "every earlier period counts at the new limit."
)


class BudgetForm(forms.Form):
    category = CategoryChoiceField(
        queryset=None,
        required=False,
        empty_label="All spending",
        help_text="Its sub-categories count too.",
    )
    period = forms.ChoiceField(choices=Period.choices, initial=Period.MONTH)
    amount = AmountField(label="Limit", allow_negative=False)
    currency = forms.ChoiceField(choices=_currency_choices)
    rollover = forms.BooleanField(
        required=False,
        label="Roll over",
        help_text="Carry what is left (or overspent) into the next period.",
    )

    def __init__(self, *args, user, category=None, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = user_categories(user, include=category).filter(
            kind="expense"
        )
        if editing:  # budgets keep one limit, not a history of them
            self.fields["amount"].help_text = ROLLOVER_LIMIT_NOTE


class ThresholdsField(forms.CharField):
    def to_python(self, value):  # type: ignore[no-untyped-def]
        text = (super().to_python(value) or "").replace("%", "")
        try:
            numbers = sorted(
                {int(part) for part in text.replace(";", ",").split(",") if part.strip()}
            )
        except ValueError:
            raise forms.ValidationError(
                "Enter whole percentages separated by commas, like 80, 100."
            ) from None
        if not numbers or len(numbers) > 5 or any(n < 1 or n > 500 for n in numbers):
            raise forms.ValidationError("Enter one to five percentages between 1 and 500.")
        return numbers


class BudgetSettingsForm(forms.Form):
    thresholds = ThresholdsField(
        label="Alert me at", help_text="Percentages of a budget, like 80, 100."
    )
    email_alerts = forms.BooleanField(required=False, label="Also send alerts by email")


class RecurringForm(forms.Form):
    payee = forms.CharField(max_length=200)
    direction = forms.ChoiceField(
        choices=DIRECTIONS,
        initial="expense",
        label="Kind",
        widget=forms.RadioSelect(attrs={"class": "segmented"}),
    )
    amount = AmountField(allow_negative=False)
    is_approximate = forms.BooleanField(
        required=False,
        label="The amount varies",
        help_text="A utility bill, say; matching allows 20%.",
    )
    account = AccountChoiceField(queryset=None, empty_label="Choose an account")
    category = CategoryChoiceField(queryset=None, required=False, empty_label="No category")
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.MONTHLY)
    day_of_month = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=31,
        label="Day of the month",
        help_text="Monthly and quarterly bills; 31 falls on the last day of shorter months.",
    )
    last_day = forms.BooleanField(required=False, label="On the last day of the month")
    start_date = UserDateField(label="First date")
    end_date = UserDateField(required=False, label="Last date")
    auto_post = forms.BooleanField(
        required=False,
        label="Add it by itself",
        help_text="Post the transaction on the day. Otherwise it is only expected, and matched when your bank or an import brings it.",
    )

    def __init__(self, *args, user, item=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = user_accounts(
            user, include=item.account if item else None
        )
        self.fields["category"].queryset = user_categories(
            user, include=item.category if item else None
        )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be on or after the start date.")
        return data
