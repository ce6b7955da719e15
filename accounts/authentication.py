from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from accounts.models import ApiToken, User
from accounts.tokens import api_token_authenticate


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` with a personal API token (stored hashed).

    Requests without the header fall through to the session. A header that names the
    Bearer scheme but is malformed, unknown, revoked or expired is a 401, never a 500.
    """

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if isinstance(header, bytes):
            try:
                header = header.decode(settings.DEFAULT_CHARSET)
            except UnicodeDecodeError as exc:
                raise exceptions.AuthenticationFailed(
                    "The Authorization header is not text."
                ) from exc
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Use the form 'Authorization: Bearer <token>' with exactly one token."
            )
        secret = parts[1]
        if not secret.isascii() or not secret.isprintable():
            raise exceptions.AuthenticationFailed("That token is not valid.")
        token = api_token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("That token is unknown, revoked or expired.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # A value here makes DRF answer 401 (not 403) to unauthenticated requests.
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents the personal API tokens in the OpenAPI schema (Swagger UI's Authorize)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from Settings › API tokens (starts with bf_).",
        }
