"""Forms for categories and tags."""

import re

from django import forms
from django.core.exceptions import ValidationError

from ledger.forms.fields import (
    CategoryChoiceField,
    user_categories,
)
from ledger.models import Category, CategoryKind, Tag

# --- Categories and tags ----------------------------------------------------------------------


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=CategoryKind.choices)
    parent = CategoryChoiceField(
        queryset=Category.objects.none(),
        required=False,
        empty_label="None (top level)",
        help_text="Make it a sub-category of another one.",
    )
    color = forms.CharField(
        max_length=7, initial="#64748b", widget=forms.TextInput(attrs={"type": "color"})
    )
    icon = forms.CharField(
        max_length=16, required=False, label="Emoji", help_text="One emoji, like 🛒."
    )

    def __init__(self, *args, user, instance: Category | None = None, **kwargs) -> None:
        self.user = user
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "kind": instance.kind,
                "parent": instance.parent_id,
                "color": instance.color,
                "icon": instance.icon,
            }
        super().__init__(*args, **kwargs)
        parents = Category.objects.for_user(user).filter(parent__isnull=True, is_archived=False)
        if instance is not None:
            parents = parents.exclude(pk=instance.pk)
        self.fields["parent"].queryset = parents.order_by("kind", "name")

    def clean_color(self) -> str:
        color = self.cleaned_data["color"].strip().lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", color):
            raise ValidationError("Pick a colour, like #3b82f6.")
        return color


class CategoryMergeForm(forms.Form):
    target = CategoryChoiceField(
        queryset=Category.objects.none(), label="Merge into", empty_label=None
    )

    def __init__(self, *args, user, source: Category, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            user_categories(user).filter(kind=source.kind).exclude(pk=source.pk)
        )


class TagForm(forms.Form):
    name = forms.CharField(max_length=50)

    def __init__(self, *args, user, instance: Tag | None = None, **kwargs) -> None:
        self.user = user
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": instance.name}
        super().__init__(*args, **kwargs)
