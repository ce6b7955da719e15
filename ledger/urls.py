# Placeholder pages show a "coming soon" state until their feature lands.
from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import TemplateView

app_name = "ledger"

urlpatterns = [
    path(
        "transactions/",
        login_required(
            TemplateView.as_view(
                template_name="coming_soon.html", extra_context={"title": "Transactions"}
            )
        ),
        name="transaction-list",
    ),
    path(
        "accounts/",
        login_required(
            TemplateView.as_view(
                template_name="coming_soon.html", extra_context={"title": "Accounts"}
            )
        ),
        name="account-list",
    ),
    path(
        "categories/",
        login_required(
            TemplateView.as_view(
                template_name="coming_soon.html", extra_context={"title": "Categories"}
            )
        ),
        name="category-list",
    ),
    path(
        "rules/",
        login_required(
            TemplateView.as_view(template_name="coming_soon.html", extra_context={"title": "Rules"})
        ),
        name="rule-list",
    ),
]
