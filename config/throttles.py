"""API throttles, per user (per address for anonymous requests), answering 429 + Retry-After.

Rates live in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (config/settings.py, env overrides
API_THROTTLE_WRITES, API_THROTTLE_SYNC, API_THROTTLE_LLM) and are read on every request, so
a changed setting applies without re-importing this module.

- WritesRateThrottle (a default class): every unsafe method of every API view, scope "writes".
- ScopedUserRateThrottle (a default class): views that set `throttle_scope`.
- SyncRateThrottle, LlmRateThrottle: the bank sync action and LLM-backed endpoints list them
  in their throttle_classes (scopes "sync" and "llm"), beside WritesRateThrottle.
"""

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _LiveRateThrottle(UserRateThrottle):
    """DRF binds the rates at import time; read them from the settings on each request."""

    def __init__(self) -> None:  # the parent resolves the rate here; defer to allow_request
        pass

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def _prepare(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)


class WritesRateThrottle(_LiveRateThrottle):
    scope = "writes"

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        if request.method in SAFE_METHODS:
            return True
        self._prepare()
        return super().allow_request(request, view)


class ScopedUserRateThrottle(_LiveRateThrottle):
    """Like DRF's ScopedRateThrottle, but per user like the others, and only where a view or
    action sets `throttle_scope`."""

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        self.scope = scope
        self._prepare()
        return super().allow_request(request, view)


class SyncRateThrottle(_LiveRateThrottle):
    scope = "sync"

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        self._prepare()
        return super().allow_request(request, view)


class LlmRateThrottle(_LiveRateThrottle):
    scope = "llm"

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        self._prepare()
        return super().allow_request(request, view)
