from django.urls import path
from rest_framework.routers import SimpleRouter

from insights import api_reports
from insights.api import ReviewViewSet, SuggestionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("review", ReviewViewSet, basename="review")
router.register("suggestions", SuggestionViewSet, basename="suggestion")

urlpatterns = [
    *router.urls,
    path("insights/summary", api_reports.insights_summary, name="api-insights-summary"),
    path(
        "insights/summary/regenerate",
        api_reports.summary_regenerate,
        name="api-insights-summary-regenerate",
    ),
    path("insights", api_reports.insights_list, name="api-insights"),
    path("reports", api_reports.report, name="api-reports"),
]
