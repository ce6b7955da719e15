from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiToken
from accounts.services import profile_get_or_create
from accounts.tokens import api_token_create, api_token_revoke


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    base_currency = serializers.CharField(read_only=True)
    timezone = serializers.CharField(read_only=True)
    number_format = serializers.CharField(read_only=True)
    first_day_of_week = serializers.IntegerField(read_only=True)
    month_start_day = serializers.IntegerField(read_only=True)
    monthly_income = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    savings_goal = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    onboarded = serializers.BooleanField(read_only=True)


@extend_schema(responses=MeSerializer, summary="The signed-in user and their preferences")
@api_view(["GET"])
def me(request: Request) -> Response:
    profile = profile_get_or_create(request.user)
    data = {
        "id": request.user.pk,
        "email": request.user.email,
        "display_name": profile.display_name,
        "base_currency": profile.base_currency,
        "timezone": profile.timezone,
        "number_format": profile.number_format,
        "first_day_of_week": profile.first_day_of_week,
        "month_start_day": profile.month_start_day,
        "monthly_income": profile.monthly_income,
        "savings_goal": profile.savings_goal,
        "onboarded": profile.is_onboarded,
    }
    return Response(MeSerializer(data).data)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at"]

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Give the token a name.")
        return value.strip()

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Choose a time in the future.")
        return value


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The secret. Shown only in this response; store it now."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your personal API tokens. Deleting one revokes it."""

    serializer_class = ApiTokenSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        return ApiToken.objects.for_user(self.request.user).filter(revoked_at__isnull=True)

    @extend_schema(responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = api_token_create(
            user=request.user,
            name=serializer.validated_data["name"],
            expires_at=serializer.validated_data.get("expires_at"),
        )
        token.token = secret
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        api_token_revoke(user=request.user, token_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
