"""Settings read from the environment, with embedded defaults that need no services.

Without ``DATABASE_URL`` / ``REDIS_URL`` the project runs on SQLite, the in-memory channel
layer and eager Celery; with them it uses PostgreSQL, channels-redis and a Redis broker.
See docs/README.md for the table of variables.
"""

import json
import os
import re
import zoneinfo
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from redis.connection import parse_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean variable; anything but a clear yes/no is a configuration error."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """Read a throttle rate such as ``10/min``; a typo must stop startup, not fail requests."""
    value = os.environ.get(name) or default
    if not re.fullmatch(r"\d+/(s|sec|m|min|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must look like 10/min (per s, min, hour or day)")
    return value


def env_seconds(name: str, default: float, *, allow_zero: bool = False) -> float:
    """Read a positive duration in seconds (fractions allowed, for tests), or 0 if allowed."""
    value = os.environ.get(name)
    if not value:
        return float(default)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not (seconds > 0 or (allow_zero and seconds == 0)):
        least = "0 or more" if allow_zero else "a positive number of"
        raise ImproperlyConfigured(f"{name} must be {least} seconds, got {value!r}")
    return seconds


def redis_url_database(url: str) -> int:
    """The database number a Redis URL selects (``/N`` or ``?db=N``; 0 when it names none)."""
    return int(parse_url(url).get("db", 0))


# --- Core -------------------------------------------------------------------------------------

PRODUCTION = env_bool("DJANGO_PRODUCTION", False)
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_PRODUCTION=1")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_PRODUCTION=1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The project's own apps: `manage.py signals` lists the receivers they connect.
PROJECT_APPS = ["shop", "orders", "notifications", "warehouse", "webhooks"]

INSTALLED_APPS = [
    "daphne",  # first: its runserver serves websockets too (ASGI) in development
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
    "channels",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    # Outermost, so its count and latency cover every other middleware (shop/metrics.py).
    "shop.metrics.MetricsMiddleware",
    # First, so every response (errors included) carries the request id the logs use.
    "shop.middleware.RequestIdMiddleware",
    "shop.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shop.middleware.LoginLockoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shop" / "templates"],
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

# --- Database ---------------------------------------------------------------------------------
# Persistent connections (DATABASE_CONN_MAX_AGE seconds; 0, the default, closes each one at
# the end of its request or task): a new PostgreSQL connection costs more than a ship.
# shop/gunicorn_conf.py turns them on for gunicorn's threads; shop/asgi.py keeps them off
# under ASGI; Celery workers keep theirs between tasks when it is set (shop/celery.py).
# Their number is bounded by the threads that use the database (docs/operations.md sizes
# max_connections from it). The health check reconnects after a database restart instead of
# failing a request on the dead connection.

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env_seconds("DATABASE_CONN_MAX_AGE", 0, allow_zero=True)),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock at BEGIN, where SQLite waits for it (OPTIONS["timeout"], 5 s by
    # default), instead of upgrading a read lock mid-transaction, which fails at once with
    # "database is locked" when another connection wrote meanwhile. WAL mode is set per
    # connection by the connection_created receiver shop.sqlite.configure_sqlite.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and Celery broker ---------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")

# The channel layer. With Redis, channels-redis's pub/sub layer: a group send is one PUBLISH,
# and each process subscribes once per group it has members in and fans the message out to
# them in memory. The core layer (channels_redis.core) instead stores a copy per member and
# each process pops them one BZPOPMIN round trip at a time: seconds for one push to 1,000
# sockets, and copies older than its expiry dropped (bench/README.md). Group membership is
# then local to the process: a socket that closes leaves nothing in Redis, and a process that
# dies loses its subscriptions with its connection (no group_expiry to wait out).
# Pub/sub has no capacity and no expiry: a message reaches the sockets subscribed when it is
# published, or none. Group sends are at-most-once either way; the OrderEvent table plus
# ?after= catch-up is what makes delivery reliable (docs/websockets.md).
# The in-memory layer (no REDIS_URL) keeps its limits: expiry 10 s, capacity 1000 per channel
# (the staff channel receives every order event), group_expiry 1 day.
CHANNEL_LAYER_CONFIG = {"expiry": 10, "group_expiry": 86400, "capacity": 1000}

# redis-py 8 times socket reads out after 5 s by default; the layer's publishes and
# subscriptions then fail on a slow Redis. Its pool also refuses (rather than waits) past
# max_connections (shop/api/channel_layer.py bounds group operations below it).
REDIS_HOST = {"address": REDIS_URL, "socket_timeout": None, "max_connections": 1000}

if REDIS_URL:
    # Pub/sub channels belong to the whole Redis server, whatever database a client selected,
    # so the layer's prefix names REDIS_URL's database: deployments (or test runs) sharing one
    # server on different databases never receive each other's pushes.
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_HOST],
                "prefix": f"asgi.db{redis_url_database(REDIS_URL)}.",
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": CHANNEL_LAYER_CONFIG,
        }
    }

# The in-memory transport ignores the host, but kombu warns "No hostname was supplied" for a
# URL without one each time Celery opens a connection (even to run a task eagerly).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Embedded default: tasks run in-process, so the app works with no broker and no worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses Redis keeps reconnecting however long the outage (Celery's default gives
# up and exits after 100 tries, about 46 minutes), and resumes on its own when Redis is back.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A request that enqueues a task must not hang for long when the broker is down.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes a worker's database connections after every task unless this is
# set, and then after this many tasks; between those, shop/celery.py ages and health-checks
# them as Django does for requests (DATABASE_CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = 1000
# The worker and beat log through LOGGING below (request id field, LOG_FORMAT) instead of
# replacing the root logger's handlers with Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Delivery of emails and notices, and the outbox sweeps (docs/operations.md) --------------
# Every email and warehouse notice records its own schedule: attempts, next_attempt_at, and a
# claim a worker holds while sending. Failed attempts back off by doubling from
# DELIVERY_RETRY_BASE up to DELIVERY_RETRY_MAX (jitter takes up to a quarter off); after
# DELIVERY_MAX_ATTEMPTS the row is failed and can be retried from the admin. The defaults
# keep trying for 4.5 to 6 hours, longer than a 4-hour outage.
DELIVERY_RETRY_BASE = env_seconds("DELIVERY_RETRY_BASE", 30)
DELIVERY_RETRY_MAX = env_seconds("DELIVERY_RETRY_MAX", 1800)
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "18"))
# How long a worker may hold a claim while sending; a killed worker's claim lapses after it.
# Longer than any send can take (EMAIL_TIMEOUT per SMTP step).
DELIVERY_LEASE = env_seconds("DELIVERY_LEASE", 300)
# The beat runs the re-dispatch of events and the sweeps of emails and notices this often,
# and takes anything pending OUTBOX_STALE_AFTER past its due time as stranded.
OUTBOX_SWEEP_INTERVAL = env_seconds("OUTBOX_SWEEP_INTERVAL", 60)
OUTBOX_STALE_AFTER = env_seconds("OUTBOX_STALE_AFTER", 120)
# Redis redelivers a message that a worker took but never acknowledged (it was killed) after
# this long. A worker also holds a retry's message unacknowledged until its countdown ends, so
# every countdown (at most DELIVERY_RETRY_MAX) must be shorter, or the message runs twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_seconds("CELERY_VISIBILITY_TIMEOUT", 3600)
}
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= DELIVERY_RETRY_MAX:
    raise ImproperlyConfigured("DELIVERY_RETRY_MAX must be shorter than CELERY_VISIBILITY_TIMEOUT")
CELERY_BEAT_SCHEDULE = {
    "redispatch-pending-order-events": {
        "task": "orders.tasks.redispatch_pending_events",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "sweep-stranded-emails": {
        "task": "notifications.tasks.sweep_stranded_emails",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "sweep-stranded-warehouse-notices": {
        "task": "warehouse.tasks.sweep_stranded_notices",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    # The receivers only enqueue: these create what a lost task never created.
    "sweep-missing-emails": {
        "task": "notifications.tasks.sweep_missing_emails",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "sweep-missing-warehouse-notices": {
        "task": "warehouse.tasks.sweep_missing_notices",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "sweep-stranded-webhooks": {
        "task": "webhooks.tasks.sweep_stranded_webhooks",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "sweep-missing-webhooks": {
        "task": "webhooks.tasks.sweep_missing_webhooks",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "forget-stale-live-watchers": {
        "task": "notifications.tasks.forget_stale_watchers",
        "schedule": 300.0,
    },
}

# --- Cache: throttling history ----------------------------------------------------------------
# Redis when REDIS_URL is set, so every web process counts requests against the same limits.
# Requests read it before the view runs, and the throttles fail open when it is down
# (shop/api/throttling.py, shop/api/login.py): short timeouts, so an outage (or a Redis that stopped
# answering) costs a request at most a quarter of a second per cache call, not a hang.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email ------------------------------------------------------------------------------------

# Embedded default: each email is written to a file under DJANGO_EMAIL_FILE_PATH (var/emails/),
# one file per connection, instead of printed among the server's logs (and seed_demo's output).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = Path(os.environ.get("DJANGO_EMAIL_FILE_PATH", BASE_DIR / "var" / "emails"))
# Development backends: the file one keeps customers' emails on this disk, the console one
# prints them into the logs, locmem keeps them in memory; none delivers. Production must name
# a real one (SMTP).
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}
if PRODUCTION and EMAIL_BACKEND in UNDELIVERED_EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        "DJANGO_EMAIL_BACKEND must be a delivering backend such as "
        "django.core.mail.backends.smtp.EmailBackend when DJANGO_PRODUCTION=1, "
        f"not {EMAIL_BACKEND}"
    )
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Shop <orders@shop.example>")
WAREHOUSE_EMAIL = os.environ.get("WAREHOUSE_EMAIL", "warehouse@shop.example")

# --- Webhooks (docs/webhooks.md) -------------------------------------------------------------
# Private, loopback and link-local receivers and plain http: for local receivers in
# development and tests only (on by default with DJANGO_DEBUG=1; the webhooks.E001 system
# check refuses it in production).
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", DEBUG)
# A receiver has this long to connect and answer before the attempt counts as failed.
WEBHOOKS_TIMEOUT = env_seconds("WEBHOOKS_TIMEOUT", 10)
# An endpoint whose every attempt failed for this long is disabled.
WEBHOOKS_DISABLE_AFTER = env_seconds("WEBHOOKS_DISABLE_AFTER", 5 * 86400)

# --- Carriers ---------------------------------------------------------------------------------
# Tracking page per carrier, overriding orders.carriers.DEFAULT_TRACKING_URLS, e.g.
# {"dhl": "https://www.dhl.com/de-de/home/tracking.html?tracking-id={tracking}"}.
SHOP_TRACKING_URLS: dict[str, str] = {}


def env_secrets(name: str, default: dict[str, str]) -> dict[str, str]:
    """Read a JSON object of non-empty strings, such as {"ups": "s3cret"}."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        secrets = json.loads(value)
    except ValueError:
        secrets = None
    if not isinstance(secrets, dict) or not all(
        isinstance(secret, str) and secret for secret in secrets.values()
    ):
        raise ImproperlyConfigured(
            f'{name} must be a JSON object of strings, e.g. {{"ups": "..."}}'
        )
    return secrets


# The secret each carrier signs its tracking events with (POST /api/carriers/<carrier>/events/);
# a carrier without one has no ingest endpoint (404). Outside production, a demo secret per
# carrier, so `manage.py simulate_carrier` works out of the box; production has none unless set.
DEMO_CARRIER_SECRETS = {
    carrier: f"demo-{carrier}-secret" for carrier in ("dhl", "ups", "fedex", "usps")
}
CARRIER_WEBHOOK_SECRETS = env_secrets(
    "CARRIER_WEBHOOK_SECRETS", {} if PRODUCTION else DEMO_CARRIER_SECRETS
)

# --- Auth, i18n, static -----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
# Failed logins allowed per client address and per username in the window (seconds) before
# every login form and the token login refuse further attempts (shop/api/login.py).
LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW = 15 * 60

LANGUAGE_CODE = "en-us"
# The shop's time zone: every date a page shows, rendered or pushed live, is in it (stored
# dates stay UTC). A name the tz database does not know stops startup.
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE") or "UTC"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"DJANGO_TIME_ZONE must be a tz database name, got {TIME_ZONE!r}"
    ) from exc
USE_I18N = True
USE_TZ = True
# The shop's date format (DATETIME_FORMAT, "22 Nov 2026, 23:51") for English, in shop/formats/;
# other languages keep Django's. Pages and websocket messages format with it alike.
FORMAT_MODULE_PATH = ["shop.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "shop" / "static"]
# Files a browser asks for at the site's root (/favicon.ico), served by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "shop" / "root"
# WhiteNoise serves static files under any ASGI server; production serves the hashed,
# compressed files that `manage.py collectstatic` writes to STATIC_ROOT.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- REST framework ---------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token authentication, answered from the cache (shop/api/token_cache.py).
        "shop.api.token_cache.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "shop.api.errors.exception_handler",
    # DRF's parsers, with JSON too deeply nested to decode a 400 (shop/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "shop.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # DRF's JSON with a newline at the end, for curl, and its browsable API with forms from
    # the view's serializer only (shop/api/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "shop.api.renderers.JSONRenderer",
        "shop.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "shop.api.openapi.AutoSchema",
    # Every write is limited per user; token login per client address (shop/api/login.py).
    "DEFAULT_THROTTLE_CLASSES": ["shop.api.throttling.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "login": env_rate("API_THROTTLE_LOGIN", "10/min"),
        "writes": env_rate("API_THROTTLE_WRITES", "60/min"),
    },
    # How many reverse proxies append to X-Forwarded-For. 0 trusts only the socket address;
    # DRF's default would trust the whole header, which any client can forge.
    "NUM_PROXIES": int(os.environ.get("DJANGO_NUM_PROXIES", "0")),
}

# The largest legitimate API body (50 order lines, a 500-character address) is a few KiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "Shop order workflow API",
    "DESCRIPTION": (
        "Place, ship and cancel orders; read their event timeline; acknowledge warehouse "
        "notices. Every 4xx has the body `{detail, code}`, plus `errors` per field on a 400. "
        "Error codes and rate limits: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are public and ignore credentials, so a stale token cannot 401.
    "SERVE_AUTHENTICATION": [],
    # Separate request and response components: read-only fields are not asked for as input.
    "COMPONENT_SPLIT_REQUEST": True,
    # The API is documented as JSON. Forms still parse, for the browsable API's HTML forms, but
    # they cannot carry nested input such as an order's items.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Swagger UI's files come from drf-spectacular-sidecar, served by this app, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # An order event's type has the same choices as the order status it moved to.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "WarehouseNoticeStatusEnum": "warehouse.models.WarehouseNotice.Status",
        "ShipmentStatusEnum": "orders.models.ShipmentStatus",
    },
}

# --- Production hardening ---------------------------------------------------------------------

if PRODUCTION:
    # Only behind a proxy that sets (overwrites) X-Forwarded-Proto: trusted otherwise, any
    # client could claim HTTPS. docs/operations.md, "Running behind a reverse proxy".
    if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Load balancers probe /health/ over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Metrics: GET /metrics (shop/metrics.py, docs/production.md) ------------------------------
# With a token, /metrics answers only "Authorization: Bearer <METRICS_TOKEN>"; without one it
# is open outside production and absent (404) in production.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# --- Logging ----------------------------------------------------------------------------------

# Every line names the request it belongs to (shop/log_context.py; "-" outside a request).
# LOG_FORMAT=json writes one JSON object per line, with the same fields, for a log pipeline.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shop.log_context.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": LOG_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Replaces Django's own console handler, which would print every record a second time.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
