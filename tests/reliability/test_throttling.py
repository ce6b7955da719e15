"""API throttles: per user, on writes, bank syncs and LLM-backed endpoints; 429 + Retry-After."""

import os
import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from accounts.models import User
from accounts.tokens import api_token_create
from tests.reliability.conftest import World

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"


def rates(**scopes: str):
    """Lower the rates for one test (the test settings keep them out of the way)."""
    current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    cache.clear()
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **scopes},
        }
    )


def bearer(user: User) -> dict[str, str]:
    _, secret = api_token_create(user=user, name="throttle")
    return {"Authorization": f"Bearer {secret}"}


def test_writes_are_limited_per_user_with_retry_after(world: World, bob: User) -> None:
    client, alice_auth, bob_auth = Client(), bearer(world.user), bearer(bob)
    with rates(writes="2/min"):
        statuses = [
            client.post(
                "/api/v1/tags",
                {"name": f"t{i}"},
                content_type="application/json",
                headers=alice_auth,
            ).status_code
            for i in range(3)
        ]
        refused = client.post(
            "/api/v1/tags", {"name": "t9"}, content_type="application/json", headers=alice_auth
        )
        reading = client.get("/api/v1/tags", headers=alice_auth)
        others = client.post(
            "/api/v1/tags", {"name": "bobs"}, content_type="application/json", headers=bob_auth
        )

    assert statuses == [201, 201, 429]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert reading.status_code == 200  # reads are not writes
    assert others.status_code == 201  # per user: bob has his own allowance


def test_every_unsafe_method_counts_as_a_write(world: World) -> None:
    client, auth = Client(), bearer(world.user)
    url = f"/api/v1/tags/{world.tag.pk}"
    with rates(writes="3/min"):
        client.patch(url, {"name": "a"}, content_type="application/json", headers=auth)
        client.put(url, {"name": "b"}, content_type="application/json", headers=auth)
        client.post("/api/v1/tags", {"name": "c"}, content_type="application/json", headers=auth)
        response = client.delete(url, headers=auth)

    assert response.status_code == 429


def test_bank_syncs_have_their_own_lower_limit(world: World) -> None:
    client, auth = Client(), bearer(world.user)
    url = f"/api/v1/bank-items/{world.bank_item.pk}/sync"
    with rates(sync="1/min"):
        first = client.post(url, headers=auth)
        second = client.post(url, headers=auth)

    assert first.status_code == 202
    assert second.status_code == 429
    assert "Retry-After" in second


def test_llm_backed_endpoints_have_their_own_limit(world: World) -> None:
    client, auth = Client(), bearer(world.user)
    url = "/api/v1/insights/summary/regenerate"
    with rates(llm="1/hour"):
        first = client.post(url, {}, content_type="application/json", headers=auth)
        second = client.post(url, {}, content_type="application/json", headers=auth)

    assert first.status_code != 429  # 400 while the LLM is not configured, 202 when it is
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 60


def test_the_rates_come_from_the_environment(monkeypatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name not in {"PATH", "HOME", "LANG"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("BILLFOLD_VAR_DIR", str(tmp_path / "var"))
    defaults = runpy.run_path(str(SETTINGS_FILE))["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]
    monkeypatch.setenv("API_THROTTLE_WRITES", "5/s")
    monkeypatch.setenv("API_THROTTLE_SYNC", "2/min")
    monkeypatch.setenv("API_THROTTLE_LLM", "3/day")
    changed = runpy.run_path(str(SETTINGS_FILE))["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]

    assert defaults == {"writes": "120/min", "sync": "10/min", "llm": "20/hour"}
    assert changed == {"writes": "5/s", "sync": "2/min", "llm": "3/day"}
