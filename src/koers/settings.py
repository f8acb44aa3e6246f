"""Koers settings: one module, driven by environment variables (see .env.example).

Everything works with no configuration: a SQLite file in the data directory and
background jobs run in-process.
"""

from __future__ import annotations

import ipaddress
import zoneinfo
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from koers.config import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DEMO_SECRET_KEY = "koers-demo-secret-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured(
        "Koers refuses to start with DEBUG off and the demo SECRET_KEY: set SECRET_KEY."
    )
if SECRET_KEY != DEMO_SECRET_KEY and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 random characters (for example: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

DATA_DIR = Path(env_str("KOERS_DATA_DIR", str(Path.home() / ".local/share/koers"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "koers.kit",
    "koers.org",
    "koers.sales",
    "ninja",
    "koers.imports",
    "koers.api",
    "koers.plan",
    "koers.measure",
    "koers.forecast",
    "koers.steer",
    "koers.reward",
    "koers.demo",
    "koers.jobs",
    "koers.ops",
    "koers.ui",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "koers.ops.logs.RequestLogMiddleware",
    "koers.core.request_memo.RequestMemoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "koers.ui.middleware.PrivateResponsesMiddleware",
    "koers.ui.middleware.NotFoundPageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "koers.ui.middleware.LoginRequiredMiddleware",
    "koers.ui.middleware.SetupFirstMiddleware",
    # last, as django-axes asks: turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

# Logins: repeated wrong passwords lock out the account and, separately, the address
# (django-axes); the lock lifts after the cool-off time or when an administrator resets it
# (`koers axes_reset`). Behind a proxy Koers reads the address the proxy forwards.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "koers.org.auth.PersonBackend",
    "koers.org.company_login.CompanyLoginBackend",
]

# Company logins (OpenID Connect, koers.org.company_login): on when a client id is set.
# The endpoints are the provider's (its /.well-known/openid-configuration lists them).
OIDC_RP_CLIENT_ID = env_str("KOERS_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("KOERS_OIDC_CLIENT_SECRET", "")
KOERS_OIDC_ISSUER = env_str("KOERS_OIDC_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("KOERS_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("KOERS_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("KOERS_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("KOERS_OIDC_JWKS_ENDPOINT", "") or None
OIDC_RP_SIGN_ALGO = env_str("KOERS_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False  # a login is made for a person found by e-mail, never for anyone
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATE_CLASS = "koers.org.company_login.CompanyLoginStart"
OIDC_CALLBACK_CLASS = "koers.org.company_login.CompanyLoginCallback"
KOERS_OIDC_PROVIDER_NAME = env_str("KOERS_OIDC_PROVIDER_NAME", "")
if OIDC_RP_CLIENT_ID and not (
    OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT
):
    raise ImproperlyConfigured(
        "KOERS_OIDC_CLIENT_ID needs KOERS_OIDC_AUTHORIZATION_ENDPOINT, KOERS_OIDC_TOKEN_ENDPOINT "
        "and KOERS_OIDC_JWKS_ENDPOINT"
    )
AXES_FAILURE_LIMIT = env_int("KOERS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("KOERS_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "koers.ui.lockout.lockout_response"
AXES_VERBOSE = False

ROOT_URLCONF = "koers.urls"
WSGI_APPLICATION = "koers.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "koers.ui.context.koers_context",
            ],
        },
    }
]

_SQLITE_URL = f"sqlite:///{DATA_DIR / 'koers.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", _SQLITE_URL), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while a calculation or import writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of en, nl, not {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["koers.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone") from exc
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve straight from the package: no collectstatic step
STATICFILES_DIRS = [BASE_DIR / "static"]

# Mail (feedback invitations and reminders): printed to the console unless an SMTP server
# is set; KOERS_PUBLIC_URL is the address people open the links in a mail at.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "koers@localhost")
KOERS_PUBLIC_URL = env_str("KOERS_PUBLIC_URL", "").rstrip("/")
if not KOERS_PUBLIC_URL and not DEBUG:
    # every mailed link (360° feedback, invitations) would point at 127.0.0.1:8000
    raise ImproperlyConfigured(
        "Set KOERS_PUBLIC_URL to the address people open Koers at (https://koers.example.com): "
        "the links in Koers's e-mails use it."
    )
KOERS_PUBLIC_URL = KOERS_PUBLIC_URL or "http://127.0.0.1:8000"
if not KOERS_PUBLIC_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"KOERS_PUBLIC_URL must start with https:// or http://, not {KOERS_PUBLIC_URL!r}"
    )
# days a customer's feedback link works (and never after the round closes)
KOERS_FEEDBACK_LINK_DAYS = env_int("KOERS_FEEDBACK_LINK_DAYS", 30, minimum=1)

SESSION_COOKIE_HTTPONLY = True
# sessions are read from the cache (and kept in the database): one query less per page
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS in production (DEBUG off): secure cookies, redirect to https, HSTS. Behind a proxy
# that ends TLS, KOERS_BEHIND_PROXY=true trusts its X-Forwarded-Proto header.
_HTTPS = env_bool("KOERS_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = env_bool("KOERS_SSL_REDIRECT", _HTTPS)
SECURE_HSTS_SECONDS = env_int("KOERS_HSTS_SECONDS", 31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KOERS_HSTS_INCLUDE_SUBDOMAINS", _HTTPS)
SECURE_HSTS_PRELOAD = env_bool("KOERS_HSTS_PRELOAD", _HTTPS)
KOERS_BEHIND_PROXY = env_bool("KOERS_BEHIND_PROXY", False)
if KOERS_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# The proxies whose X-Forwarded-For names the client (addresses or networks, commas between):
# login lockouts count that client, not the proxy (koers.ui.client_ip).
KOERS_TRUSTED_PROXIES = env_str("KOERS_TRUSTED_PROXIES", "127.0.0.1,::1")
try:
    for _proxy in filter(None, (p.strip() for p in KOERS_TRUSTED_PROXIES.split(","))):
        ipaddress.ip_network(_proxy, strict=False)
except ValueError as _bad:
    raise ImproperlyConfigured(f"KOERS_TRUSTED_PROXIES: {_bad}") from None
AXES_CLIENT_IP_CALLABLE = "koers.ui.client_ip.client_ip"

# An account page shows its place on a map only when a tile server is configured, e.g.
# "https://tile.openstreetmap.org/{z}/{x}/{y}.png" with its attribution; none by default.
KOERS_MAP_TILES = env_str("KOERS_MAP_TILES", "")
KOERS_MAP_ATTRIBUTION = env_str("KOERS_MAP_ATTRIBUTION", "")


def _tile_origin(template: str) -> list[str]:
    """The tile server's origin for the CSP ({s} subdomains as a wildcard)."""
    from urllib.parse import urlsplit

    parts = urlsplit(template)
    return [f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"] if parts.netloc else []


# Content-Security-Policy (django-csp): scripts only from Koers itself (no inline script,
# no eval, no CDN); styles from Koers plus the inline styles charts draw with.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *_tile_origin(KOERS_MAP_TILES)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Koers's own settings.
KOERS_REPORTING_CURRENCY = env_str("KOERS_REPORTING_CURRENCY", "EUR")
KOERS_FISCAL_YEAR_START_MONTH = int(env_str("KOERS_FISCAL_YEAR_START_MONTH", "1"))
# Reward: the largest variable share of on-target earnings before a plan is flagged (%),
# business days to answer an inquiry, working days a year (a day off is worth the annual
# base salary divided by these) and the training budget a euro of reward becomes (bp).
KOERS_MAX_VARIABLE_SHARE = int(env_str("KOERS_MAX_VARIABLE_SHARE", "40"))
KOERS_INQUIRY_SLA_DAYS = int(env_str("KOERS_INQUIRY_SLA_DAYS", "5"))
KOERS_WORKING_DAYS = int(env_str("KOERS_WORKING_DAYS", "220"))
KOERS_TRAINING_FACTOR_BP = int(env_str("KOERS_TRAINING_FACTOR_BP", "11000"))
# Before a month is approved: a payable line at or above this % of quota, or a month's
# earnings above this many times a month's share of the target incentive, is a windfall.
KOERS_WINDFALL_ATTAINMENT = int(env_str("KOERS_WINDFALL_ATTAINMENT", "200"))
KOERS_WINDFALL_MULTIPLE = int(env_str("KOERS_WINDFALL_MULTIPLE", "3"))
if not 1 <= KOERS_FISCAL_YEAR_START_MONTH <= 12:
    raise ImproperlyConfigured("KOERS_FISCAL_YEAR_START_MONTH must be a month number 1-12")

# Cache: computed dashboards are kept until their facts change. In-process by default;
# CACHE_URL (redis://...) shares it between web processes and machines.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "koers"}
    )
}

# Background jobs: Celery on Redis when a broker is configured, in-process otherwise.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
if CELERY_BROKER_URL and not CACHE_URL:
    # a job's progress and result pass from the worker to the web through the cache
    raise ImproperlyConfigured(
        "With CELERY_BROKER_URL set, set CACHE_URL too (the same Redis will do, another "
        "database number): the web and the workers share the background jobs' progress."
    )
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# a worker that dies mid-job hands the job back to the broker (tried once more)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# a worker takes one task at a time, so the parts of a month spread over the workers
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# with a broker: a month's run split by payee into this many parts, calculated on as
# many workers at once (1: the whole month on one worker)
KOERS_RUN_PARTITIONS = env_int("KOERS_RUN_PARTITIONS", 1)
# threads that run background jobs in this process when no broker is configured
KOERS_JOB_THREADS = env_int("KOERS_JOB_THREADS", 2)
# tests only: run a job at once in the caller
KOERS_JOBS_INLINE = False
CELERY_TIMEZONE = TIME_ZONE
# Forecasts: fitted every night, frozen every Monday and on the first of each month.
CELERY_BEAT_SCHEDULE = {
    "measure-refresh": {
        "task": "koers.measure.refresh",
        "schedule": crontab(hour=2, minute=0),
    },
    "forecast-fit": {
        "task": "koers.forecast.fit",
        "schedule": crontab(hour=2, minute=30),
    },
    "forecast-snapshot-weekly": {
        "task": "koers.forecast.snapshot",
        "schedule": crontab(hour=3, minute=30, day_of_week=1),
    },
    "forecast-snapshot-monthly": {
        "task": "koers.forecast.snapshot",
        "schedule": crontab(hour=3, minute=45, day_of_month=1),
    },
}
KOERS_FORECAST_HORIZON = env_int("KOERS_FORECAST_HORIZON", 12)
# Scheduled imports: a folder whose subfolders (a saved mapping's name or an import kind)
# are imported every KOERS_IMPORT_WATCH_MINUTES; empty: none.
KOERS_IMPORT_WATCH_DIR = env_str("KOERS_IMPORT_WATCH_DIR", "")
KOERS_IMPORT_WATCH_MINUTES = env_int("KOERS_IMPORT_WATCH_MINUTES", 15, minimum=1)
# a watched file is taken once it has not changed for this many seconds (complete)
KOERS_IMPORT_WATCH_SETTLE_SECONDS = env_int("KOERS_IMPORT_WATCH_SETTLE_SECONDS", 60, minimum=0)
if KOERS_IMPORT_WATCH_DIR:
    CELERY_BEAT_SCHEDULE["imports-watch"] = {
        "task": "koers.imports.watch",
        "schedule": KOERS_IMPORT_WATCH_MINUTES * 60.0,
    }

# Logs go to standard error: plain text, or one JSON object per line for a log collector
# (KOERS_LOG_FORMAT=json); each request is logged at INFO by koers.request.
KOERS_LOG_FORMAT = env_str("KOERS_LOG_FORMAT", "text")
if KOERS_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("KOERS_LOG_FORMAT takes text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": KOERS_LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "koers.request": {"level": env_str("KOERS_REQUEST_LOG_LEVEL", "WARNING")},
        "koers.jobs": {"level": env_str("LOG_LEVEL", "INFO")},
    },
}

# Order lines: the statuses that count as revenue (and credit); a cancelled line never
# counts. After a change, refresh the KPI facts (`koers refresh-kpis`).
KOERS_REVENUE_STATUSES = env_list("KOERS_REVENUE_STATUSES", ["ordered", "shipped", "invoiced"])
_STATUSES = {"ordered", "shipped", "invoiced", "on_hold", "disputed", "cancelled"}
if set(KOERS_REVENUE_STATUSES) - _STATUSES:
    raise ImproperlyConfigured(
        "KOERS_REVENUE_STATUSES takes: " + ", ".join(sorted(_STATUSES - {"cancelled"}))
    )

# Uploaded files (original import files are kept for the audit trail).
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Import files: the largest upload (wizard and API alike), the largest table read from it,
# and how long a failed or trial import's file is kept (its problems are kept always).
KOERS_IMPORT_MAX_MB = env_int("KOERS_IMPORT_MAX_MB", 200, minimum=1)
KOERS_IMPORT_MAX_ROWS = env_int("KOERS_IMPORT_MAX_ROWS", 20_000_000, minimum=1)
KOERS_IMPORT_MAX_COLUMNS = env_int("KOERS_IMPORT_MAX_COLUMNS", 300, minimum=1)
KOERS_IMPORT_MAX_CELL = env_int("KOERS_IMPORT_MAX_CELL", 32_767, minimum=1)
KOERS_IMPORT_KEEP_FAILED_DAYS = env_int("KOERS_IMPORT_KEEP_FAILED_DAYS", 30)
# With a Celery broker, files above this size are imported on a worker, not in the request.
KOERS_IMPORT_WORKER_MB = env_int("KOERS_IMPORT_WORKER_MB", 5)
# a CSV file on disk larger than this is read and imported block by block (bounded memory)
KOERS_IMPORT_CHUNK_BYTES = env_int("KOERS_IMPORT_CHUNK_BYTES", 4 * 1024 * 1024, minimum=4096)
# Personal API tokens: days until a token expires, and how many working tokens a login holds.
KOERS_TOKEN_DAYS = env_int("KOERS_TOKEN_DAYS", 90, minimum=1)
KOERS_MAX_TOKENS = env_int("KOERS_MAX_TOKENS", 10, minimum=1)
