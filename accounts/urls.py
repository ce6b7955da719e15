# Placeholder pages show a "coming soon" state until their feature lands.
from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import TemplateView

app_name = "accounts"

urlpatterns = [
    path(
        "settings/",
        login_required(
            TemplateView.as_view(
                template_name="coming_soon.html", extra_context={"title": "Settings"}
            )
        ),
        name="settings",
    ),
]
