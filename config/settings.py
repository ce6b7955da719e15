"""Billfold settings: one file, read from the environment (django-environ, optional .env).

With nothing set it runs on embedded defaults: SQLite under var/, local-memory cache,
the django-q2 ORM broker and console email. See .env.example for every variable.
"""

import importlib.util
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"

env = Env()
# ENV_FILE= (empty) skips the file; tests do that so a developer's .env cannot leak in.
env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if env_file and Path(env_file).is_file():
    Env.read_env(env_file)
VAR_DIR = Path(env.str("BILLFOLD_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        # Left empty: commands that never sign anything (migrate, makemigrations) still run;
        # the web server refuses to start (config/checks.py, config/gunicorn.py).
        return ""
    # Development only: generate once and keep it, so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_q",
    "accounts",
    "ledger",
    "budgets",
    "banking",
    "insights",
    "config",  # the platform app (label "platform"): heartbeat, schedules, billfold_setup
]

MIDDLEWARE = [
    "config.metrics.MetricsMiddleware",
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.PreferencesMiddleware",
    "accounts.middleware.OnboardingMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.billfold",
                "budgets.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'billfold.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes. IMMEDIATE takes
    # the write lock when a transaction begins, so two writers wait for each other (up to
    # the timeout) rather than one failing with "database is locked" when it goes from
    # reading to writing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Cache and sessions -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": False},
            "KEY_PREFIX": "billfold",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CACHES["shared"] = CACHES["default"]
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # What every process must see alike (the web server's, the worker's): change stamps
        # that invalidate cached aggregates, and progress of background work. Files under
        # var/ on the one machine of the embedded setup; Redis (above) beyond it.
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Billfold] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
# Reverse proxies in front of the app that append to X-Forwarded-For (1 behind the README's
# TLS proxy). The per-address sign-in limits and the device list then see each visitor's
# address; left at 0 every visitor shares the proxy's, and one guessing password locks all
# out. The header is ignored at 0, as anyone can forge it without a proxy in front.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Billfold"

# --- Email --------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Billfold <billfold@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- I18N ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads: statements larger than this are refused with the limit in the message.
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=50)
# Files with more rows than this are analysed and committed by the background worker.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=5000)
# Rows per dedupe query and bulk insert.
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=2000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -----------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("SECURE_PROXY_SSL", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# A year of HSTS with subdomains is what the preload list asks for; say so by default then.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS >= 31536000)
# Container and load-balancer probes speak plain HTTP to the app itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
# Content-Security-Policy (config/middleware.py): our own files only. An integration adds
# its origins here, e.g. CSP_EXTRA["script-src"].append("https://cdn.plaid.com"); any
# other directive name ("img-src", ...) can be added the same way.
CSP_EXTRA: dict[str, list[str]] = {"script-src": [], "frame-src": [], "connect-src": []}
# Third-party pages we serve whose inline <script>/<style> blocks are allowed by hash only.
CSP_HASH_INLINE_PATHS = ["/api/docs/"]
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per user, 429 + Retry-After (config/throttles.py): writes on every API view, bank
    # syncs, LLM-backed endpoints. Rates as "<n>/<s|min|hour|day>".
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttles.WritesRateThrottle",
        "config.throttles.ScopedUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "writes": env.str("API_THROTTLE_WRITES", default="120/min"),
        "sync": env.str("API_THROTTLE_SYNC", default="10/min"),
        "llm": env.str("API_THROTTLE_LLM", default="20/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Billfold API",
    "DESCRIPTION": "Personal finance ledger, imports, bank sync, budgets and insights.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"TransactionStatusEnum": "ledger.models.transactions.Status"},
}

# --- Background tasks (django-q2) ---------------------------------------------------------
Q_BROKER = env.str("Q_BROKER", default="orm")
Q_CLUSTER = {
    "name": "billfold",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=300),
    "retry": env.int("Q_RETRY", default=360),
    "max_attempts": 3,
    "catch_up": True,
    "ack_failures": True,
    "save_limit": 500,
    "label": "Background tasks",
    "poll": 0.5,
}
if Q_BROKER == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("Q_BROKER=redis needs REDIS_URL.")
    Q_CLUSTER["django_redis"] = "default"
elif Q_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"
else:
    raise ImproperlyConfigured(f"Q_BROKER must be 'orm' or 'redis', not {Q_BROKER!r}.")
Q_CLUSTER["sync"] = env.bool("Q_SYNC", default=False)

# --- Integrations (off until configured) --------------------------------------------------
PLAID_CLIENT_ID = env.str("PLAID_CLIENT_ID", default="")
PLAID_SECRET = env.str("PLAID_SECRET", default="")
PLAID_ENV = env.str("PLAID_ENV", default="sandbox")
if PLAID_ENV not in {"sandbox", "production"}:
    raise ImproperlyConfigured(f"PLAID_ENV must be 'sandbox' or 'production', not {PLAID_ENV!r}.")
PLAID_HOST = env.str("PLAID_HOST", default="")
PLAID_WEBHOOK_URL = env.str("PLAID_WEBHOOK_URL", default="")
PLAID_COUNTRY_CODES = env.list("PLAID_COUNTRY_CODES", default=["US"])
BANK_SYNC_INTERVAL_HOURS = env.int("BANK_SYNC_INTERVAL_HOURS", default=6)
BANK_SYNC_BACKOFF_SECONDS = env.float("BANK_SYNC_BACKOFF_SECONDS", default=1.0)
PLAID_TIMEOUT_SECONDS = env.float("PLAID_TIMEOUT_SECONDS", default=30.0)
PLAID_SYNC_PAGE_SIZE = env.int("PLAID_SYNC_PAGE_SIZE", default=500)
if bool(PLAID_CLIENT_ID) != bool(PLAID_SECRET):
    raise ImproperlyConfigured("Plaid needs both PLAID_CLIENT_ID and PLAID_SECRET.")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if PLAID_CLIENT_ID:
    # Plaid Link must load from Plaid's CDN and talk to Plaid from the browser.
    CSP_EXTRA["script-src"].append("https://cdn.plaid.com")
    CSP_EXTRA["frame-src"].append("https://cdn.plaid.com")
    CSP_EXTRA["connect-src"].extend(["https://*.plaid.com"])
if PLAID_CLIENT_ID and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Plaid needs FIELD_ENCRYPTION_KEYS to encrypt bank access tokens at rest."
    )

OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="")
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", default=30.0)
# Categorization: learned/AI choices at or above this confidence are applied, others suggested.
CATEGORIZER_THRESHOLD = env.float("CATEGORIZER_THRESHOLD", default=0.8)
if not 0 < CATEGORIZER_THRESHOLD <= 1:  # also refuses nan; 80 would turn automation off
    raise ImproperlyConfigured(
        "CATEGORIZER_THRESHOLD must be a confidence above 0 and at most 1 (such as 0.8), "
        f"not {CATEGORIZER_THRESHOLD!r}."
    )
CATEGORIZER_MERCHANTS_FILE = env.str("CATEGORIZER_MERCHANTS_FILE", default="")
LLM_DAILY_REQUEST_CAP = env.int("LLM_DAILY_REQUEST_CAP", default=200)
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=3)
if (OPENAI_BASE_URL or OPENAI_API_KEY) and not OPENAI_MODEL:
    raise ImproperlyConfigured("The LLM integration needs OPENAI_MODEL as well.")

# --- Metrics ------------------------------------------------------------------------------
# /metrics (config/metrics.py) answers only requests carrying "Authorization: Bearer <token>";
# unset, it is a 404. Several processes: also set PROMETHEUS_MULTIPROC_DIR (see that module).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Tracing (off until configured) -------------------------------------------------------
# OpenTelemetry spans for requests and tasks over OTLP/HTTP once an endpoint is set
# (config/tracing.py); the SDK reads the other OTEL_* variables itself. Needs the otel extra.
OTEL_TRACING = not env.bool("OTEL_SDK_DISABLED", default=False) and bool(
    env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
    or env.str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", default="")
)
if OTEL_TRACING and importlib.util.find_spec("opentelemetry.instrumentation.django") is None:
    raise ImproperlyConfigured(
        "OTEL_EXPORTER_OTLP_ENDPOINT is set, but OpenTelemetry is not installed: "
        'pip install "billfold[otel]" (or unset the variable).'
    )

# --- Logging ------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Without handlers of its own: with DEBUG on, Django's console handler would print
        # each of its lines a second time beside ours (the root's, which they reach anyway).
        # Configuring it also hands runserver's request lines (django.server) to ours.
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "ofxtools": {"level": "WARNING"},  # it logs every OFX element it reads at INFO
        "django-q": {"level": env.str("Q_LOG_LEVEL", default="WARNING")},  # django-q2's logger name
    },
}
