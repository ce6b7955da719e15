"""API for bank connections: list, detail, start a sync, poll its status."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from banking.connections import BankAccount, BankItem
from banking.services import sync as sync_services
from config.throttles import SyncRateThrottle, WritesRateThrottle


class BankAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankAccount
        fields = ["id", "name", "mask", "type", "currency", "account"]


class BankItemSerializer(serializers.ModelSerializer):
    accounts = BankAccountSerializer(many=True, read_only=True)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = BankItem
        fields = [
            "id",
            "provider",
            "institution_name",
            "status",
            "status_message",
            "last_synced_at",
            "last_added",
            "last_modified",
            "last_removed",
            "new_accounts_available",
            "accounts",
            "status_url",
        ]

    def get_status_url(self, obj: BankItem) -> str:
        return reverse("bankitem-sync-status", kwargs={"pk": obj.pk})


SyncStatus = inline_serializer(
    "BankSyncStatus",
    {
        "item": serializers.IntegerField(),
        "status": serializers.CharField(),
        "last_synced_at": serializers.DateTimeField(allow_null=True),
        "last_run": inline_serializer(
            "BankSyncLastRun",
            {
                "added": serializers.IntegerField(),
                "modified": serializers.IntegerField(),
                "removed": serializers.IntegerField(),
            },
            allow_null=True,
            help_text="Counts of the last completed run; null while a run is queued or "
            "running, and before the first one.",
        ),
        "progress": serializers.DictField(),
    },
)


class BankItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BankItemSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return BankItem.objects.none()
        return BankItem.objects.for_user(self.request.user).prefetch_related("accounts")

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer("BankSyncStarted", {"status_url": serializers.CharField()})
        },
    )
    @action(detail=True, methods=["post"], throttle_classes=[WritesRateThrottle, SyncRateThrottle])
    def sync(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        sync_services.bank_item_sync_queue(item=item)
        url = reverse("bankitem-sync-status", kwargs={"pk": item.pk})
        return Response({"status_url": url}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=SyncStatus)
    @action(detail=True, methods=["get"], url_path="status", url_name="sync-status")
    def sync_status(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        progress = sync_services.progress_get(item.pk)
        running = progress.get("state") in ("queued", "running")
        last_run = None
        if not running:
            # Read after the progress: a run that just finished saved its counts before
            # saying "done", so a client that stops polling now gets that run's counts.
            item.refresh_from_db(
                fields=["status", "last_synced_at", "last_added", "last_modified", "last_removed"]
            )
        if item.last_synced_at and not running:
            last_run = {
                "added": item.last_added,
                "modified": item.last_modified,
                "removed": item.last_removed,
            }
        return Response(
            {
                "item": item.pk,
                "status": item.status,
                "last_synced_at": item.last_synced_at,
                "last_run": last_run,
                "progress": progress,
            }
        )
