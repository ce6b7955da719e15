import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.tokens import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
TOKENS = "/api/v1/tokens"


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_me_with_a_bearer_token(client: Client, alice: User):
    alice.profile.display_name = "Alice"
    alice.profile.base_currency = "EUR"
    alice.profile.save()
    _, secret = api_token_create(user=alice, name="cli")
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == alice.pk
    assert data["email"] == "alice@example.com"
    assert data["display_name"] == "Alice"
    assert data["base_currency"] == "EUR"
    assert data["timezone"] == "UTC"
    assert data["month_start_day"] == 1
    assert data["onboarded"] is True


def test_me_with_the_browser_session(alice_client: Client, alice: User):
    response = alice_client.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == alice.email


def test_a_token_does_not_need_csrf_for_writes(alice: User):
    _, secret = api_token_create(user=alice, name="cli")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        TOKENS, {"name": "second"}, content_type="application/json", **bearer(secret)
    )
    assert response.status_code == 201


def test_the_me_endpoint_is_named_api_me():
    assert reverse("api-me") == ME


@pytest.mark.parametrize(
    ("method", "path"), [("get", ME), ("get", TOKENS), ("post", TOKENS), ("delete", TOKENS + "/1")]
)
def test_anonymous_requests_get_401_json(client: Client, db, method: str, path: str):
    response = getattr(client, method)(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


def test_a_revoked_token_gets_401(client: Client, alice: User):
    token, secret = api_token_create(user=alice, name="cli")
    api_token_revoke(user=alice, token_id=token.pk)
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 401
    assert response.json()["detail"]


def test_an_unknown_token_gets_401_even_with_a_session(alice_client: Client):
    response = alice_client.get(ME, **bearer("bf_" + "a" * 43))
    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "bearer    ",
        "Bearer a b",
        "Bearer bf_abc extra",
        "Bearer ünïcødé",
        "Bearer bf_\u2603\u2603",
        "Bearer bf_\x00\x01",
        "Bearer " + "x" * 10_000,
        "Bearer bf_" + "x" * 10_000,
        "Bearer\tbf_abc",
        "BEARER bf_nope",
        "Bearer 🔑",
    ],
)
def test_malformed_bearer_headers_get_401_never_500(client: Client, alice: User, header: str):
    response = client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("header", ["", "Basic YWxpY2U6cHc=", "Token abc", "garbage", "   "])
def test_other_schemes_are_treated_as_anonymous(client: Client, db, header: str):
    response = client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_raw_non_latin1_bytes_in_the_header_get_401(client: Client, db):
    response = client.get(ME, HTTP_AUTHORIZATION=b"Bearer \xff\xfe\xfd")
    assert response.status_code == 401


def test_tokens_list_shows_only_my_active_tokens_without_secrets(alice_client: Client, alice, bob):
    mine, _ = api_token_create(user=alice, name="mine")
    gone, _ = api_token_create(user=alice, name="gone")
    api_token_revoke(user=alice, token_id=gone.pk)
    api_token_create(user=bob, name="bobs")
    response = alice_client.get(TOKENS)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [t["name"] for t in results] == ["mine"]
    assert set(results[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at"}


def test_creating_a_token_returns_the_secret_once(alice_client: Client, alice: User):
    response = alice_client.post(TOKENS, {"name": "phone"}, content_type="application/json")
    assert response.status_code == 201
    secret = response.json()["token"]
    assert secret.startswith("bf_")
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.user == alice
    assert "token" not in alice_client.get(f"{TOKENS}/{token.pk}").json()
    assert Client().get(ME, **bearer(secret)).json()["email"] == alice.email


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "ok", "expires_at": "tomorrow"}, "expires_at"),
    ],
)
def test_bad_token_input_gets_field_errors_as_json(alice_client: Client, data: dict, field: str):
    response = alice_client.post(TOKENS, data, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_deleting_a_token_revokes_it(alice_client: Client, alice: User):
    token, secret = api_token_create(user=alice, name="cli")
    response = alice_client.delete(f"{TOKENS}/{token.pk}")
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get(ME, **bearer(secret)).status_code == 401
    assert alice_client.delete(f"{TOKENS}/{token.pk}").status_code == 404


def test_bob_cannot_see_or_revoke_alices_tokens(bob_client: Client, alice: User):
    token, _ = api_token_create(user=alice, name="cli")
    assert bob_client.get(TOKENS).json()["results"] == []
    assert bob_client.get(f"{TOKENS}/{token.pk}").status_code == 404
    assert bob_client.delete(f"{TOKENS}/{token.pk}").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_non_numeric_token_id_is_a_404(alice_client: Client):
    assert alice_client.get(f"{TOKENS}/abc").status_code == 404


def test_wrong_methods_get_405(alice_client: Client):
    assert alice_client.post(ME).status_code == 405
    assert alice_client.delete(ME).status_code == 405
    assert alice_client.put(TOKENS, {}, content_type="application/json").status_code == 405


def test_the_schema_documents_the_account_endpoints(alice_client: Client):
    response = alice_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me" in paths
    assert set(paths["/api/v1/tokens"]) >= {"get", "post"}
    assert "delete" in paths["/api/v1/tokens/{id}"]
    components = response.json()["components"]
    assert "email" in components["schemas"]["Me"]["properties"]
    assert components["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/api/v1/tokens/{id}"]["delete"]["parameters"][0]["schema"]["type"] == "integer"


def test_the_api_docs_load_only_local_assets(alice_client: Client):
    response = alice_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert urls, html
    assert all(not re.match(r"^(https?:)?//", url) for url in urls), urls
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/" in html
