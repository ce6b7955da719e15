from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import Profile
from accounts.preferences import override_number_format, zone_or_none

# Paths that never redirect: APIs answer JSON, allauth must finish its own flows (email
# confirmation, MFA, logout), and operators and probes need the admin and the health check.
EXEMPT_PREFIXES = ("/api/", "/auth/", "/admin/", "/static/", "/media/", "/healthz")
SESSION_KEY = "billfold.onboarded"


class OnboardingMiddleware:
    """Sends a signed-in user who has not finished onboarding to the onboarding page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._needs_onboarding(request):
            onboarding = reverse("accounts:onboarding")
            if request.method == "GET" and request.path != "/":
                onboarding += "?" + urlencode({"next": request.get_full_path()})
            return redirect(onboarding)
        return self.get_response(request)

    def _needs_onboarding(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        path = request.path_info
        if path.startswith(EXEMPT_PREFIXES) or path in {
            reverse("accounts:onboarding"),
            reverse("account_logout"),
        }:
            return False
        # Once done, remember it in the session so later requests cost no query.
        if request.session.get(SESSION_KEY):
            return False
        # The profile PreferencesMiddleware loaded for this request: no query of its own.
        profile = _profile(request)
        pending = profile is not None and profile.onboarded_at is None
        if not pending:
            request.session[SESSION_KEY] = True
        return pending


def _profile(request: HttpRequest) -> Profile | None:
    """The signed-in user's profile, read once per request and kept on `request.user` (the
    same object views, filters and template tags ask later), or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "profile", None)  # a missing profile raises an AttributeError


class PreferencesMiddleware:
    """Shows the page in the signed-in user's time zone and number format (Settings ->
    Profile), like `django.utils.timezone.activate`, and restores the defaults after it.

    The API is left out: it writes moments in UTC and numbers in machine format whoever
    asks, with a token or the browser's session alike.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        profile = None if request.path_info.startswith("/api/") else _profile(request)
        if profile is None:
            return self.get_response(request)
        with (
            timezone.override(zone_or_none(profile.timezone)),
            override_number_format(profile.number_format),
        ):
            return self.get_response(request)
