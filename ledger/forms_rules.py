"""Forms of the rules pages: a rule's settings plus a formset of its conditions."""

from __future__ import annotations

from django import forms

from ledger.forms.fields import OwnedMultipleChoiceField
from ledger.models import Account, Category, Rule, Tag
from ledger.rules import FIELD_LABELS, FIELD_OPS, KINDS, OP_LABELS, RuleError, clean_conditions
from ledger.services.rules import RuleInput

FIELD_CHOICES = list(FIELD_LABELS.items())
OP_CHOICES = [(op, label) for op, label in OP_LABELS.items()]
OP_CHOICES[OP_CHOICES.index(("equals", "is"))] = ("equals", "is / equals")


class ConditionForm(forms.Form):
    field = forms.ChoiceField(choices=FIELD_CHOICES, initial="payee")
    op = forms.ChoiceField(choices=OP_CHOICES, initial="contains", label="Test")
    value = forms.CharField(
        max_length=500,
        required=False,
        help_text="Text, a pattern, an amount (negative = money out), or expense/income.",
    )
    value2 = forms.CharField(max_length=40, required=False, label="And (for between)")
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["account"].queryset = Account.objects.for_user(user)

    def condition(self) -> dict | None:
        """The condition as the engine stores it; None for an empty row."""
        data = getattr(self, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            return None
        fld = data.get("field")
        if fld == "account":
            account = data.get("account")
            return {"field": fld, "op": data.get("op"), "value": account.pk if account else None}
        value = (data.get("value") or "").strip()
        if not value:
            return None
        if fld == "kind":
            value = value.lower()
        item = {"field": fld, "op": data.get("op"), "value": value}
        if data.get("op") == "between":
            item["value2"] = (data.get("value2") or "").strip()
        return item

    def clean(self) -> dict:
        data = super().clean()
        fld, op = data.get("field"), data.get("op")
        if fld and op and op not in FIELD_OPS.get(fld, ()):
            allowed = ", ".join(OP_LABELS[o] for o in FIELD_OPS[fld])
            self.add_error("op", f"{FIELD_LABELS[fld]} can be tested with: {allowed}.")
        if fld == "kind" and data.get("value") and data["value"].lower() not in KINDS:
            self.add_error("value", "Kind is expense or income.")
        return data


class BaseConditionFormSet(forms.BaseFormSet):
    def __init__(self, *args, user=None, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "user": self.user}

    def conditions(self) -> tuple[list[dict], list[int]]:
        """The filled-in conditions, and the form index of each (to put errors back)."""
        out, where = [], []
        for index, form in enumerate(self.forms):
            cond = form.condition()
            if cond is not None:
                out.append(cond)
                where.append(index)
        return out, where


ConditionFormSet = forms.formset_factory(
    ConditionForm, formset=BaseConditionFormSet, extra=2, max_num=20, can_delete=True
)


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="For you, e.g. “Coffee shops”.")
    match_all = forms.TypedChoiceField(
        choices=[("1", "all conditions hold"), ("0", "any condition holds")],
        coerce=lambda v: v == "1",
        initial="1",
        label="Match when",
    )
    set_category = forms.ModelChoiceField(
        queryset=Category.objects.none(), required=False, label="Set category"
    )
    # Bounded ids: a number past any row id (10**30) is a field error, not a failed query.
    add_tags = OwnedMultipleChoiceField(
        queryset=Tag.objects.none(), required=False, label="Add tags"
    )
    rename_payee = forms.CharField(
        max_length=200,
        required=False,
        label="Rename payee to",
        help_text="Clean “SQ *BLUE BOTTLE 123 SF” into “Blue Bottle”.",
    )
    set_notes = forms.CharField(max_length=500, required=False, label="Set notes to")
    stop_processing = forms.BooleanField(
        required=False,
        initial=True,
        label="Stop here when it matches",
        help_text="Untick to go on to the next rule as well.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, user, instance: Rule | None = None, **kwargs) -> None:
        self.user = user
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "match_all": "1" if instance.match_all else "0",
                "set_category": instance.set_category_id,
                "add_tags": list(instance.add_tags.values_list("pk", flat=True)),
                "rename_payee": instance.rename_payee,
                "set_notes": instance.set_notes,
                "stop_processing": instance.stop_processing,
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)
        self.fields["set_category"].queryset = (
            Category.objects.for_user(user).active().select_related("parent")
        )
        self.fields["add_tags"].queryset = Tag.objects.for_user(user)

    def rule_input(self, conditions: list[dict]) -> RuleInput:
        d = self.cleaned_data
        return RuleInput(
            name=d["name"],
            conditions=conditions,
            match_all=d["match_all"],
            category=d.get("set_category"),
            tags=list(d.get("add_tags") or []),
            rename_payee=d.get("rename_payee", ""),
            set_notes=d.get("set_notes", ""),
            stop_processing=d.get("stop_processing", False),
            is_active=d.get("is_active", False),
        )


def condition_initial(rule: Rule) -> list[dict]:
    rows = []
    for cond in rule.conditions:
        row = {"field": cond["field"], "op": cond["op"], "value": cond.get("value", "")}
        if cond["field"] == "account":
            row = {**row, "account": cond.get("value"), "value": ""}
        if cond.get("value2") is not None:
            row["value2"] = cond["value2"]
        rows.append(row)
    return rows


def put_rule_error(
    form: RuleForm, formset: BaseConditionFormSet, exc: RuleError, where: list[int]
) -> None:
    """Show a RuleError next to the condition or field it is about."""
    if exc.index is not None and exc.index < len(where):
        target = formset.forms[where[exc.index]]
        message = str(exc)
        field = (
            "field" if "Unknown field" in message else "op" if "compared" in message else "value"
        )
        target.add_error(field, str(exc))
    elif exc.field in form.fields:
        form.add_error(exc.field, str(exc))
    else:
        form.add_error(None, str(exc))


def check_conditions(formset: BaseConditionFormSet) -> tuple[list[dict], list[int]]:
    """The formset's conditions, validated by the engine (raises RuleError)."""
    conditions, where = formset.conditions()
    clean_conditions(conditions)
    return conditions, where
