from django.urls import path

from insights.views import dashboard, insights_page, rates, reports, review

app_name = "insights"

urlpatterns = [
    path("review/", review.review, name="review"),
    path("review/accept-all/", review.review_accept_all, name="review-accept-all"),
    path("review/<int:pk>/accept/", review.review_accept_one, name="review-accept"),
    path("review/<int:pk>/categorize/", review.review_categorize_one, name="review-categorize"),
    path("", dashboard.dashboard, name="dashboard"),
    path("insights/", insights_page.insights_page, name="insights"),
    path(
        "insights/summary/regenerate/",
        insights_page.summary_regenerate,
        name="summary-regenerate",
    ),
    path("insights/summary/status/", insights_page.summary_status, name="summary-status"),
    path("reports/", reports.report, name="reports"),
    path("reports/year/", reports.year, name="report-year"),
    path("reports/rates/", rates.rate_set, name="rate-set"),
]
