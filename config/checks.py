"""Start-up checks: the web server refuses to run without a SECRET_KEY when DEBUG is off."""

import sys
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

# Commands that never sign anything may run without a key (migrations in a build step or a
# release phase before secrets are mounted).
KEYLESS_COMMANDS = {
    "migrate",
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "collectstatic",
    "billfold_setup",
    "createcachetable",
}

SECRET_KEY_HINT = (
    "SECRET_KEY is empty and DEBUG is off. Set SECRET_KEY in the environment or in .env "
    '(generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(50))"), '
    "or set DJANGO_DEBUG=1 for development."
)


def secret_key_problem() -> str | None:
    """The message to stop a web server with, or None when the key is usable."""
    if settings.DEBUG:
        return None
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    return None if key else SECRET_KEY_HINT


def _running_command() -> str | None:
    if len(sys.argv) > 1 and Path(sys.argv[0]).name in {"manage.py", "django-admin"}:
        return sys.argv[1]
    return None


@register("security")
def check_secret_key(app_configs=None, **kwargs) -> list[Error]:
    if _running_command() in KEYLESS_COMMANDS:
        return []
    problem = secret_key_problem()
    return [Error(problem, id="platform.E001")] if problem else []
