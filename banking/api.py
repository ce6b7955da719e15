"""Statement imports over the API: upload, poll progress, commit, undo, discard."""

from django.conf import settings
from django.urls import reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from banking.importers import ImportFileError
from banking.services.imports import (
    DECISIONS,
    ImportFlowError,
    edited_since_import,
    import_commit,
    import_discard,
    import_start,
    import_undo,
    max_upload_bytes,
)
from ledger.models import Account, ImportBatch


class ImportBatchSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField()
    new = serializers.SerializerMethodField()
    needs = serializers.SerializerMethodField()
    failure = serializers.SerializerMethodField()
    possible = serializers.SerializerMethodField()
    profile = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "source",
            "state",
            "file_name",
            "format",
            "account",
            "profile",
            "new",
            "added",
            "duplicates",
            "updated",
            "skipped",
            "removed",
            "possible_duplicates",
            "possible",
            "error_count",
            "errors",
            "needs",
            "failure",
            "progress_done",
            "progress_total",
            "created_at",
            "committed_at",
            "undone_at",
            "status_url",
        ]
        read_only_fields = fields

    def get_status_url(self, batch: ImportBatch) -> str:
        path = reverse("import-detail", args=[batch.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def _summary(self, batch: ImportBatch) -> dict:
        return batch.meta.get("result") or batch.meta.get("summary") or {}

    def get_duplicates(self, batch: ImportBatch) -> int:
        return self._summary(batch).get("duplicates", 0)

    def get_new(self, batch: ImportBatch) -> int:
        return (batch.meta.get("summary") or {}).get("new", 0)

    def get_needs(self, batch: ImportBatch) -> list[str]:
        return list(batch.meta.get("needs") or [])

    def get_failure(self, batch: ImportBatch) -> str:
        return batch.meta.get("failure", "")

    def get_possible(self, batch: ImportBatch) -> list[dict]:
        return (batch.meta.get("summary") or {}).get("possible", [])

    def get_profile(self, batch: ImportBatch) -> str:
        return (batch.meta.get("profile") or {}).get("name", "")


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    account = serializers.IntegerField()
    profile = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_account(self, value: int) -> Account:
        account = Account.objects.for_user(self.context["request"].user).filter(pk=value).first()
        if account is None:
            raise serializers.ValidationError("No account of yours has this id.")
        return account

    def validate_file(self, value):
        if value.size > max_upload_bytes():
            raise serializers.ValidationError(
                f"This file is too large; the largest file you can import is "
                f"{settings.IMPORT_MAX_UPLOAD_MB} MB."
            )
        return value


class ImportCommitSerializer(serializers.Serializer):
    decisions = serializers.DictField(
        child=serializers.ChoiceField(choices=DECISIONS), required=False, default=dict
    )
    skip_errors = serializers.BooleanField(required=False, default=False)


class ImportUndoSerializer(serializers.Serializer):
    confirm_edited = serializers.BooleanField(required=False, default=False)


def _error(exc: Exception, default_field: str = "non_field_errors") -> Response:
    field = getattr(exc, "field", "") or default_field
    return Response(
        {field: [str(exc)], "code": getattr(exc, "code", "invalid")},
        status=status.HTTP_400_BAD_REQUEST,
    )


class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """POST a statement file (multipart: file, account, optional profile); GET the batch for
    progress and counts; POST .../commit, .../undo or .../discard."""

    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ImportBatch.objects.none()
        return ImportBatch.objects.for_user(self.request.user).select_related("account")

    def create(self, request: Request) -> Response:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > max_upload_bytes() + 64 * 1024:
            return Response(
                {
                    "file": [
                        f"This file is too large; the largest file you can import is "
                        f"{settings.IMPORT_MAX_UPLOAD_MB} MB."
                    ],
                    "code": "too_large",
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = ImportCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            batch = import_start(
                user=request.user,
                file=upload,
                file_name=upload.name,
                account=data.validated_data["account"],
                profile=data.validated_data.get("profile", ""),
                source=ImportBatch.Source.API,
            )
        except (ImportFileError, ImportFlowError) as exc:
            return _error(exc, "file")
        body = self.get_serializer(batch).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Location": body["status_url"]}
        )

    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk=None) -> Response:
        batch = self.get_object()
        data = ImportCommitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = import_commit(
                batch=batch,
                decisions=data.validated_data["decisions"],
                skip_errors=data.validated_data["skip_errors"],
            )
        except (ImportFileError, ImportFlowError) as exc:
            return _error(exc)
        batch.refresh_from_db()
        code = status.HTTP_202_ACCEPTED if result is None else status.HTTP_200_OK
        return Response(self.get_serializer(batch).data, status=code)

    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk=None) -> Response:
        batch = self.get_object()
        data = ImportUndoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            import_undo(batch=batch, confirm_edited=data.validated_data["confirm_edited"])
        except ImportFlowError as exc:
            body = {"non_field_errors": [str(exc)], "code": exc.code}
            if exc.code == "edited":
                body["edited"] = edited_since_import(batch)
                return Response(body, status=status.HTTP_409_CONFLICT)
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data)

    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk=None) -> Response:
        batch = self.get_object()
        try:
            import_discard(batch=batch)
        except ImportFlowError as exc:
            return _error(exc)
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data)
