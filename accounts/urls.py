from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("onboarding/", views.onboarding, name="onboarding"),
    path("settings/", views.settings_profile, name="settings"),
    path("settings/security/", views.settings_security, name="security"),
    path("settings/tokens/", views.token_list, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
