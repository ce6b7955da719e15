"""Serializers of the ledger API. They parse and check input; the viewsets call services."""

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from ledger.api.fields import AmountField, DateField, ScopedPrimaryKeyRelatedField
from ledger.currencies import CURRENCIES
from ledger.models import (
    Account,
    Category,
    Status,
    Tag,
    Transaction,
    TransactionSplit,
    Transfer,
)
from ledger.money import quantize

_DATETIME = serializers.DateTimeField()


def _datetime(value: datetime.datetime | None) -> str | None:
    """What `_DATETIME.to_representation` gives (ISO 8601 in the current timezone, "Z" for
    UTC), without its per-call field machinery: list pages call it twice per row."""
    if value is None or not settings.USE_TZ or timezone.is_naive(value):
        return _DATETIME.to_representation(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _money(value, currency: str) -> str | None:
    if value is None:
        return None
    return str(quantize(value, currency)) if currency in CURRENCIES else str(value)


class AccountSerializer(serializers.ModelSerializer):
    opening_balance = AmountField(required=False)
    opening_date = DateField(required=False, allow_null=True)
    balance = serializers.SerializerMethodField(
        help_text="Opening balance plus every transaction, in the account's currency."
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "type",
            "currency",
            "opening_balance",
            "opening_date",
            "institution",
            "is_archived",
            "is_liability",
            "balance",
            "provider",
            "mask",
            "created_at",
        ]
        read_only_fields = ["is_liability", "provider", "mask", "created_at"]
        extra_kwargs = {
            "currency": {"help_text": "ISO 4217 code; the user's base currency when left out."}
        }

    def get_balance(self, account: Account) -> str | None:
        return _money(getattr(account, "balance", None), account.currency)

    def to_representation(self, instance: Account) -> dict:
        data = super().to_representation(instance)
        data["opening_balance"] = _money(instance.opening_balance, instance.currency)
        return data


class CategorySerializer(serializers.ModelSerializer):
    parent = ScopedPrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Category
        fields = ["id", "name", "kind", "parent", "color", "icon", "is_archived"]


class CategoryMergeSerializer(serializers.Serializer):
    target = ScopedPrimaryKeyRelatedField(
        queryset=Category.objects.all(), help_text="The category that takes everything over."
    )


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class SplitSerializer(serializers.ModelSerializer):
    category = ScopedPrimaryKeyRelatedField(queryset=Category.objects.all(), allow_null=True)
    amount = AmountField()
    notes = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")

    class Meta:
        model = TransactionSplit
        fields = ["id", "category", "amount", "notes"]
        read_only_fields = ["id"]


class SplitsInputSerializer(serializers.Serializer):
    parts = SplitSerializer(many=True, help_text="Parts that add up to the transaction amount.")


class TransactionSerializer(serializers.ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all())
    category = ScopedPrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )
    tags = ScopedPrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, required=False)
    amount = AmountField()
    date = DateField()
    currency = serializers.CharField(source="account.currency", read_only=True)
    kind = serializers.ChoiceField(
        choices=["expense", "income", "transfer"], read_only=True, help_text="Derived."
    )
    splits = SplitSerializer(many=True, read_only=True)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="On update: the version you loaded. A mismatch answers 409 Conflict.",
    )

    class Meta:
        model = Transaction
        fields = [
            "id",
            "account",
            "currency",
            "date",
            "amount",
            "payee",
            "description",
            "notes",
            "category",
            "tags",
            "status",
            "source",
            "external_id",
            "kind",
            "transfer",
            "splits",
            "categorized_by",
            "confidence",
            "provider_category",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "transfer",
            "categorized_by",
            "confidence",
            "provider_category",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: Transaction) -> dict:
        # Written out by hand: this runs for every row of every list page, and the generic
        # field-by-field path costs several times more (the fields above still describe
        # the input and the schema; test_api checks both shapes agree).
        t = instance
        currency = t.account.currency
        # The list prefetches these as plain lists (to_attr); a single row may not have them.
        tags = getattr(t, "tag_list", None)
        splits = getattr(t, "split_list", None)
        return {
            "id": t.pk,
            "account": t.account_id,
            "currency": currency,
            "date": t.date.isoformat(),
            "amount": _money(t.amount, currency),
            "payee": t.payee,
            "description": t.description,
            "notes": t.notes,
            "category": t.category_id,
            "tags": [tag.pk for tag in (t.tags.all() if tags is None else tags)],
            "status": t.status,
            "source": t.source,
            "external_id": t.external_id,
            "kind": t.kind,
            "transfer": t.transfer_id,
            "splits": [
                {
                    "id": part.pk,
                    "category": part.category_id,
                    "amount": _money(part.amount, currency),
                    "notes": part.notes,
                }
                for part in (t.splits.all() if splits is None else splits)
            ],
            "categorized_by": t.categorized_by,
            "confidence": t.confidence,
            "provider_category": t.provider_category,
            "version": t.version,
            "created_at": _datetime(t.created_at),
            "updated_at": _datetime(t.updated_at),
        }


class BulkRowSerializer(serializers.Serializer):
    """One row of a bulk create; ids are resolved for all rows at once by the view."""

    account = serializers.IntegerField()
    date = DateField()
    amount = AmountField()
    payee = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    category = serializers.IntegerField(required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.IntegerField(), required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    external_id = serializers.CharField(
        max_length=200, required=False, allow_null=True, allow_blank=True
    )


class BulkCreateSerializer(serializers.Serializer):
    transactions = serializers.ListField(
        child=serializers.DictField(),
        max_length=1000,
        allow_empty=False,
        help_text="Up to 1,000 transactions, each like a transaction create body.",
    )


class BulkCreateResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class TransferSerializer(serializers.ModelSerializer):
    from_account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all())
    to_account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all())
    date = DateField()
    amount = AmountField(help_text="What leaves from_account, above zero, in its currency.")
    to_amount = AmountField(
        required=False,
        allow_null=True,
        help_text="What arrives in to_account; needed only when the currencies differ.",
    )
    payee = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    transactions = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Ids of the two transactions: out, then in.",
    )

    class Meta:
        model = Transfer
        fields = [
            "id",
            "from_account",
            "to_account",
            "date",
            "amount",
            "to_amount",
            "payee",
            "notes",
            "status",
            "transactions",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def to_representation(self, instance: Transfer) -> dict:
        sides = sorted(instance.transactions.all(), key=lambda t: (t.amount >= 0, t.pk))
        out = sides[0] if sides else None
        into = sides[1] if len(sides) > 1 else None
        return {
            "id": instance.pk,
            "from_account": out.account_id if out else None,
            "to_account": into.account_id if into else None,
            "date": out.date.isoformat() if out else None,
            "amount": _money(-out.amount, out.account.currency) if out else None,
            "to_amount": _money(into.amount, into.account.currency) if into else None,
            "payee": out.payee if out else "",
            "notes": out.notes if out else "",
            "status": out.status if out else Status.CLEARED,
            "transactions": [t.pk for t in sides],
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
        }
