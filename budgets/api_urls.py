from rest_framework.routers import SimpleRouter

from budgets.api import (
    BudgetViewSet,
    NotificationViewSet,
    RecurringItemViewSet,
    SubscriptionViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register("budgets", BudgetViewSet, basename="budget")
router.register("recurring", RecurringItemViewSet, basename="recurring")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [*router.urls]
