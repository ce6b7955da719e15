from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import Profile

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
        pending = Profile.objects.filter(user=user, onboarded_at__isnull=True).exists()
        if not pending:
            request.session[SESSION_KEY] = True
        return pending
