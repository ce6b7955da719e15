from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz
from config.metrics import metrics

# A database outage anywhere (middleware included) answers 503, not a traceback.
handler500 = "config.health.server_error"

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("ledger.api_urls")),
    path("", include("banking.api_urls")),
    path("", include("budgets.api_urls")),
    path("", include("insights.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("auth/", include("allauth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.urls")),
    path("", include("ledger.urls")),
    path("", include("banking.urls")),
    path("", include("budgets.urls")),
    path("", include("insights.urls")),
]
