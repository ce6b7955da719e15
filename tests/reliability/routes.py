"""Every URL pattern of the project, found from the resolver, with what the walker needs."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

API_PREFIX = "api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")

# The object (a World attribute) that fills a route's path parameters, by the part of the
# route before its first parameter. A new route under a new prefix fails the walker until
# it is added here, so nothing goes unwalked silently.
OBJECT_FOR_PREFIX = {
    "api/v1/tokens": "token",
    "api/v1/accounts": "account",
    "api/v1/categories": "category",
    "api/v1/tags": "tag",
    "api/v1/transactions": "transaction",
    "api/v1/transfers": "transfer",
    "api/v1/rules": "rule",
    "api/v1/imports": "batch",
    "api/v1/bank-items": "bank_item",
    "api/v1/budgets": "budget",
    "api/v1/recurring": "recurring",
    "api/v1/notifications": "notification",
    "api/v1/review": "suggested",
    "api/v1/suggestions": "suggested",
    "settings/tokens": "token",
    "transactions": "transaction",
    "accounts": "account",
    "categories": "category",
    "tags": "tag",
    "rules": "rule",
    "import": "batch",
    "connections": "bank_item",
    "budgets": "budget",
    "notifications": "notification",
    "recurring": "recurring",
    "review": "suggested",
}

# Routes the walker does not exercise at all, with the reason. Keep it short.
NOT_WALKED = {
    "admin/": "Django admin: staff only, its own login (test_the_admin_is_closed_to_users)",
    "auth/ with a key": "allauth email-confirmation and password-reset links: their parameter "
    "is a one-time key, not an object (allauth tests them)",
}

# Public by design: anonymous gets the page itself (never a 500, nothing written).
PUBLIC = {
    "healthz": "probes, no user data",
    "metrics": "404 unless the METRICS_TOKEN is sent (tests/reliability/test_observability.py)",
    "auth/": "allauth: login, sign-up, password reset pages",
    "banking/plaid/webhook": "Plaid calls it; verified by its JWT signature",
    "goodbye/": "shown after an account is deleted",
    "api/schema/": "the OpenAPI document (no data)",
    "api/docs/": "Swagger UI (no data)",
}

# Routes addressed by something in the body rather than the path, which alice's world
# does not have: her request may get 404 (never a 500).
BODY_ADDRESSED = {
    "budgets:subscription-track": "a detected subscription's token in the POST body",
}


@dataclass(frozen=True)
class Route:
    template: str  # the joined pattern, as written in the urlconfs
    name: str  # namespaced, for reverse()
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.template.startswith(API_PREFIX)

    @property
    def prefix(self) -> str:
        """The route up to its first parameter: what decides the object it needs."""
        head = re.split(r"<|\(\?P<", self.template.replace("^", ""), maxsplit=1)[0]
        return head.rstrip("/")

    def starts_with(self, prefixes) -> bool:
        plain = self.template.replace("^", "")
        return any(plain.startswith(p.replace("^", "")) for p in prefixes)

    def url(self, pk: int | str | None = None) -> str:
        return reverse(self.name, kwargs=dict.fromkeys(self.params, pk))


def _param_names(pattern) -> list[str]:
    regex = getattr(pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def all_routes() -> list[Route]:
    found: list[Route] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str, params: list[str]) -> None:
        for entry in resolver.url_patterns:
            text = prefix + str(entry.pattern)
            names = params + _param_names(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, text, ns, names)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append(Route(text, name, tuple(dict.fromkeys(names))))

    walk(get_resolver(), "", "", [])
    return found


def is_walked(route: Route) -> bool:
    if route.template.startswith("admin/"):
        return False
    return not (route.template.startswith("auth/") and route.params)


def walked_routes() -> list[Route]:
    return [route for route in all_routes() if is_walked(route)]
