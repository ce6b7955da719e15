import base64
import hashlib
import io
import json
import logging
import re

from django.test import Client, override_settings

from config.logs import JsonFormatter, RequestIdFilter, request_id_var
from config.middleware import build_policy

BASE = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return []


def test_pages_carry_a_strict_content_security_policy(client: Client, db) -> None:
    response = client.get("/auth/login/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == BASE
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_api_responses_carry_it_too(client: Client, db) -> None:
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response["Content-Security-Policy"] == BASE


def test_integrations_add_their_origins_through_csp_extra(client: Client, db) -> None:
    extra = {
        "script-src": ["https://cdn.plaid.com"],
        "frame-src": ["https://cdn.plaid.com"],
        "connect-src": ["https://production.plaid.com"],
    }
    with override_settings(CSP_EXTRA=extra):
        policy = client.get("/auth/login/")["Content-Security-Policy"]

    assert directive(policy, "script-src") == ["'self'", "https://cdn.plaid.com"]
    assert directive(policy, "frame-src") == ["'self'", "https://cdn.plaid.com"]
    assert directive(policy, "connect-src") == ["'self'", "https://production.plaid.com"]
    assert directive(policy, "style-src") == ["'self'"]


def test_an_empty_extra_adds_no_directive() -> None:
    assert build_policy({"frame-src": [], "script-src": []}) == BASE


def test_the_api_docs_render_with_only_their_own_inline_blocks_allowed(client: Client, db) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="swagger-ui"' in html
    policy = response["Content-Security-Policy"]
    for tag, name in (("script", "script-src"), ("style", "style-src")):
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)
        assert blocks, f"expected an inline <{tag}> on the Swagger UI page"
        for body in blocks:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in directive(policy, name)
        assert "'unsafe-inline'" not in directive(policy, name)
    assert "sidecar" in html or "/static/" in html  # Swagger UI comes from our static files


def test_other_pages_get_no_hashes(client: Client, db) -> None:
    policy = client.get("/auth/login/")["Content-Security-Policy"]

    assert "sha256" not in policy


def test_it_gives_every_response_a_request_id(client: Client, db) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_it_keeps_the_request_id_a_proxy_sent(client: Client, db) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")

    assert response["X-Request-ID"] == "lb-7f3a.42"


def test_it_replaces_a_request_id_that_could_forge_log_lines(client: Client, db) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="x\nFAKE LOG LINE")

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_logs_written_during_a_request_carry_its_id_as_json(client: Client, db) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page-anywhere/", HTTP_X_REQUEST_ID="req-42")
    finally:
        logger.removeHandler(handler)

    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["request_id"] == "req-42"
    assert entry["level"] == "WARNING"
    assert entry["status"] == 404
    assert entry["message"] == "Not Found: /no-such-page-anywhere/"


def test_logs_outside_a_request_have_a_dash_for_the_id() -> None:
    record = logging.LogRecord("billfold", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    RequestIdFilter().filter(record)

    entry = json.loads(JsonFormatter().format(record))

    assert request_id_var.get() == "-"
    assert entry["request_id"] == "-"
    assert entry["message"] == "hello you"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_reach_the_health_check_over_plain_http(client: Client, db) -> None:
    assert client.get("/auth/login/").status_code == 301
    assert client.get("/healthz").status_code == 200
