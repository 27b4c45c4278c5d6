"""Settings for the mirror, read from the environment with safe defaults.

Environment: DATABASE_URL (default: SQLite file under var/), MIRROR_DATA_ROOT (default var/data),
SECRET_KEY, DEBUG, ALLOWED_HOSTS (comma-separated), CONN_MAX_AGE (seconds a database connection is
reused), MIRROR_FILES_AUTH (`basic`, the default: HTTP Basic with a 401 challenge; `none`: dataset
files are public), MIRROR_VERIFIED_LOGIN_SECONDS (how long a verified Basic login is remembered),
MIRROR_PUBLIC_URL (the base URL clients use, for `one_params`), SECURE_* for HTTPS,
MIRROR_KEPT_COUNTS and MIRROR_KEPT_COUNT_MIN_MS (filtered lists' counts kept until data changes),
MIRROR_KEPT_POSITIONS (where pages ended, so the next page starts there),
MIRROR_PG_OPTIONS (PostgreSQL session settings; default `-c parallel_setup_cost=10000`),
MIRROR_LOGIN_FAILURE_LIMIT and MIRROR_LOGIN_LOCKOUT_SECONDS (login throttling),
MIRROR_CLIENT_IP_HEADER (the proxy header holding the client's address; default: REMOTE_ADDR),
MIRROR_STATEMENT_TIMEOUT (seconds a request's database work may take; default 30, 0: no limit).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from mirror import __version__
from mirror.core.secret_key import DEVELOPMENT_KEY

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MIRROR_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


MIRROR_VERSION = __version__
DEBUG = env_bool("DEBUG", False)
# Without SECRET_KEY, the development key: commands and tests run (with a warning when DEBUG is
# off), a server with DEBUG off refuses to start (mirror.core.secret_key, mirror.wsgi).
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # failed-login counts, in the database (mirror.core.login_throttle); before the mirror's
    # apps, so that mirror.people.admin can put the read-only rule on its admin pages
    "axes",
    "mirror.core",
    "mirror.people",
    "mirror.subjects",
    "mirror.actions",
    "mirror.data",
    "mirror.onecache",
    "importers",
]
# Benchmarks only (`make bench`): the seeding command and the floor views of bench/floor.py.
# Never set in production; the `bench` package is not even installed by `pip install .`.
MIRROR_BENCH = env_bool("MIRROR_BENCH", False)
if MIRROR_BENCH:
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "mirror.core.statement_timeout.StatementTimeoutMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a lockout found during a login into a 429 (last, as axes documents).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mirror.urls"
WSGI_APPLICATION = "mirror.wsgi.application"
# REST paths have no trailing slash (Alyx); never redirect POSTs to a slashed URL.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The mirror's branding over DRF's and the admin's own templates (mirror/templates).
        "DIRS": [BASE_DIR / "mirror" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Seconds the database may work for one request (mirror.core.statement_timeout); a statement
# past it is stopped and the request answers 503. manage.py sets 0 (no limit) for its commands
# other than runserver, and MIRROR_COMMAND_STATEMENT_TIMEOUT for them if that is set.
MIRROR_STATEMENT_TIMEOUT = float(os.environ.get("MIRROR_STATEMENT_TIMEOUT", 30))


def pg_statement_timeout(options: str, seconds: float) -> str:
    """libpq `options` with PostgreSQL's statement_timeout added (unless 0 or already set)."""
    if seconds <= 0 or "statement_timeout" in options:
        return options
    return f"{options} -c statement_timeout={max(1, round(seconds * 1000))}".strip()


DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mirror.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; the timeout rides out short write locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
         # A transaction takes the write lock when it begins, so it waits for another writer
         # (timeout) instead of failing "database is locked" when it upgrades from reading.
         "transaction_mode": "IMMEDIATE"}
    )
    # MIRROR_TEST_DB: another file, for two test runs at once on one checkout.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "MIRROR_TEST_DB", str(VAR_DIR / "test-mirror.sqlite3"))
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Starting a parallel worker takes milliseconds, which PostgreSQL's default
    # parallel_setup_cost (1000) underrates: it then plans a page of 250 sessions behind a
    # dataset filter with a worker, and the page takes twice as long at a million datasets.
    # At 10000 big scans (a COUNT over every matching row) still get workers, pages do not.
    # MIRROR_PG_OPTIONS replaces this (libpq `options`); an `options` in DATABASE_URL wins.
    pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    pg_options.setdefault("options",
                          os.environ.get("MIRROR_PG_OPTIONS", "-c parallel_setup_cost=10000"))
    # Server-side, set when connecting: no query per request (an `options` in DATABASE_URL
    # that sets statement_timeout itself wins).
    pg_options["options"] = pg_statement_timeout(pg_options["options"],
                                                 MIRROR_STATEMENT_TIMEOUT)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering columns (`Index(include=…)`) are a PostgreSQL optimisation; SQLite builds the same
# index without them, as intended, so its warning about that is not shown on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "people.User"

# axes first: a locked-out username or address is refused before any password is hashed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (mirror.core.login_throttle): this many failures within the window lock the
# username and the client address until the window has passed since the last failure.
MIRROR_LOGIN_FAILURE_LIMIT = int(os.environ.get("MIRROR_LOGIN_FAILURE_LIMIT", 10))
MIRROR_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("MIRROR_LOGIN_LOCKOUT_SECONDS", 900))
# The header a proxy in front of every app server sets to the client's address (e.g.
# X-Forwarded-For); empty: REMOTE_ADDR, as a forwarded header from a client proves nothing.
MIRROR_CLIENT_IP_HEADER = os.environ.get("MIRROR_CLIENT_IP_HEADER", "").strip()
AXES_FAILURE_LIMIT = MIRROR_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=MIRROR_LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = "mirror.core.login_throttle.lockout_parameters"  # each on its own
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts do not extend it
AXES_HANDLER = "mirror.core.login_throttle.LoginAttempts"
AXES_CLIENT_IP_CALLABLE = "mirror.core.client_address.client_address"
AXES_USERNAME_CALLABLE = "mirror.core.login_throttle.attempted_username"
AXES_LOCKOUT_CALLABLE = "mirror.core.login_throttle.lockout_response"
# Masked in axes' log lines and stored form data (a password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_DISABLE_ACCESS_LOG = True  # successful logins are not recorded (nothing reads them)
# No banner on every manage.py command; log lines name only the (masked) lockout parameters.
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Alyx stores naive local times (USE_TZ = False): a session's start_time is the wall-clock time
# where it was recorded, so its date part is the session's local date, as ONE expects.
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = False
USE_I18N = False

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: `collectstatic` then MIRROR_MANIFEST_STATIC=1 for hashed, compressed files
    # that whitenoise serves with far-future caching.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("MIRROR_MANIFEST_STATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

MIRROR_DATA_ROOT = Path(os.environ.get("MIRROR_DATA_ROOT", VAR_DIR / "data"))
# Who reads /data (mirror.data.file_auth): `basic`, the mirror's logins over HTTP Basic, or
# `none`, everyone (public data only). Anything else stops the server rather than serve openly.
MIRROR_FILES_AUTH = os.environ.get("MIRROR_FILES_AUTH", "basic").strip().lower()
if MIRROR_FILES_AUTH not in ("basic", "none"):
    raise ImproperlyConfigured(f"MIRROR_FILES_AUTH is {MIRROR_FILES_AUTH!r}: use 'basic' "
                               "(HTTP Basic login, the default) or 'none' (public files).")
# How long a verified Basic login is remembered by each process (mirror.core.verified_logins).
MIRROR_VERIFIED_LOGIN_SECONDS = int(os.environ.get("MIRROR_VERIFIED_LOGIN_SECONDS", 300))
MIRROR_PUBLIC_URL = os.environ.get("MIRROR_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
MIRROR_FILES_PREFIX = "data"
# ONE cache tables (manage.py mirror_one_cache); one shared folder for all app servers.
MIRROR_CACHE_TABLES_ROOT = Path(os.environ.get("MIRROR_CACHE_TABLES_ROOT",
                                               VAR_DIR / "cache-tables"))
# Labvanced webhook bodies: JSON routes and media uploads (413 above these).
MIRROR_WEBHOOK_MAX_BODY = int(os.environ.get("MIRROR_WEBHOOK_MAX_BODY", 1024 * 1024))
MIRROR_WEBHOOK_MAX_UPLOAD = int(os.environ.get("MIRROR_WEBHOOK_MAX_UPLOAD", 200 * 1024 * 1024))
# The largest file an import reads from an export zip or folder, or a REST session zip (a zip
# member is checked against the size it declares and the bytes it gives).
MIRROR_IMPORT_MAX_FILE = int(os.environ.get("MIRROR_IMPORT_MAX_FILE", 512 * 1024 * 1024))
MIRROR_WEBHOOK_ORIGINS = env_list("MIRROR_WEBHOOK_ORIGINS", "https://www.labvanced.com")
# What one connection's webhook may do (429 past an hourly quota, 413 past a session's cap):
# sessions opened and bytes written to disk (tables rewritten, uploads) per clock hour; trials,
# trials-table size and media files per session; hours of silence after which a running
# session takes no more webhook writes.
MIRROR_WEBHOOK_SESSIONS_PER_HOUR = int(os.environ.get("MIRROR_WEBHOOK_SESSIONS_PER_HOUR", 200))
MIRROR_WEBHOOK_BYTES_PER_HOUR = int(os.environ.get("MIRROR_WEBHOOK_BYTES_PER_HOUR", 10 * 2**30))
MIRROR_WEBHOOK_MAX_TRIALS = int(os.environ.get("MIRROR_WEBHOOK_MAX_TRIALS", 5000))
MIRROR_WEBHOOK_MAX_TABLE = int(os.environ.get("MIRROR_WEBHOOK_MAX_TABLE", 8 * 2**20))
MIRROR_WEBHOOK_MAX_FILES = int(os.environ.get("MIRROR_WEBHOOK_MAX_FILES", 50))
MIRROR_WEBHOOK_IDLE_HOURS = float(os.environ.get("MIRROR_WEBHOOK_IDLE_HOURS", 12))
# Filtered lists' counts kept per process until the data changes (mirror.core.kept_counts): how
# many, and the least time a COUNT must take to be worth keeping. 0 entries turns it off.
MIRROR_KEPT_COUNTS = int(os.environ.get("MIRROR_KEPT_COUNTS", 256))
MIRROR_KEPT_COUNT_MIN_MS = float(os.environ.get("MIRROR_KEPT_COUNT_MIN_MS", 2))
# Where each list page ended, so the next is read from there (mirror.core.kept_positions).
MIRROR_KEPT_POSITIONS = int(os.environ.get("MIRROR_KEPT_POSITIONS", 1024))

REST_FRAMEWORK = {
    # Session first: a stale token then gets 403 "Invalid token.", which makes ONE log in again.
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework.authentication.SessionAuthentication",
        "mirror.core.authentication.PreparedTokenAuthentication",
    ),
    "DEFAULT_PERMISSION_CLASSES": ("mirror.core.permissions.ReadOnlyUsersCanOnlyRead",),
    "DEFAULT_FILTER_BACKENDS": ("mirror.core.filter_backend.StrictFilterBackend",),
    "DEFAULT_PAGINATION_CLASS": "mirror.core.pagination.AlyxLimitOffsetPagination",
    # DRF's three, with a JSON parser that refuses deep nesting (a RecursionError was a 500).
    "DEFAULT_PARSER_CLASSES": ("mirror.core.parsers.BoundedJSONParser",
                               "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"),
    "PAGE_SIZE": 250,
    "EXCEPTION_HANDLER": "mirror.core.exceptions.alyx_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": (
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ),
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Alyx-compatible research-data mirror",
    "DESCRIPTION": (
        "Alyx's REST API over data mirrored from Labvanced, Labstep and HyperStudy. "
        "Log in with POST /auth-token and send `Authorization: Token <key>`. "
        "Lists take `limit` (default 250, at most 1000) and `offset`; unknown query "
        "parameters are refused with 400."
    ),
    "VERSION": __version__,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": f"/{STATIC_URL}mirror/favicon.svg",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"QCEnum": "mirror.core.qc.QC.choices"},
    "SORT_OPERATION_PARAMETERS": True,
}

# HTTPS=1 in production (behind TLS): secure cookies, redirect to https, HSTS for a year.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# The preload flag only allows enrolling the domain in browsers' lists; it enrols nothing itself.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# Set when a proxy (nginx, a load balancer) terminates TLS and sends X-Forwarded-Proto.
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /health answers plain http on the loopback for load-balancer checks.
SECURE_REDIRECT_EXEMPT = [r"^health$"]

# Webhook secrets (in URL paths) are taken out of every log line (mirror.core.log_redaction):
# on the handler, and on the loggers that write request paths, for handlers added elsewhere.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "mirror.core.log_redaction.RedactSecrets"}},
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter",
                                     "format": "[{server_time}] {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
                 "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                                   "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own "django" handlers are dropped: its lines reach the root handler once, not twice.
    # The dev server's request lines keep Django's format on their own handler.
    "loggers": {"django": {"handlers": [], "level": "INFO"},
                "django.db.backends": {"level": "INFO"},
                "django.request": {"filters": ["redact_secrets"]},
                "django.server": {"handlers": ["django.server"], "level": "INFO",
                                  "propagate": False, "filters": ["redact_secrets"]}},
}
