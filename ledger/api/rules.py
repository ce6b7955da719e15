"""Rules API: CRUD, reorder, test, preview and apply to existing, and a rule from a transaction.

Every queryset starts from `for_user(request.user)`; every write goes through
ledger.services.rules; a foreign key to someone else's row is a 400 field error.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from ledger.api.fields import ScopedPrimaryKeyRelatedField
from ledger.models import Category, Rule, Tag, Transaction
from ledger.rules import RuleError, clean_conditions
from ledger.services.rules import (
    SLOW_PATTERN_MESSAGE,
    RuleInput,
    rule_apply_to_existing,
    rule_create,
    rule_delete,
    rule_from_transaction,
    rule_preview,
    rule_test,
    rule_update,
    rules_reorder,
)


def _drf_error(exc: RuleError) -> serializers.ValidationError:
    if exc.index is not None:
        return serializers.ValidationError({exc.field: {str(exc.index): [str(exc)]}})
    return serializers.ValidationError({exc.field: [str(exc)]})


class ConditionsField(serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return clean_conditions(value)
        except RuleError as exc:
            raise serializers.ValidationError(
                [f"Condition {exc.index + 1}: {exc}" if exc.index is not None else str(exc)]
            ) from None


class RuleSerializer(serializers.ModelSerializer):
    conditions = ConditionsField(
        help_text=(
            'A list of {"field", "op", "value", "value2"}: field payee|description|notes '
            "(op contains|equals|starts_with|ends_with|regex), amount (equals|less|greater|"
            "between, signed: negative = money out), account (is|is_not, an account id), kind "
            "(is, expense|income)."
        )
    )
    set_category = ScopedPrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )
    add_tags = ScopedPrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, required=False)

    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "priority",
            "match_all",
            "conditions",
            "set_category",
            "add_tags",
            "rename_payee",
            "set_notes",
            "stop_processing",
            "is_active",
            "pattern_timed_out_at",
        ]
        read_only_fields = ["priority", "pattern_timed_out_at"]

    def rule_input(self, base: Rule | None = None) -> RuleInput:
        d = self.validated_data

        def pick(name, default):
            if name in d:
                return d[name]
            return getattr(base, name) if base is not None else default

        return RuleInput(
            name=pick("name", ""),
            conditions=pick("conditions", []),
            match_all=pick("match_all", True),
            category=pick("set_category", None),
            tags=list(d["add_tags"])
            if "add_tags" in d
            else (list(base.add_tags.all()) if base else []),
            rename_payee=pick("rename_payee", ""),
            set_notes=pick("set_notes", ""),
            stop_processing=pick("stop_processing", True),
            is_active=pick("is_active", True),
        )


class RuleTestSerializer(serializers.Serializer):
    conditions = ConditionsField()
    match_all = serializers.BooleanField(default=True)


class ReorderSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class FromTransactionSerializer(serializers.Serializer):
    transaction = ScopedPrimaryKeyRelatedField(queryset=Transaction.objects.all())
    category = ScopedPrimaryKeyRelatedField(queryset=Category.objects.all())


class MatchSerializer(serializers.ModelSerializer):
    amount = serializers.CharField()

    class Meta:
        model = Transaction
        fields = ["id", "date", "payee", "description", "amount", "account", "category"]


class PreviewItemSerializer(MatchSerializer):
    notes = serializers.CharField(help_text="The notes after applying the rule.")
    notes_before = serializers.CharField(help_text="The notes now (differs when they change).")

    class Meta(MatchSerializer.Meta):
        fields = [*MatchSerializer.Meta.fields, "notes", "notes_before"]


class KeptNotesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transaction
        fields = ["id", "date", "payee", "notes"]


PREVIEW = inline_serializer(
    "RulePreview",
    fields={
        "count": serializers.IntegerField(),
        "sample": PreviewItemSerializer(many=True),
        "notes_kept": serializers.IntegerField(
            help_text="Matching transactions that already have notes: never replaced."
        ),
        "notes_kept_sample": KeptNotesSerializer(many=True),
        "warning": serializers.CharField(
            help_text="Set when the rule's pattern ran out of time on some transactions."
        ),
    },
)


class RuleViewSet(viewsets.ModelViewSet):
    """The user's rules, in priority order (lower runs first)."""

    serializer_class = RuleSerializer
    queryset = Rule.objects.none()
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Rule]:
        if getattr(self, "swagger_fake_view", False):
            return Rule.objects.none()
        return Rule.objects.for_user(self.request.user).prefetch_related("add_tags")

    def perform_create(self, serializer: RuleSerializer) -> None:
        try:
            serializer.instance = rule_create(user=self.request.user, data=serializer.rule_input())
        except RuleError as exc:
            raise _drf_error(exc) from None

    def perform_update(self, serializer: RuleSerializer) -> None:
        rule = serializer.instance
        try:
            serializer.instance = rule_update(rule=rule, data=serializer.rule_input(rule))
        except RuleError as exc:
            raise _drf_error(exc) from None

    def perform_destroy(self, instance: Rule) -> None:
        rule_delete(rule=instance)

    @extend_schema(request=ReorderSerializer, responses=RuleSerializer(many=True))
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request) -> Response:
        """Put the rules in this order: `ids` lists the user's rules, first runs first."""
        data = ReorderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            rules = rules_reorder(user=request.user, rule_ids=data.validated_data["ids"])
        except RuleError as exc:
            raise _drf_error(exc) from None
        return Response(RuleSerializer(rules, many=True).data)

    @extend_schema(request=None, responses=PREVIEW)
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        """How many existing transactions applying this rule would change, and the newest 50."""
        preview = rule_preview(rule=self.get_object(), limit=50)
        return Response(
            {
                "count": preview.count,
                "sample": PreviewItemSerializer(preview.sample, many=True).data,
                "notes_kept": preview.notes_kept,
                "notes_kept_sample": KeptNotesSerializer(preview.kept_sample, many=True).data,
                "warning": SLOW_PATTERN_MESSAGE if preview.slow_pattern else "",
            }
        )

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "RuleApplied",
            fields={
                "changed": serializers.IntegerField(allow_null=True),
                "background": serializers.BooleanField(),
            },
        ),
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str) -> Response:
        """Apply this rule to existing transactions (in the background past a threshold)."""
        changed = rule_apply_to_existing(rule=self.get_object())
        if changed < 0:
            return Response({"changed": None, "background": True}, status=status.HTTP_202_ACCEPTED)
        return Response({"changed": changed, "background": False})

    @extend_schema(request=RuleTestSerializer, responses=MatchSerializer(many=True))
    @action(detail=False, methods=["post"])
    def test(self, request: Request) -> Response:
        """Recent transactions (up to 20) that these unsaved conditions match."""
        data = RuleTestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = rule_test(user=request.user, **data.validated_data)
        return Response(MatchSerializer(found.matches, many=True).data)

    @extend_schema(request=FromTransactionSerializer, responses=RuleSerializer)
    @action(detail=False, methods=["post"], url_path="from-transaction")
    def from_transaction(self, request: Request) -> Response:
        """ "Always categorize this payee as that category": creates the rule and applies it."""
        data = FromTransactionSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        txn = get_object_or_404(
            Transaction.objects.for_user(request.user), pk=data.validated_data["transaction"].pk
        )
        try:
            rule = rule_from_transaction(transaction=txn, category=data.validated_data["category"])
        except RuleError as exc:
            raise _drf_error(exc) from None
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)
