# Placeholder pages show a "coming soon" state until their feature lands.
from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import TemplateView

app_name = "budgets"

urlpatterns = [
    path(
        "budgets/",
        login_required(
            TemplateView.as_view(
                template_name="coming_soon.html", extra_context={"title": "Budgets"}
            )
        ),
        name="budget-list",
    ),
    path(
        "recurring/",
        login_required(
            TemplateView.as_view(
                template_name="coming_soon.html", extra_context={"title": "Recurring bills"}
            )
        ),
        name="recurring-list",
    ),
]
