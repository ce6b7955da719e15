"""Platform middleware: request ids, Content-Security-Policy, and database outages."""

import base64
import hashlib
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.health import DATABASE_DOWN_ERRORS, database_unavailable
from config.logs import request_id_var

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse]

# An incoming id from a proxy is kept if it is short and plain (it ends up in logs).
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Reads X-Request-ID (or makes one), exposes it to logs, and echoes it back."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


BASE_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
INLINE_BLOCK = {
    "script-src": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I),
    "style-src": re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I),
}


def build_policy(
    extra: dict[str, list[str]] | None = None, hashes: dict[str, list[str]] | None = None
) -> str:
    """The header value: the base policy plus extra sources per directive."""
    policy = {name: list(sources) for name, sources in BASE_POLICY.items()}
    for source_map in (extra or {}, hashes or {}):
        for name, sources in source_map.items():
            if not sources:
                continue
            # A directive new to the policy starts from 'self' (what default-src allowed).
            current = policy.setdefault(name, ["'self'"])
            current.extend(source for source in sources if source not in current)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


def inline_hashes(html: str) -> dict[str, list[str]]:
    """CSP hashes of the inline <script> and <style> blocks of a page we trust."""
    hashes: dict[str, list[str]] = {}
    for directive, pattern in INLINE_BLOCK.items():
        for body in pattern.findall(html):
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            hashes.setdefault(directive, []).append(f"'sha256-{digest}'")
    return hashes


class ContentSecurityPolicyMiddleware:
    """Only our own files: no inline scripts or styles, no third-party origins, no framing.

    Integrations add sources through settings.CSP_EXTRA. Pages listed in
    settings.CSP_HASH_INLINE_PATHS (Swagger UI, rendered by a library) get their own inline
    blocks allowed by hash, so nothing else on them can run.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            hashes = None
            if (
                request.path.startswith(tuple(settings.CSP_HASH_INLINE_PATHS))
                and not response.streaming
                and response.get("Content-Type", "").startswith("text/html")
            ):
                hashes = inline_hashes(response.content.decode(response.charset, "replace"))
            response["Content-Security-Policy"] = build_policy(settings.CSP_EXTRA, hashes)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


class DatabaseUnavailableMiddleware:
    """A view that finds the database gone answers 503 (page or JSON) instead of a 500.

    Errors raised in middleware before the view reach config.health.server_error instead.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN_ERRORS):
            return None
        logger.warning(
            "Database unavailable during %s %s", request.method, request.path, exc_info=True
        )
        return database_unavailable(request)
