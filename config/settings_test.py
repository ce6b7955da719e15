"""Test overrides: a handful of lines on top of the real settings."""

import atexit
import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("ENV_FILE", "")  # a developer's .env must not change test results

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False
# API throttles stay on but out of the way; tests of the 429 lower them with override_settings.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"writes": "100000/min", "sync": "100000/min", "llm": "100000/min"},
}
# Static files straight from static/ (no collectstatic in tests, no warning about var/staticfiles).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file rather than memory, so a real worker process started by a test sees the test
    # database; one per process, so parallel runs never share it; removed at exit.
    _TEST_DB_OWNER = os.getpid()
    _TEST_DB = Path(tempfile.gettempdir()) / f"billfold-test-{_TEST_DB_OWNER}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DB)}

    @atexit.register
    def _remove_test_db() -> None:
        if os.getpid() == _TEST_DB_OWNER:  # not in forked children
            for path in _TEST_DB.parent.glob(f"{_TEST_DB.name}*"):
                path.unlink(missing_ok=True)


# Tests keep the shared cache in memory too (one per process), cleared before each test.
CACHES = {
    **CACHES,
    "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
}
