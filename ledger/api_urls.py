from rest_framework.routers import SimpleRouter

from ledger.api.rules import RuleViewSet
from ledger.api.views import (
    AccountViewSet,
    CategoryViewSet,
    TagViewSet,
    TransactionViewSet,
    TransferViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register("accounts", AccountViewSet, basename="account")
router.register("categories", CategoryViewSet, basename="category")
router.register("tags", TagViewSet, basename="tag")
router.register("transactions", TransactionViewSet, basename="transaction")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("rules", RuleViewSet, basename="rule")

urlpatterns = [*router.urls]
