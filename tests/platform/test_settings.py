"""Settings read from the environment: production checks, a missing key, malformed values.

Each case starts `manage.py` in a clean environment so config/settings.py is read afresh.
"""

import os
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from config.env import Env
from tests.platform.conftest import PRODUCTION_KEY, clean_env, manage

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"


def read_settings() -> dict[str, Any]:
    """Execute config/settings.py afresh against the current environment."""
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.fixture
def settings_env(monkeypatch, tmp_path: Path):
    """An environment with no Billfold variables, for read_settings()."""
    for name in list(os.environ):
        if name not in {"PATH", "HOME", "LANG"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("BILLFOLD_VAR_DIR", str(tmp_path / "var"))
    return monkeypatch


PRODUCTION = {
    "SECRET_KEY": PRODUCTION_KEY,
    "ALLOWED_HOSTS": "billfold.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://billfold.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_COOKIES": "1",
    "SECURE_PROXY_SSL": "1",
}


def test_check_deploy_reports_nothing_with_production_settings(tmp_path: Path) -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=clean_env(tmp_path, **PRODUCTION)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_django_security_checks_are_clean_with_production_settings(tmp_path: Path) -> None:
    result = manage(
        "check",
        "--deploy",
        "--tag",
        "security",
        "--fail-level",
        "WARNING",
        env=clean_env(tmp_path, **PRODUCTION),
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_names_what_is_missing_without_them(tmp_path: Path) -> None:
    result = manage("check", "--deploy", env=clean_env(tmp_path, SECRET_KEY=PRODUCTION_KEY))

    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no HTTPS redirect
    assert "security.W012" in result.stderr  # session cookie not Secure


def test_the_web_server_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = manage("check", env=clean_env(tmp_path))

    assert result.returncode != 0
    assert "platform.E001" in result.stderr
    assert "SECRET_KEY is empty and DEBUG is off" in result.stderr


def test_migrations_run_without_a_secret_key(tmp_path: Path) -> None:
    env = clean_env(tmp_path)

    # One app's migrations are enough to show it; the whole set takes a while on SQLite.
    migrate = manage("migrate", "django_q", "--noinput", env=env)
    setup = manage("billfold_setup", env=env)

    assert migrate.returncode == 0, migrate.stderr
    assert setup.returncode == 0, setup.stderr
    assert "created billfold:heartbeat" in setup.stdout


def test_development_mode_makes_and_keeps_its_own_key(settings_env, tmp_path: Path) -> None:
    settings_env.setenv("DJANGO_DEBUG", "1")

    first, second = read_settings()["SECRET_KEY"], read_settings()["SECRET_KEY"]

    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("Q_WORKERS", "two", "Q_WORKERS has a malformed value 'two'"),
        ("SECURE_HSTS_SECONDS", "1y", "SECURE_HSTS_SECONDS has a malformed value '1y'"),
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be 1 or 0"),
        ("SECURE_COOKIES", "sure", "SECURE_COOKIES must be 1 or 0"),
        ("DATABASE_URL", "mysql://db/billfold", "DATABASE_URL must start with postgres://"),
        ("Q_BROKER", "rabbit", "Q_BROKER must be 'orm' or 'redis'"),
        ("Q_BROKER", "redis", "Q_BROKER=redis needs REDIS_URL"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be 'plain' or 'json'"),
        ("PLAID_ENV", "development", "PLAID_ENV must be 'sandbox' or 'production'"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(
    settings_env, name: str, value: str, message: str
) -> None:
    settings_env.setenv(name, value)

    with pytest.raises(ImproperlyConfigured) as caught:
        read_settings()

    assert message in str(caught.value)


def test_a_malformed_value_stops_manage_py_too(tmp_path: Path) -> None:
    result = manage("check", env=clean_env(tmp_path, SECRET_KEY=PRODUCTION_KEY, Q_WORKERS="two"))

    assert result.returncode != 0
    assert "ImproperlyConfigured: Q_WORKERS has a malformed value 'two'" in result.stderr


def test_a_year_of_hsts_declares_preload_unless_told_not_to(settings_env) -> None:
    settings_env.setenv("SECURE_HSTS_SECONDS", "31536000")
    assert read_settings()["SECURE_HSTS_PRELOAD"] is True

    settings_env.setenv("SECURE_HSTS_PRELOAD", "0")
    assert read_settings()["SECURE_HSTS_PRELOAD"] is False


def test_redis_moves_the_cache_sessions_and_queue(settings_env) -> None:
    settings_env.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    settings_env.setenv("Q_BROKER", "redis")

    values = read_settings()

    assert values["CACHES"]["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["Q_CLUSTER"]["django_redis"] == "default"
    assert "orm" not in values["Q_CLUSTER"]


def test_nothing_set_means_sqlite_memory_cache_and_the_orm_queue(settings_env) -> None:
    values = read_settings()

    assert values["DEBUG"] is False
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert values["Q_CLUSTER"]["orm"] == "default"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["CORS_ALLOWED_ORIGINS"] == []


def test_a_database_url_that_does_not_parse_is_named_but_not_echoed(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://billfold:s3cret-pw@db:port/billfold")

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL could not be parsed") as caught:
        Env().db_url("DATABASE_URL")

    assert "s3cret-pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("0", False), ("", False)]
)
def test_booleans_accept_the_usual_spellings(monkeypatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("SECURE_COOKIES", raw)

    assert Env().bool("SECURE_COOKIES", default=False) is expected


def test_production_cookies_are_secure_http_only_and_same_site(settings_env) -> None:
    for name, value in PRODUCTION.items():
        settings_env.setenv(name, value)

    values = read_settings()

    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@override_settings(CSRF_COOKIE_SECURE=True)
def test_the_csrf_cookie_a_form_page_sets_carries_those_flags(client, db) -> None:
    client.get("/auth/login/")

    cookie = client.cookies["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_x_forwarded_for_counts_only_behind_the_proxies_declared(settings_env) -> None:
    assert read_settings()["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0

    settings_env.setenv("TRUSTED_PROXY_COUNT", "1")
    assert read_settings()["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1

    settings_env.setenv("TRUSTED_PROXY_COUNT", "one")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT"):
        read_settings()


@pytest.mark.parametrize("raw", ["80", "0", "-0.5", "1.01", "nan", "inf", "high"])
def test_the_categorizer_threshold_must_be_a_confidence_in_0_to_1(settings_env, raw: str) -> None:
    # 80 (a percentage) would silently turn automatic categorizing off: it stops start-up.
    settings_env.setenv("CATEGORIZER_THRESHOLD", raw)
    with pytest.raises(ImproperlyConfigured, match="CATEGORIZER_THRESHOLD"):
        read_settings()


@pytest.mark.parametrize(("raw", "expected"), [("", 0.8), ("1", 1.0), ("0.65", 0.65)])
def test_the_categorizer_threshold_takes_any_confidence_in_0_to_1(
    settings_env, raw: str, expected: float
) -> None:
    if raw:
        settings_env.setenv("CATEGORIZER_THRESHOLD", raw)
    assert read_settings()["CATEGORIZER_THRESHOLD"] == expected
