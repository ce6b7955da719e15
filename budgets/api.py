"""Budgets API: budgets with their current status and history, recurring items, upcoming
bills, detected subscriptions and notifications. Every queryset starts from
`for_user(request.user)` (a stranger's id is a 404); a foreign key to someone else's row is a
400 field error (ScopedPrimaryKeyRelatedField); every write goes through a service."""

import datetime

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from budgets import selectors
from budgets.detection import Series, subscriptions_detect
from budgets.models import Budget, Frequency, Notification, RecurringItem
from budgets.services.alerts import notification_mark_read, notifications_mark_all_read
from budgets.services.budgets import budget_archive, budget_create, budget_update
from budgets.services.recurring import (
    recurring_create,
    recurring_stop,
    recurring_update,
    subscription_track,
)
from ledger.api.fields import AmountField, ScopedPrimaryKeyRelatedField, service_errors
from ledger.filters import user_today
from ledger.models import Account, Category


def _whole_number(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    """A query parameter that must be a whole number in [low, high] (a 400 otherwise)."""
    text = request.query_params.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise serializers.ValidationError({name: [f"Enter a whole number from {low} to {high}."]})
    return value


# --- Budgets ------------------------------------------------------------------------------------


class BudgetStatusSerializer(serializers.Serializer):
    period_start = serializers.DateField(source="start")
    period_end = serializers.DateField(source="last_day", help_text="Last day, inclusive.")
    spent = serializers.DecimalField(max_digits=15, decimal_places=3)
    limit = serializers.DecimalField(max_digits=15, decimal_places=3)
    carry = serializers.DecimalField(
        max_digits=15, decimal_places=3, help_text="Rolled over from earlier periods."
    )
    available = serializers.DecimalField(max_digits=15, decimal_places=3)
    remaining = serializers.DecimalField(max_digits=15, decimal_places=3)
    percent = serializers.IntegerField()
    pace_percent = serializers.IntegerField(
        help_text="Where spending would be by the end of today at an even pace, in percent."
    )
    upcoming = serializers.DecimalField(
        max_digits=15,
        decimal_places=3,
        help_text="Bills still due this period (recurring, or seen in the history).",
    )
    forecast = serializers.DecimalField(max_digits=15, decimal_places=3)
    health = serializers.ChoiceField(choices=["on-track", "at-risk", "over"])


class BudgetSerializer(serializers.ModelSerializer):
    category = ScopedPrimaryKeyRelatedField(
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        help_text="An expense category (its sub-categories count too); null for all spending.",
    )
    amount = AmountField(
        help_text="The limit per period, more than zero. There is no history of limits: with "
        "rollover, a new limit also changes what earlier periods carried over."
    )
    currency = serializers.CharField(required=False, max_length=3)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Budget
        fields = [
            "id", "category", "period", "amount", "currency", "rollover", "start_date",
            "is_archived", "status",
        ]  # fmt: skip
        read_only_fields = ["start_date", "is_archived"]

    @extend_schema_field(BudgetStatusSerializer(allow_null=True))
    def get_status(self, budget: Budget) -> dict | None:
        statuses = self.context.get("statuses") or {}
        status = statuses.get(budget.pk)
        return BudgetStatusSerializer(status).data if status else None


class HistorySerializer(serializers.Serializer):
    period_start = serializers.DateField(source="start")
    period_end = serializers.DateField(help_text="Exclusive.", source="end")
    spent = serializers.DecimalField(max_digits=15, decimal_places=3)
    limit = serializers.DecimalField(max_digits=15, decimal_places=3)


class BudgetViewSet(viewsets.ModelViewSet):
    """The user's budgets, each with its current period's status. DELETE archives."""

    serializer_class = BudgetSerializer
    queryset = Budget.objects.none()
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Budget]:
        if getattr(self, "swagger_fake_view", False):
            return Budget.objects.none()
        qs = Budget.objects.for_user(self.request.user).select_related("category")
        if self.action == "list" and self.request.query_params.get("archived") != "1":
            qs = qs.filter(is_archived=False)
        return qs.order_by("is_archived", "id")

    def _with_status(self, budgets: list[Budget]) -> dict:
        active = [b for b in budgets if not b.is_archived]
        found = selectors.budget_statuses(user=self.request.user, budgets=active)
        return {s.budget.pk: s for s in found}

    @extend_schema(
        parameters=[OpenApiParameter("archived", str, description="1 to include archived ones")]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page if page is not None else self.get_queryset())
        context = {**self.get_serializer_context(), "statuses": self._with_status(rows)}
        data = BudgetSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        instance = getattr(self, "_instance", None)
        if instance is not None:
            context["statuses"] = self._with_status([instance])
        return context

    def get_object(self) -> Budget:
        self._instance = super().get_object()
        return self._instance

    def perform_create(self, serializer: BudgetSerializer) -> None:
        data = dict(serializer.validated_data)
        with service_errors():
            budget = budget_create(user=self.request.user, **data)
        self._instance = budget
        serializer.instance = budget
        serializer.context["statuses"] = self._with_status([budget])

    def perform_update(self, serializer: BudgetSerializer) -> None:
        with service_errors():
            budget_update(
                user=self.request.user, budget=serializer.instance, **serializer.validated_data
            )
        serializer.context["statuses"] = self._with_status([serializer.instance])

    def perform_destroy(self, instance: Budget) -> None:
        budget_archive(user=self.request.user, budget=instance, archived=True)

    @extend_schema(
        responses=HistorySerializer(many=True),
        parameters=[OpenApiParameter("periods", int, description="How many periods (1-36)")],
    )
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Spending in each of the last periods (12 by default), oldest first."""
        budget = self.get_object()
        count = _whole_number(request, "periods", default=12, low=1, high=36)
        points = selectors.budget_history(user=request.user, budget=budget, periods=count)
        return Response(HistorySerializer(points, many=True).data)


# --- Recurring items -----------------------------------------------------------------------------


class RecurringItemSerializer(serializers.ModelSerializer):
    account = ScopedPrimaryKeyRelatedField(queryset=Account.objects.all())
    category = ScopedPrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )
    amount = AmountField(help_text="Signed like a transaction: negative is a bill.")
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.MONTHLY)
    day_of_month = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="1-31; a day the month does not have falls on its last day.",
    )
    currency = serializers.CharField(source="account.currency", read_only=True)

    class Meta:
        model = RecurringItem
        fields = [
            "id", "payee", "amount", "currency", "is_approximate", "account", "category",
            "frequency", "day_of_month", "last_day", "start_date", "end_date", "auto_post",
            "is_active", "created_at",
        ]  # fmt: skip
        read_only_fields = ["is_active", "created_at"]
        # The service checks these (with plain-words errors), not the model's constraints.
        validators: list = []


class ExpectedSerializer(serializers.Serializer):
    date = serializers.DateField()
    item = serializers.IntegerField(source="item.pk")
    payee = serializers.CharField(source="item.payee")
    amount = serializers.DecimalField(max_digits=15, decimal_places=3)
    currency = serializers.CharField()
    seen = serializers.BooleanField()
    transaction = serializers.IntegerField(
        source="occurrence.transaction_id", allow_null=True, default=None
    )


class RecurringItemViewSet(viewsets.ModelViewSet):
    """Recurring bills and income. DELETE stops the item (its history stays)."""

    serializer_class = RecurringItemSerializer
    queryset = RecurringItem.objects.none()
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[RecurringItem]:
        if getattr(self, "swagger_fake_view", False):
            return RecurringItem.objects.none()
        return (
            RecurringItem.objects.for_user(self.request.user)
            .select_related("account", "category")
            .order_by("-is_active", "payee", "id")
        )

    def perform_create(self, serializer: RecurringItemSerializer) -> None:
        with service_errors():
            serializer.instance = recurring_create(
                user=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer: RecurringItemSerializer) -> None:
        with service_errors():
            recurring_update(
                user=self.request.user, item=serializer.instance, **serializer.validated_data
            )

    def perform_destroy(self, instance: RecurringItem) -> None:
        recurring_stop(user=self.request.user, item=instance, active=False)

    @extend_schema(
        responses=ExpectedSerializer(many=True),
        parameters=[OpenApiParameter("days", int, description="How many days ahead (1-366)")],
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def upcoming(self, request: Request) -> Response:
        """Every expected date of the active items from today on (30 days by default)."""
        days = _whole_number(request, "days", default=30, low=1, high=366)
        today, _ = user_today(request.user)
        rows = selectors.expected_between(
            user=request.user, since=today, until=today + datetime.timedelta(days=days)
        )
        return Response(ExpectedSerializer(rows, many=True).data)


# --- Subscriptions -------------------------------------------------------------------------------


class SeriesSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Pass to POST subscriptions/track to track it.")
    payee = serializers.CharField()
    account = serializers.IntegerField(source="account_id")
    category = serializers.IntegerField(source="category_id", allow_null=True)
    currency = serializers.CharField()
    frequency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=15, decimal_places=3)
    fixed = serializers.BooleanField()
    count = serializers.IntegerField()
    last_date = serializers.DateField()
    next_date = serializers.DateField()
    yearly_cost = serializers.DecimalField(max_digits=15, decimal_places=3)
    price_change = serializers.SerializerMethodField()

    def get_price_change(self, series: Series) -> str | None:
        return str(series.price_change) if series.price_change else None


class SubscriptionViewSet(viewsets.ViewSet):
    """Subscriptions found in the history that no recurring item tracks yet."""

    serializer_class = SeriesSerializer

    @extend_schema(responses=SeriesSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(SeriesSerializer(subscriptions_detect(user=request.user), many=True).data)

    @extend_schema(
        request=inline_serializer("TrackSubscription", {"token": serializers.CharField()}),
        responses={201: RecurringItemSerializer},
    )
    @action(detail=False, methods=["post"])
    def track(self, request: Request) -> Response:
        """Track a detected subscription as an expected recurring item."""
        data = request.data if hasattr(request.data, "get") else {}  # a JSON list has no keys
        token = str(data.get("token", ""))
        series = next(
            (s for s in subscriptions_detect(user=request.user) if s.token == token), None
        )
        if series is None:
            raise serializers.ValidationError(
                {"token": ["No detected subscription has this token."]}
            )
        item = subscription_track(user=request.user, series=series)
        return Response(RecurringItemSerializer(item).data, status=201)


# --- Notifications -------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The user's notifications, newest first (?unread=1 for unread only)."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        qs = Notification.objects.for_user(self.request.user)
        if self.request.query_params.get("unread") == "1":
            qs = qs.unread()
        return qs

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        notification_mark_read(user=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None, responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()})
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_all_read(user=request.user)})
