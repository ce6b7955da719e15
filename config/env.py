"""django-environ with loud errors: a malformed value names its variable.

Plain django-environ raises a bare ``ValueError`` for ``Q_WORKERS=two`` and reads
``DJANGO_DEBUG=maybe`` as False. Settings use this ``Env`` so both stop start-up with an
``ImproperlyConfigured`` that says which variable to fix.
"""

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

FALSE_STRINGS = ("false", "off", "no", "n", "0", "")


class Env(environ.Env):
    def get_value(
        self,
        var: str,
        cast: Any = None,
        default: Any = environ.Env.NOTSET,
        parse_default: bool = False,
    ) -> Any:
        raw = self.ENVIRON.get(f"{self.prefix}{var}")
        spellings = (*self.BOOLEAN_TRUE_STRINGS, *FALSE_STRINGS)
        if cast is bool and raw is not None and raw.strip().lower() not in spellings:
            raise ImproperlyConfigured(f"{var} must be 1 or 0 (true/false, yes/no), not {raw!r}.")
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"{var} has a malformed value {raw!r}: {exc}") from exc

    def db_url(self, var: str = "DATABASE_URL", default: Any = environ.Env.NOTSET, engine=None):
        try:
            config = super().db_url(var, default=default, engine=engine)
        except (ValueError, KeyError, ImproperlyConfigured) as exc:
            # The value may hold a password: name the variable, never echo it.
            raise ImproperlyConfigured(
                f"{var} could not be parsed ({type(exc).__name__}); expected "
                "postgres://user:password@host:5432/name or sqlite:///path/to/file.sqlite3."
            ) from None
        if config.get("ENGINE") not in {
            "django.db.backends.postgresql",
            "django.db.backends.sqlite3",
        }:
            raise ImproperlyConfigured(
                f"{var} must start with postgres:// (PostgreSQL) or sqlite:/// (SQLite)."
            )
        return config

    def email_url(self, var: str = "EMAIL_URL", default: Any = environ.Env.NOTSET, backend=None):
        try:
            return super().email_url(var, default=default, backend=backend)
        except (ValueError, KeyError, ImproperlyConfigured) as exc:
            raise ImproperlyConfigured(
                f"{var} could not be parsed ({type(exc).__name__}); expected e.g. "
                "smtp+tls://user:password@smtp.example.com:587 or consolemail://."
            ) from None
