from django import forms

from banking.connections import BankAccount
from ledger.models import Account


class AccountMappingForm(forms.Form):
    """One choice per bank account: a new ledger account, an existing one, or skip it."""

    def __init__(self, *args, user, bank_accounts: list[BankAccount], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.bank_accounts = bank_accounts
        existing = list(Account.objects.for_user(user).active())
        for ba in bank_accounts:
            same_currency = [a for a in existing if a.currency == ba.currency]
            choices = [("new", f"Create a new account “{ba.name}” ({ba.currency})")]
            choices += [(str(a.pk), f"Use {a.name} ({a.currency})") for a in same_currency]
            choices += [("skip", "Don’t import this account")]
            initial = str(ba.account_id) if ba.account_id else "new"
            self.fields[f"account_{ba.pk}"] = forms.ChoiceField(
                label=f"{ba.name} ••{ba.mask}" if ba.mask else ba.name,
                choices=choices,
                initial=initial,
            )

    def rows(self) -> list[tuple[BankAccount, forms.BoundField]]:
        return [(ba, self[f"account_{ba.pk}"]) for ba in self.bank_accounts]

    def mapping(self) -> dict[int, str | int | None]:
        result: dict[int, str | int | None] = {}
        for ba in self.bank_accounts:
            value = self.cleaned_data[f"account_{ba.pk}"]
            result[ba.pk] = None if value == "skip" else ("new" if value == "new" else int(value))
        return result


class RemoveConnectionForm(forms.Form):
    transactions = forms.ChoiceField(
        label="What should happen to the transactions it imported?",
        choices=[
            ("keep", "Keep them in my ledger"),
            ("delete", "Delete them"),
        ],
        initial="keep",
        widget=forms.RadioSelect,
    )
