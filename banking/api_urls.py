from rest_framework.routers import SimpleRouter

from banking.api import ImportViewSet
from banking.api_connections import BankItemViewSet

router = SimpleRouter(trailing_slash=False)
router.register("imports", ImportViewSet, basename="import")
router.register("bank-items", BankItemViewSet, basename="bankitem")

urlpatterns = [*router.urls]
