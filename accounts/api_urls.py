from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter(trailing_slash=False)
router.register("tokens", api.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("me", api.me, name="api-me"),
    *router.urls,
]
