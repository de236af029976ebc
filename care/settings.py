"""Settings for care, read from the environment (see the table in README.md).

Every value has a default that suits `make demo` on one machine (SQLite, a broker
that needs no server); production sets DJANGO_DEBUG=0 and real secrets.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import environ
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("CARE_VAR_DIR", default="") or BASE_DIR / "var")

DEBUG = env.bool("DJANGO_DEBUG", default=True)


def _secret_from_var(name: str, make: Callable[[], str]) -> str:
    """A secret generated once into var/ so the demo keeps its sessions and data.

    Only used with DEBUG on: production must pass real secrets in the environment.
    """
    path = VAR_DIR / name
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        # Created readable by the owner only; O_EXCL: if two processes race, one writes.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as secret_file:
            secret_file.write(make())
    return path.read_text().strip()


def _required_secret(var: str, name: str, make: Callable[[], str]) -> str:
    value = env.str(var, default="")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{var} must be set when DJANGO_DEBUG=0.")
    return _secret_from_var(name, make)


SECRET_KEY = _required_secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# Platform credentials are encrypted with these Fernet keys; the first encrypts,
# all decrypt, so a key can be rotated by putting the new one in front.
CARE_ENCRYPTION_KEYS = _required_secret(
    "CARE_ENCRYPTION_KEYS", "encryption_key", lambda: Fernet.generate_key().decode()
).split(",")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "care.apps.CareAdminConfig",
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
    "django_celery_beat",
    "axes",
    "care",
    "inbox",
    "responses",
    "care.metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "care.middleware.AgentTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns locked-out logins into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "care.urls"
WSGI_APPLICATION = "care.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "care.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
# An empty DATABASE_URL counts as unset, so `DATABASE_URL= make demo` means the demo default.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'care.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets web, worker and beat read while one of them writes; IMMEDIATE
        # takes the write lock up front so two writers queue instead of deadlocking.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a real Celery worker started by a test sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-care.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis (optional) and caches ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -------------------------------------------------------------------------
CELERY_BROKER_FOLDER = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # With acks_late, an unacknowledged task comes back after this long; it must
        # be longer than any task runs. Long waits are scheduled by beat, not countdown.
        "visibility_timeout": 3600,
    }
else:
    # The demo's embedded broker: kombu's filesystem transport needs no server.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "messages"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "messages"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
        # Kombu waits this long after finding the folder empty or the pool full; at its
        # 1 s default the demo's worker takes about 2 tasks a second.
        "polling_interval": 0.1,
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep a worker's database connection for many tasks (closed every twice this many tasks) instead
# of opening one per task: a firestorm runs thousands of short tasks.
CELERY_DB_REUSE_MAX = 100
CELERY_BEAT_SCHEDULER = "care.beat:HeartbeatScheduler"
# Copied into django-celery-beat's tables when beat starts; edit them in the admin.
CELERY_BEAT_SCHEDULE = {
    "prune-heartbeats": {"task": "care.tasks.prune_heartbeats_task", "schedule": 3600.0},
    # Each channel account has its own polling entry (inbox/services/polling.py).
    "relay-webhook-deliveries": {
        "task": "inbox.tasks.relay_webhook_deliveries_task",
        "schedule": 60.0,
    },
    "relay-inbound-batches": {"task": "inbox.tasks.relay_inbound_batches_task", "schedule": 60.0},
    "check-quiet-channels": {"task": "inbox.tasks.check_quiet_channels_task", "schedule": 300.0},
    # Unassigned cases go to agents who come back from away or have room again.
    "auto-assign": {"task": "inbox.tasks.auto_assign_task", "schedule": 30.0},
    "prune-presence": {"task": "inbox.tasks.prune_presence_task", "schedule": 3600.0},
    # SLA clocks at 75 % and 100 %: marked on the case and announced.
    "check-sla": {"task": "inbox.tasks.check_sla_task", "schedule": 60.0},
    # Early warning: a topic or channel far above its usual level for the time of week.
    "detect-spikes": {"task": "inbox.tasks.detect_spikes_task", "schedule": 60.0},
    # Escalations: due soon (department), overdue (its lead), customer waiting (agent).
    "remind-escalations": {"task": "inbox.tasks.remind_escalations_task", "schedule": 300.0},
    # A customer left waiting climbs the priority levels (triage's age weight).
    "rescore-waiting": {"task": "inbox.tasks.rescore_waiting_task", "schedule": 300.0},
    "relay-outbox": {"task": "responses.tasks.relay_outbox_task", "schedule": 10.0},
    # Resolved cases: "is it solved?" with the survey link, CARE_FOLLOW_UP_HOURS later.
    "send-follow-ups": {"task": "responses.tasks.send_follow_ups_task", "schedule": 300.0},
    # Outbound webhook deliveries whose task was lost (Redis down at commit, a dead worker).
    "relay-outbound-webhooks": {
        "task": "care.tasks.relay_outbound_webhooks_task",
        "schedule": 60.0,
    },
    # The dashboard's rollups: recomputed for what changed, and nightly for the last days.
    "refresh-metrics": {"task": "care.metrics.tasks.refresh_rollups_task", "schedule": 15.0},
    "rebuild-recent-metrics": {
        "task": "care.metrics.tasks.rebuild_recent_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
# How often worker and beat report they are alive, and how old a report may be.
CARE_HEARTBEAT_SECONDS = env.int("CARE_HEARTBEAT_SECONDS", default=15)
CARE_HEARTBEAT_MAX_AGE = env.int("CARE_HEARTBEAT_MAX_AGE", default=60)

# --- Channels -----------------------------------------------------------------------
# The one seam for the platforms' addresses (inbox/channels/http.py): the real APIs by
# default; `make demo` and the tests point them at the platform simulator.
X_API_BASE_URL = env.str("X_API_BASE_URL", default="https://api.twitter.com")
GRAPH_API_BASE_URL = env.str("GRAPH_API_BASE_URL", default="https://graph.facebook.com")
GRAPH_API_VERSION = env.str("GRAPH_API_VERSION", default="v26.0")
# The X app's keys: they sign OAuth 1.0a calls, answer CRC checks and verify webhooks.
X_CONSUMER_KEY = env.str("X_CONSUMER_KEY", default="")
X_CONSUMER_SECRET = env.str("X_CONSUMER_SECRET", default="")
# The Meta app's secret verifies X-Hub-Signature-256; the verify token answers the handshake.
FACEBOOK_APP_SECRET = env.str("FACEBOOK_APP_SECRET", default="")
FACEBOOK_VERIFY_TOKEN = env.str("FACEBOOK_VERIFY_TOKEN", default="")
# A customer who writes again within this many hours of a resolved case reopens it.
CARE_REOPEN_WINDOW_HOURS = env.int("CARE_REOPEN_WINDOW_HOURS", default=72)
# Quiet-channel alert: no inbound for this many times the usual gap (and at least
# the minimum) during business hours, in TIME_ZONE.
CARE_QUIET_FACTOR = env.float("CARE_QUIET_FACTOR", default=6.0)
CARE_QUIET_MIN_MINUTES = env.int("CARE_QUIET_MIN_MINUTES", default=60)
CARE_BUSINESS_HOURS = env.str("CARE_BUSINESS_HOURS", default="08:00-20:00")
CARE_BUSINESS_DAYS = env.list("CARE_BUSINESS_DAYS", default=["1", "2", "3", "4", "5", "6"])
# A worker killed mid-poll frees its account's polling lock after this many seconds.
CARE_POLL_LOCK_SECONDS = env.int("CARE_POLL_LOCK_SECONDS", default=60)
# --- The inbox ----------------------------------------------------------------------
# New conversations go round-robin to available agents (capacity, languages, away).
CARE_AUTO_ASSIGN = env.bool("CARE_AUTO_ASSIGN", default=True)
# A customer is owed an answer this many minutes after they write (until SLA policies).
CARE_RESPONSE_TARGET_MINUTES = env.int("CARE_RESPONSE_TARGET_MINUTES", default=60)
# An agent whose conversation page has not reported for this long has left it.
CARE_PRESENCE_SECONDS = env.int("CARE_PRESENCE_SECONDS", default=12)
# How long the undo of a bulk action is offered, in seconds.
CARE_UNDO_SECONDS = env.int("CARE_UNDO_SECONDS", default=10)
# --- Triage ---------------------------------------------------------------------------
# Classify every customer message on arrival (language, sentiment, intent, topics, priority).
CARE_TRIAGE = env.bool("CARE_TRIAGE", default=True)
# Overrides of inbox/triage/priority.py's DEFAULT_WEIGHTS, as JSON: {"vip": 40, "verified": 5}.
CARE_PRIORITY_WEIGHTS: dict[str, float] = env.json("CARE_PRIORITY_WEIGHTS", default={})
# --- Early warning (inbox/services/alerts.py, docs/early-warning.md) ----------------------
# A window's customer messages per topic and channel, against the same window of the
# week over this many past weeks: an alert at median + Z x spread, at least MIN_COUNT.
CARE_SPIKE_WINDOW_MINUTES = env.int("CARE_SPIKE_WINDOW_MINUTES", default=15)
CARE_SPIKE_WEEKS = env.int("CARE_SPIKE_WEEKS", default=4)
CARE_SPIKE_Z = env.float("CARE_SPIKE_Z", default=6.0)
CARE_SPIKE_MIN_COUNT = env.int("CARE_SPIKE_MIN_COUNT", default=10)
# Other tools hear of alerts here: a POST signed with HMAC-SHA256 (X-Care-Signature).
CARE_ALERT_WEBHOOK_URL = env.str("CARE_ALERT_WEBHOOK_URL", default="")
CARE_ALERT_WEBHOOK_SECRET = env.str("CARE_ALERT_WEBHOOK_SECRET", default="")
# Outbound webhooks (care/outbound_webhooks.py, docs/webhooks.md): tries per delivery,
# 10 s, 30 s, 90 s … apart, before it is marked failed (a replay starts again).
CARE_WEBHOOK_MAX_ATTEMPTS = env.int("CARE_WEBHOOK_MAX_ATTEMPTS", default=6)
# Escalations: remind the department this long before the due time; remind the care agent
# to update the customer after this many hours with the department.
CARE_ESCALATION_REMIND_MINUTES = env.int("CARE_ESCALATION_REMIND_MINUTES", default=60)
CARE_ESCALATION_UPDATE_HOURS = env.int("CARE_ESCALATION_UPDATE_HOURS", default=4)
# --- Replies (responses/) ------------------------------------------------------------------
# Every public reply is signed by its agent; {initials} and {first_name} are filled in.
CARE_X_SIGNATURE = env.str("CARE_X_SIGNATURE", default=" ^{initials}")
CARE_FACEBOOK_SIGNATURE = env.str("CARE_FACEBOOK_SIGNATURE", default=" ^{initials}")
# The outbox (responses/services/outbox.py): a send waits this long for the platform
# (seconds); after this many unanswered tries the reply fails with a retry button; the
# relay sends again the task of a reply silent for this long (seconds).
CARE_REPLY_SEND_TIMEOUT = env.float("CARE_REPLY_SEND_TIMEOUT", default=10.0)
CARE_REPLY_MAX_ATTEMPTS = env.int("CARE_REPLY_MAX_ATTEMPTS", default=6)
CARE_OUTBOX_RELAY_SECONDS = env.int("CARE_OUTBOX_RELAY_SECONDS", default=30)
# The largest image an agent may attach to a reply, in MB, before it is resized
# (responses/services/attachments.py).
CARE_ATTACHMENT_MAX_MB = env.int("CARE_ATTACHMENT_MAX_MB", default=10)
# Where customers and platforms reach care from outside: survey links in follow-ups, the
# agents' photos that Messenger personas show.
CARE_PUBLIC_URL = env.str("CARE_PUBLIC_URL", default="http://127.0.0.1:8000")
# "Sound human": a reply worded exactly like one of the team's last this many replies is
# flagged in the reply box (responses/services/tone.py); 0 checks only the same customer.
CARE_SAMENESS_WINDOW = env.int("CARE_SAMENESS_WINDOW", default=50)
# Goodwill (responses/services/goodwill.py): the customer panel suggests an offer from this
# many conversations in 12 months (or on a recurring topic, or repeated unhappy cases).
CARE_GOODWILL_MIN_CONVERSATIONS = env.int("CARE_GOODWILL_MIN_CONVERSATIONS", default=5)
# Follow-up after resolution (responses/services/follow_ups.py): this many hours after a
# case is resolved, ask the customer on the same channel whether it is solved, with a
# survey link valid this many days (links start with CARE_PUBLIC_URL); 0 hours switches
# follow-ups off.
CARE_FOLLOW_UP_HOURS = env.int("CARE_FOLLOW_UP_HOURS", default=24)
CARE_SURVEY_DAYS = env.int("CARE_SURVEY_DAYS", default=14)
# How often every page asks for the bell's unread count (seconds).
CARE_BELL_POLL_SECONDS = env.int("CARE_BELL_POLL_SECONDS", default=15)
# Where `make demo` runs the platform simulator; shown on the Channels page.
SIMULATOR_URL = env.str("SIMULATOR_URL", default="")

# --- Accounts -----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox:list"
LOGOUT_REDIRECT_URL = "login"
# Login throttling: after 5 failures for one username from one address, 15 minutes out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="care@localhost")

# --- Languages and time -------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("id", _("Bahasa Indonesia"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")
CELERY_TIMEZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
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
# Photos are shown on the public team page; 5 MB is far above a good avatar.
CARE_MAX_PHOTO_BYTES = 5 * 1024 * 1024

# --- REST API -----------------------------------------------------------------------
# API requests per minute for one token (or one logged-in browser): reads, and writes.
CARE_API_RATE_READ = env.str("CARE_API_RATE_READ", default="600/min")
CARE_API_RATE_WRITE = env.str("CARE_API_RATE_WRITE", default="120/min")

REST_FRAMEWORK = {
    # Tokens for other tools (docs/api.md); the session for the browser (MeApi, /api/docs/).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "care.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["care.permissions.IsAgent"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "care.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "care.pagination.CarePagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["care.tokens.ReadThrottle", "care.tokens.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {"read": CARE_API_RATE_READ, "write": CARE_API_RATE_WRITE},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "care API",
    "DESCRIPTION": "The shared social inbox's REST API (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["care.permissions.IsAgent"],
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "inbox.models.Conversation.Status",
        "ReplyStatusEnum": "responses.models.Reply.Status",
        "ChannelStatusEnum": "inbox.models.ChannelAccount.Status",
    },
}

# --- Security -----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers and container health checks call /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Behind a TLS-terminating proxy (docker-compose, a load balancer) that sets this header.
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The demo's filesystem broker has no host; kombu warns about it on every send.
        "kombu.connection": {"level": "ERROR"},
    },
}
