"""Categorization API: the review queue, accepting and correcting, and suggestions for one
transaction. (Rules live in the ledger API at /api/v1/rules.)"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from insights.classifier import Predictor, threshold
from insights.llm import llm_status
from insights.models import Suggestion
from insights.review import review_accept, review_categorize, review_queue
from ledger.api.fields import ScopedPrimaryKeyRelatedField
from ledger.models import Category, Transaction


class SuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suggestion
        fields = ["category", "confidence", "source"]


class ReviewItemSerializer(serializers.ModelSerializer):
    amount = serializers.CharField()
    currency = serializers.CharField(source="account.currency")
    suggestion = serializers.SerializerMethodField()

    class Meta:
        model = Transaction
        fields = [
            "id",
            "date",
            "payee",
            "description",
            "amount",
            "currency",
            "account",
            "category",
            "categorized_by",
            "confidence",
            "suggestion",
        ]

    @extend_schema_field(SuggestionSerializer(allow_null=True))
    def get_suggestion(self, txn: Transaction) -> dict | None:
        suggestion = getattr(txn, "suggestion", None)
        if suggestion is None:
            return None
        return SuggestionSerializer(suggestion).data


class IdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=500)


class CategorizeSerializer(serializers.Serializer):
    category = ScopedPrimaryKeyRelatedField(queryset=Category.objects.all())


class ReviewViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Uncategorized and low-confidence transactions, newest first, with their suggestion."""

    serializer_class = ReviewItemSerializer
    queryset = Transaction.objects.none()
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Transaction]:
        if getattr(self, "swagger_fake_view", False):
            return Transaction.objects.none()
        return review_queue(user=self.request.user)

    @extend_schema(
        request=IdsSerializer,
        responses=inline_serializer("ReviewAccepted", {"accepted": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"])
    def accept(self, request: Request) -> Response:
        """Accept the suggestions of these transactions (as if set by hand)."""
        data = IdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        accepted = review_accept(user=request.user, transaction_ids=data.validated_data["ids"])
        return Response({"accepted": accepted})

    @extend_schema(request=CategorizeSerializer, responses=ReviewItemSerializer)
    @action(detail=True, methods=["post"])
    def categorize(self, request: Request, pk: str) -> Response:
        """Set this transaction's category by hand (a correction the classifier learns)."""
        txn = get_object_or_404(Transaction.objects.for_user(request.user), pk=pk)
        data = CategorizeSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        txn = review_categorize(
            user=request.user, transaction=txn, category=data.validated_data["category"]
        )
        return Response(ReviewItemSerializer(txn).data)


SUGGESTIONS = inline_serializer(
    "TransactionSuggestions",
    fields={
        "transaction": serializers.IntegerField(),
        "stored": SuggestionSerializer(allow_null=True),
        "learned": inline_serializer(
            "LearnedGuess",
            fields={
                "category": serializers.IntegerField(),
                "confidence": serializers.FloatField(),
                "stage": serializers.CharField(),
            },
            allow_null=True,
        ),
        "threshold": serializers.FloatField(),
        "llm_enabled": serializers.BooleanField(),
    },
)


class SuggestionViewSet(viewsets.GenericViewSet):
    """Suggested categories for one transaction (by its id)."""

    queryset = Transaction.objects.none()
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Transaction]:
        if getattr(self, "swagger_fake_view", False):
            return Transaction.objects.none()
        return Transaction.objects.for_user(self.request.user)

    @extend_schema(responses=SUGGESTIONS)
    def retrieve(self, request: Request, pk: str) -> Response:
        txn = get_object_or_404(self.get_queryset(), pk=pk)
        stored = Suggestion.objects.for_user(request.user).filter(transaction=txn).first()
        guess = Predictor.for_user(request.user, retrain=False).guess(
            txn.payee, txn.description, txn.amount
        )
        return Response(
            {
                "transaction": txn.pk,
                "stored": SuggestionSerializer(stored).data if stored else None,
                "learned": (
                    {
                        "category": guess.category_id,
                        "confidence": round(guess.confidence, 4),
                        "stage": guess.stage,
                    }
                    if guess
                    else None
                ),
                "threshold": threshold(),
                "llm_enabled": llm_status()["enabled"],
            }
        )
