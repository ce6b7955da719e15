"""Forms of the statement import pages: they parse input; the services do the work."""

from typing import Any

from django import forms
from django.conf import settings

from banking.importers import DEBIT_CREDIT, INDICATOR, PROFILES, SIGNED, CsvMapping
from banking.importers.base import human_size
from banking.importers.dates import DATE_FORMATS
from banking.models import ImportProfile
from banking.services.imports import (
    DECISIONS,
    IMPORT,
    LINK,
    SKIP,
    date_format_label,
    max_upload_bytes,
)
from ledger.models import Account, AccountType

NEW = "new"


class ImportUploadForm(forms.Form):
    account = forms.ChoiceField(label="Into account", required=True)
    new_account_name = forms.CharField(label="New account name", max_length=100, required=False)
    new_account_type = forms.ChoiceField(
        label="Type", choices=AccountType.choices, required=False, initial=AccountType.CHECKING
    )
    new_account_currency = forms.CharField(
        label="Currency", max_length=3, required=False, help_text="Three letters, e.g. USD, EUR."
    )
    file = forms.FileField(
        label="Statement file",
        help_text="CSV/TSV, OFX/QFX, QIF, CAMT.053 or MT940; the format is recognised from "
        "the content.",
    )
    profile = forms.ChoiceField(label="Column profile", required=False)

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.accounts = {
            str(a.pk): a for a in Account.objects.for_user(user).active().order_by("name")
        }
        self.fields["account"].choices = [
            ("", "Choose an account…"),
            *((pk, str(a)) for pk, a in self.accounts.items()),
            (NEW, "New account…"),
        ]
        saved = list(ImportProfile.objects.for_user(user).values_list("name", flat=True))
        self.fields["profile"].choices = [
            ("", "Recognise automatically"),
            *((("Your profiles", [(n, n) for n in saved]),) if saved else ()),
            (
                "Built-in bank layouts",
                sorted(((p.slug, p.name) for p in PROFILES), key=lambda c: c[1]),
            ),
        ]
        self.fields["file"].help_text += f" Up to {settings.IMPORT_MAX_UPLOAD_MB} MB."
        currency = getattr(getattr(user, "profile", None), "base_currency", "") or "USD"
        self.fields["new_account_currency"].initial = currency
        self.fields["file"].widget.attrs.update({"data-max-bytes": str(max_upload_bytes())})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"This file is {human_size(upload.size)}; the largest file you can import is "
                f"{settings.IMPORT_MAX_UPLOAD_MB} MB."
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice = data.get("account")
        if choice == NEW:
            if not data.get("new_account_name", "").strip():
                self.add_error("new_account_name", "Name the new account.")
            if len((data.get("new_account_currency") or "").strip()) != 3:
                self.add_error("new_account_currency", "Use a three-letter code such as USD.")
        elif choice and choice not in self.accounts:
            self.add_error("account", "Choose one of your accounts.")
        return data

    def target(self) -> tuple[Account | None, dict[str, str] | None]:
        choice = self.cleaned_data["account"]
        if choice == NEW:
            return None, {
                "name": self.cleaned_data["new_account_name"].strip(),
                "type": self.cleaned_data.get("new_account_type") or AccountType.CHECKING,
                "currency": self.cleaned_data["new_account_currency"].strip().upper(),
            }
        return self.accounts[choice], None


AMOUNT_STYLES = (
    (SIGNED, "One column with signed amounts"),
    (DEBIT_CREDIT, "Separate money-out and money-in columns"),
    (INDICATOR, "An amount plus a debit/credit column"),
)
DECIMAL_MARKS = ((".", "Point: 1,234.56"), (",", "Comma: 1.234,56"))


class MappingForm(forms.Form):
    """Which column means what. Column choices are 0-based indices as strings."""

    date = forms.ChoiceField(label="Date")
    date_format = forms.ChoiceField(label="Date format")
    amount_style = forms.ChoiceField(
        label="Amounts", choices=AMOUNT_STYLES, widget=forms.RadioSelect
    )
    amount = forms.ChoiceField(label="Amount", required=False)
    debit = forms.ChoiceField(label="Money out (debit)", required=False)
    credit = forms.ChoiceField(label="Money in (credit)", required=False)
    indicator = forms.ChoiceField(label="Debit/credit column", required=False)
    debit_values = forms.CharField(
        label="Values meaning debit", required=False, help_text="Comma-separated, e.g. D, DR"
    )
    credit_values = forms.CharField(
        label="Values meaning credit", required=False, help_text="Comma-separated, e.g. C, CR"
    )
    payee = forms.ChoiceField(label="Payee", required=False)
    description = forms.MultipleChoiceField(
        label="Description",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Several columns are joined.",
    )
    notes = forms.ChoiceField(label="Notes", required=False)
    category = forms.ChoiceField(label="Category", required=False)
    external_id = forms.ChoiceField(label="Transaction id", required=False)
    balance = forms.ChoiceField(label="Balance", required=False)
    decimal_mark = forms.ChoiceField(label="Decimal mark", choices=DECIMAL_MARKS)
    flip_sign = forms.BooleanField(
        label="Flip sign (charges are written as positive numbers)", required=False
    )
    profile_name = forms.CharField(
        label="Save as profile",
        max_length=100,
        required=False,
        help_text="Name it to use this mapping automatically for files with these columns.",
    )

    single_columns = (
        "date",
        "amount",
        "debit",
        "credit",
        "indicator",
        "payee",
        "notes",
        "category",
        "external_id",
        "balance",
    )

    def __init__(self, *args: Any, header: list[str], date_formats: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        columns = [(str(i), f"{i + 1}. {name or '(no name)'}") for i, name in enumerate(header)]
        for name in self.single_columns:
            self.fields[name].choices = [("", "—"), *columns]
        self.fields["description"].choices = columns
        ordered = list(dict.fromkeys([*date_formats, *DATE_FORMATS]))
        self.fields["date_format"].choices = [(f, date_format_label(f)) for f in ordered]

    @classmethod
    def initial_from(cls, mapping: CsvMapping) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: "" if getattr(mapping, name) is None else str(getattr(mapping, name))
            for name in cls.single_columns
        }
        data.update(
            date_format=mapping.date_format,
            amount_style=mapping.amount_style,
            debit_values=", ".join(mapping.debit_values),
            credit_values=", ".join(mapping.credit_values),
            description=[str(i) for i in mapping.description],
            decimal_mark=mapping.decimal_mark,
            flip_sign=mapping.flip_sign,
        )
        return data

    def mapping(self, base: CsvMapping) -> CsvMapping:
        """The submitted mapping, keeping what the form does not show (fee, currency)."""
        data = self.cleaned_data
        values = base.to_dict()
        for name in self.single_columns:
            values[name] = int(data[name]) if data.get(name) not in (None, "") else None
        values.update(
            date_format=data["date_format"],
            amount_style=data["amount_style"],
            debit_values=[v.strip() for v in data.get("debit_values", "").split(",") if v.strip()],
            credit_values=[
                v.strip() for v in data.get("credit_values", "").split(",") if v.strip()
            ],
            description=[int(v) for v in data.get("description") or []],
            decimal_mark=data["decimal_mark"],
            flip_sign=bool(data.get("flip_sign")),
        )
        return CsvMapping.from_dict(values)


STATEMENT_TYPES = {
    "checking": AccountType.CHECKING,
    "savings": AccountType.SAVINGS,
    "moneymrkt": AccountType.SAVINGS,
    "creditcard": AccountType.CREDIT_CARD,
    "creditline": AccountType.CREDIT_CARD,
    "cash": AccountType.CASH,
    "investment": AccountType.INVESTMENT,
}


class AccountMapForm(forms.Form):
    """One choice per account found in the file: an existing account, a new one, or skip."""

    def __init__(self, *args: Any, user, entries: list[dict], current: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entries = entries
        accounts = list(Account.objects.for_user(user).active().order_by("name"))
        choices = [
            ("", "Skip this account"),
            (NEW, "Create a new account"),
            *((str(a.pk), str(a)) for a in accounts),
        ]
        for index, entry in enumerate(entries):
            value = current.get(entry["key"])
            self.fields[f"acct_{index}"] = forms.ChoiceField(
                label=f"{entry['name']} ({entry['rows']} rows"
                + (f", {entry['currency']}" if entry.get("currency") else "")
                + ")",
                choices=choices,
                required=False,
                initial=str(value) if value else NEW,
            )

    def choices(self) -> list[tuple[dict, str]]:
        return [(e, self.cleaned_data.get(f"acct_{i}") or "") for i, e in enumerate(self.entries)]


class CommitForm(forms.Form):
    skip_errors = forms.BooleanField(label="Import without the bad rows", required=False)

    def __init__(self, *args: Any, possible: list[dict], decisions: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.possible = possible
        labels = {
            SKIP: "Skip (it is the same)",
            IMPORT: "Import anyway",
            LINK: "Link to the existing one",
        }
        for item in possible:
            self.fields[f"d_{item['key']}"] = forms.ChoiceField(
                label=f"Row {item['line']}",
                choices=[(d, labels[d]) for d in DECISIONS],
                initial=decisions.get(item["key"], SKIP),
                widget=forms.RadioSelect,
                required=False,
            )

    def decisions(self) -> dict[str, str]:
        return {
            item["key"]: self.cleaned_data.get(f"d_{item['key']}") or SKIP for item in self.possible
        }

    def rows(self):
        for item in self.possible:
            yield item, self[f"d_{item['key']}"]


class UndoForm(forms.Form):
    confirm_edited = forms.BooleanField(label="Remove them anyway, with my changes", required=False)
