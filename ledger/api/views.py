"""Ledger API viewsets: every queryset starts from `for_user(request.user)` (a stranger's id
is a 404) and every write goes through a ledger service."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from ledger.api.fields import as_drf_errors, service_errors
from ledger.api.serializers import (
    AccountSerializer,
    BulkCreateResultSerializer,
    BulkCreateSerializer,
    BulkRowSerializer,
    CategoryMergeSerializer,
    CategorySerializer,
    SplitsInputSerializer,
    TagSerializer,
    TransactionSerializer,
    TransferSerializer,
)
from ledger.filters import TransactionFilterSet, sort_with_ties
from ledger.forms.fields import is_id
from ledger.models import Account, Category, Tag, Transaction, TransactionSplit, Transfer
from ledger.services.accounts import account_create, account_delete, account_update
from ledger.services.categories import (
    category_create,
    category_delete,
    category_merge,
    category_update,
)
from ledger.services.splits import transaction_split, transaction_unsplit
from ledger.services.tags import tag_create, tag_delete, tag_update
from ledger.services.transactions import (
    BulkValidationError,
    transaction_create,
    transaction_delete,
    transaction_update,
    transactions_bulk_create,
    transactions_bulk_validate,
)
from ledger.services.transfers import transfer_create, transfer_delete, transfer_update

# {"<row index>": {"<field>": ["message", ...]}, ...}: one key per bad row; a body that
# is not the expected shape gets DRF's usual {"detail": ...} or {"transactions": [...]}.
_MESSAGES = {"type": "array", "items": {"type": "string"}}
ROW_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            _MESSAGES,
            {"type": "object", "additionalProperties": _MESSAGES},
        ]
    },
}


class AccountViewSet(viewsets.ModelViewSet):
    """The user's money accounts, each with its balance."""

    serializer_class = AccountSerializer
    queryset = Account.objects.none()  # for the schema; get_queryset scopes
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Account]:
        if getattr(self, "swagger_fake_view", False):
            return Account.objects.none()
        return (
            Account.objects.for_user(self.request.user)
            .with_balance()
            .order_by("is_archived", "name", "id")
        )

    def perform_create(self, serializer: AccountSerializer) -> None:
        with service_errors():
            account = account_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=account.pk)

    def perform_update(self, serializer: AccountSerializer) -> None:
        with service_errors():
            account_update(
                user=self.request.user, account=serializer.instance, **serializer.validated_data
            )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance: Account) -> None:
        account_delete(user=self.request.user, account=instance)


class CategoryViewSet(viewsets.ModelViewSet):
    """The user's categories (two levels: a parent and its sub-categories)."""

    serializer_class = CategorySerializer
    queryset = Category.objects.none()  # for the schema; get_queryset scopes
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Category]:
        if getattr(self, "swagger_fake_view", False):
            return Category.objects.none()
        return Category.objects.for_user(self.request.user).order_by("kind", "name", "id")

    def perform_create(self, serializer: CategorySerializer) -> None:
        with service_errors():
            serializer.instance = category_create(
                user=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer: CategorySerializer) -> None:
        with service_errors():
            category_update(
                user=self.request.user, category=serializer.instance, **serializer.validated_data
            )

    def perform_destroy(self, instance: Category) -> None:
        category_delete(user=self.request.user, category=instance)

    @extend_schema(request=CategoryMergeSerializer, responses=CategorySerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Move every transaction, split part and rule of this category to `target`, then
        delete this category."""
        source = self.get_object()
        body = CategoryMergeSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        with service_errors():
            target = category_merge(
                user=request.user, source=source, target=body.validated_data["target"]
            )
        return Response(CategorySerializer(target).data)


class TagViewSet(viewsets.ModelViewSet):
    serializer_class = TagSerializer
    queryset = Tag.objects.none()  # for the schema; get_queryset scopes
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Tag]:
        if getattr(self, "swagger_fake_view", False):
            return Tag.objects.none()
        return Tag.objects.for_user(self.request.user).order_by("name", "id")

    def perform_create(self, serializer: TagSerializer) -> None:
        with service_errors():
            serializer.instance = tag_create(
                user=self.request.user, name=serializer.validated_data["name"]
            )

    def perform_update(self, serializer: TagSerializer) -> None:
        with service_errors():
            tag_update(
                user=self.request.user,
                tag=serializer.instance,
                name=serializer.validated_data.get("name", serializer.instance.name),
            )

    def perform_destroy(self, instance: Tag) -> None:
        tag_delete(user=self.request.user, tag=instance)


class TransactionFilterBackend(DjangoFilterBackend):
    """The transaction filters, skipped (no filter set, form or pickers built) when the URL
    names none of them: the plain newest-first page is the most requested one."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        names = view.filterset_class.base_filters
        if not any(name in request.query_params for name in names):
            return queryset
        return super().filter_queryset(request, queryset, view)


class TransactionPagination(CursorPagination):
    """Newest first, or the `?ordering=` of the page (date, amount or payee, either way),
    in the same order as the page; a cursor walks every row once, ties included."""

    ordering = ("-date", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # The page's orders (TransactionOrderingFilter), on the row's own columns.
    SORTS = {
        column: sort_with_ties(column)
        for column in ("date", "-date", "amount", "-amount", "payee", "-payee")
    }

    def get_ordering(self, request: Request, queryset: QuerySet, view) -> tuple[str, ...]:
        wanted = request.query_params.get("ordering", "")
        if not wanted:
            return self.ordering
        if wanted not in self.SORTS:
            # A cursor needs a value of the row itself to resume from; an account's name
            # is not one (sort by account on the page, or filter by account here).
            raise serializers.ValidationError(
                {"ordering": [f"Sort by one of: {', '.join(self.SORTS)}."]}
            )
        return self.SORTS[wanted]


class TransactionViewSet(viewsets.ModelViewSet):
    """Transactions, newest first, with the same filters as the transactions page."""

    serializer_class = TransactionSerializer
    queryset = Transaction.objects.none()  # for the schema; get_queryset scopes
    pagination_class = TransactionPagination
    filter_backends = [TransactionFilterBackend]
    filterset_class = TransactionFilterSet

    def get_queryset(self) -> QuerySet[Transaction]:
        if getattr(self, "swagger_fake_view", False):
            return Transaction.objects.none()
        return (
            Transaction.objects.for_user(self.request.user)
            .select_related("account")
            .prefetch_related(
                # As plain lists (to_attr): no queryset is built per row to read them.
                Prefetch("tags", queryset=Tag.objects.only("id"), to_attr="tag_list"),
                Prefetch(
                    "splits", queryset=TransactionSplit.objects.order_by("id"), to_attr="split_list"
                ),
            )
        )

    def _reload(self, pk: int) -> Transaction:
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer: TransactionSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("version", None)
        with service_errors():
            txn = transaction_create(user=self.request.user, **data)
        serializer.instance = self._reload(txn.pk)

    def perform_update(self, serializer: TransactionSerializer) -> None:
        data = dict(serializer.validated_data)
        expected = data.pop("version", None)
        with service_errors():
            transaction_update(
                user=self.request.user,
                transaction=serializer.instance,
                expected_version=expected,
                **data,
            )
        serializer.instance = self._reload(serializer.instance.pk)

    def perform_destroy(self, instance: Transaction) -> None:
        transaction_delete(user=self.request.user, transaction=instance)

    @extend_schema(
        request=BulkCreateSerializer,
        responses={
            201: BulkCreateResultSerializer,
            400: OpenApiResponse(ROW_ERRORS, description="Errors by row index; nothing saved."),
        },
    )
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def bulk(self, request: Request) -> Response:
        """Create up to 1,000 transactions in one go: all of them, or none and the errors of
        every bad row as {index: {field: [message]}}."""
        body = BulkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user
        raw_rows = body.validated_data["transactions"]
        errors: dict[int, dict] = {}
        parsed: list[dict] = []
        for index, raw in enumerate(raw_rows):
            row = BulkRowSerializer(data=raw)
            if row.is_valid():
                parsed.append(row.validated_data)
            else:
                errors[index] = row.errors
                parsed.append({})
        # An id that cannot exist (0, negative, beyond 64 bits) resolves to nothing below.
        accounts = Account.objects.for_user(user).in_bulk(
            {r["account"] for r in parsed if is_id(r.get("account", 0))}
        )
        categories = Category.objects.for_user(user).in_bulk(
            {r["category"] for r in parsed if is_id(r.get("category") or 0)}
        )
        tags = Tag.objects.for_user(user).in_bulk(
            {t for r in parsed for t in r.get("tags", []) if is_id(t)}
        )
        rows: list[dict] = []
        resolved: list[int] = []
        for index, row in enumerate(parsed):
            if index in errors:
                continue
            row_errors: dict[str, list[str]] = {}
            row = dict(row)
            row["account"] = accounts.get(row["account"])
            if row["account"] is None:
                row_errors["account"] = ["Choose one of your own accounts."]
            if row.get("category"):
                row["category"] = categories.get(row["category"])
                if row["category"] is None:
                    row_errors["category"] = ["Choose one of your own categories."]
            if "tags" in row:
                found = [tags.get(t) for t in row["tags"]]
                if None in found:
                    row_errors["tags"] = ["Choose your own tags."]
                row["tags"] = found
            if row_errors:
                errors[index] = row_errors
            rows.append(row)
            resolved.append(index)
        if errors:
            # Report the rows that did resolve too, so one round trip shows every problem.
            fine = [(i, row) for i, row in zip(resolved, rows, strict=True) if i not in errors]
            later = transactions_bulk_validate(user=user, rows=[row for _, row in fine])
            errors.update({fine[j][0]: errs for j, errs in later.items()})
            return Response(_by_index(errors), status=status.HTTP_400_BAD_REQUEST)
        try:
            created = transactions_bulk_create(user=user, rows=rows)
        except BulkValidationError as exc:
            return Response(_by_index(exc.row_errors), status=status.HTTP_400_BAD_REQUEST)
        except DjangoValidationError as exc:
            return Response(as_drf_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"created": len(created), "ids": [t.pk for t in created]},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(methods=["PUT"], request=SplitsInputSerializer, responses=TransactionSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses=TransactionSerializer)
    @action(detail=True, methods=["put", "delete"], filter_backends=[])
    def splits(self, request: Request, pk: str | None = None) -> Response:
        """PUT replaces the split (parts must add up to the amount); DELETE removes it."""
        txn = get_object_or_404(Transaction.objects.for_user(request.user), pk=pk)
        if request.method == "DELETE":
            with service_errors():
                transaction_unsplit(user=request.user, transaction=txn)
        else:
            body = SplitsInputSerializer(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            parts = [dict(p) for p in body.validated_data["parts"]]
            with service_errors():
                transaction_split(user=request.user, transaction=txn, parts=parts)
        return Response(TransactionSerializer(self._reload(txn.pk)).data)


def _by_index(errors: dict[int, dict]) -> dict[str, dict]:
    return {str(index): dict(errs) for index, errs in sorted(errors.items())}


class TransferViewSet(viewsets.ModelViewSet):
    """Money moved between two of the user's own accounts (a linked pair of transactions).
    An edit or a delete changes both sides together."""

    serializer_class = TransferSerializer
    queryset = Transfer.objects.none()  # for the schema; get_queryset scopes
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Transfer]:
        if getattr(self, "swagger_fake_view", False):
            return Transfer.objects.none()
        return (
            Transfer.objects.for_user(self.request.user)
            .prefetch_related(
                Prefetch("transactions", queryset=Transaction.objects.select_related("account"))
            )
            .order_by("-created_at", "-id")
        )

    def perform_create(self, serializer: TransferSerializer) -> None:
        data = dict(serializer.validated_data)
        with service_errors():
            transfer = transfer_create(user=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=transfer.pk)

    def perform_update(self, serializer: TransferSerializer) -> None:
        with service_errors():
            transfer_update(
                user=self.request.user,
                transfer=serializer.instance,
                **serializer.validated_data,
            )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance: Transfer) -> None:
        transfer_delete(user=self.request.user, transfer=instance)
