"""Django settings for OpsPortal.

Every value comes from the environment (see README, "Configuration"). With nothing set the
portal runs on a bare machine: SQLite, a file-system Celery broker and DEBUG on. With
``DATABASE_URL`` and ``REDIS_URL`` it runs in its production shape on PostgreSQL and Redis.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path

from celery.beat import BeatLazyFunc
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from opsportal.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    env_url,
)
from opsportal.heartbeat import HEARTBEAT_EVERY, beat_sent_stamp

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state of the embedded defaults (SQLite file, broker folder, beat file, mail files).
VAR_DIR = Path(env_str("OPSPORTAL_VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only-used-while-debug-is-on-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")

PORTAL_BASE_URL = env_url("PORTAL_BASE_URL", "http://127.0.0.1:8000", ("http", "https")).rstrip("/")
# How far back an incident's detection time may lie (opsportal/plausible.py).
INCIDENT_MAX_AGE_DAYS = env_int("INCIDENT_MAX_AGE_DAYS", 365, minimum=1, maximum=3650)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "simple_history",
    "opsportal",
    "checklists",
    "incidents",
    "changes",
    "reporting",
    "webhooks",
    "oncall",
    "coordination",
    "compliance",
    "knowledge",
    "breaches",
    "access",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "opsportal.middleware.PortalLoginRequiredMiddleware",
    "opsportal.middleware.PrivatePagesNoStoreMiddleware",
    "opsportal.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "opsportal.errors.ConflictMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "access.middleware.RoleChangeActorMiddleware",  # who changed a role (the role audit trail)
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "opsportal.urls"

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
                "opsportal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "opsportal.wsgi.application"

# Database ---------------------------------------------------------------------------------
_default_database = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env_database("DATABASE_URL", _default_database)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # The web process, the worker and beat share the file: wait for locks instead of failing,
    # and take the write lock at the start of a transaction so two writers never deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # A file, not memory, so that a Celery worker started by the tests sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins before checking passwords
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Repeated failed logins lock the username from that address for a while.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# The number of reverse proxies in front of the portal that append to X-Forwarded-For (0: clients
# connect directly, and X-Forwarded-For is ignored because anyone can send it). Lockout and API
# throttling key on the address the outermost trusted proxy saw (opsportal.client_address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "opsportal.client_address.client_address"

# Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")  # the portal's zone: schedules, business hours
USE_I18N = True
USE_TZ = True  # stored in UTC; shown in the user's zone (opsportal.middleware.UserTimeZoneMiddleware)

# Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders while debugging
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

# E-mail -----------------------------------------------------------------------------------
_email = env_email("EMAIL_URL", "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OpsPortal <opsportal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: the secure defaults follow from DEBUG off, with no further variable needed --------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [PORTAL_BASE_URL] if PORTAL_BASE_URL.startswith("https://") else []

# Content-Security-Policy (django-csp 4): everything from our own origin, no inline script or style
# (templates keep them in static/css and static/js), no eval, never framed. data: images are
# Bootstrap's and Swagger UI's SVG icons embedded in their CSS. /api/docs/ runs under the same policy:
# its start-up script is served from a URL of its own (SpectacularSwaggerSplitView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Celery -----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    REDIS_URL = env_url("REDIS_URL", REDIS_URL, ("redis", "rediss"))
    CELERY_BROKER_URL = REDIS_URL
    # A task not acknowledged within visibility_timeout is handed to another worker. Reminder tasks
    # wait in the worker until their due moment, at most 45 minutes each (incidents.services
    # REMINDER_WAIT_MAX), well inside this hour, so a waiting reminder is not redelivered; if one
    # were, the outbox (EscalationNotice) still sends it once.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    # The embedded broker: messages are files in var/broker, so no server is needed.
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent through database state, so redelivery is safe
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True  # results live in the database, never in the broker
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Queue each incident escalation reminder for its due moment (apply_async with a countdown), beside
# the SLA sweep below. Tests turn it off unless they test it (tests/conftest.py).
INCIDENT_REMINDER_TASKS = True

# Beat ticks a few fixed sweeps; what admins edit (a template's time, a severity's SLA) is
# data those sweeps read, so no schedule entry ever changes at run time.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Prove beat and the workers are alive (opsportal/heartbeat.py): beat stamps each message with
    # the time it sent it (and records that), the worker records when it ran it; /healthz compares.
    # A heartbeat not run within a minute is dropped: a newer one says the same.
    "heartbeat": {
        "task": "opsportal.tasks.heartbeat",
        "schedule": HEARTBEAT_EVERY,
        "kwargs": {"sent_at": BeatLazyFunc(beat_sent_stamp)},
        "options": {"expires": 60},
    },
    # Changes waiting for approval too long, and windows that passed unimplemented: remind once.
    "changes-reminders": {"task": "changes.tasks.send_reminders", "schedule": timedelta(minutes=5)},
    # Create the checklist runs due by now; self-healing (looks back two days) and idempotent.
    "checklists-generate": {"task": "checklists.tasks.generate_due_runs", "schedule": timedelta(minutes=5)},
    # Mark checklist runs missed when their window closes; remind owners of overdue runs once.
    "checklists-sweep": {"task": "checklists.tasks.sweep_runs", "schedule": timedelta(seconds=60)},
    # Build the last complete period of each enabled report schedule once its build time has passed.
    "build-due-reports": {"task": "reporting.tasks.build_due_reports", "schedule": timedelta(minutes=15)},
    # Send due incident escalation and overdue-review reminders (each exactly once). Each escalation
    # reminder is also queued for its own due moment (INCIDENT_REMINDER_TASKS), so this sweep is the
    # safety net (a lost message, a broker that was down, overdue reviews): every 30 s.
    "incidents-sla-sweep": {"task": "incidents.tasks.sla_sweep", "schedule": timedelta(seconds=30)},
    # Re-queue notification e-mails still unsent a minute after their row was written (a lost
    # Celery message, a killed worker, a mail server error), backing off, a bounded number of times.
    "notifications-resend-unmailed": {"task": "opsportal.tasks.resend_unmailed", "schedule": timedelta(seconds=60)},
    # Roll business calendars' public holidays forward: this year's and next year's, per calendar
    # country. Daily and idempotent, so next year's are there all year and a missed run costs nothing.
    "incidents-roll-holidays": {"task": "incidents.tasks.roll_holidays_forward", "schedule": timedelta(days=1)},
    # Re-queue webhook deliveries whose attempt is a minute overdue (a lost Celery message or a
    # killed worker); the delivery task itself retries failures with backoff (webhooks/services.py).
    "webhooks-requeue-due": {"task": "webhooks.tasks.requeue_due", "schedule": timedelta(seconds=60)},
    # Append the on-call shifts that started to each schedule's shift log: the past is kept as it was,
    # so later edits to layers change only the future. Idempotent (one row per schedule, role and start).
    "oncall-shift-log": {"task": "oncall.tasks.append_shift_log", "schedule": timedelta(seconds=60)},
    # At each handoff, send the incoming person the handover digest and the outgoing person's note:
    # one Handover row per schedule and handoff instant, written before the notification (exactly once).
    "oncall-handovers": {"task": "oncall.tasks.send_handovers", "schedule": timedelta(seconds=60)},
    # Open each meeting an hour before it starts, with its agenda snapshot built from live data (one
    # row per schedule and date, so never twice), and remind action items on their due date (once).
    "coordination-open-meetings": {"task": "coordination.tasks.open_meetings", "schedule": timedelta(minutes=5)},
    # Skills flags (a service with fewer than two trained, an on-call shift lacking a skill: managers told
    # once per episode), skills expiring and vendor contracts ending within 30 days (each reminded once).
    "coordination-reminders": {"task": "coordination.tasks.send_reminders", "schedule": timedelta(hours=1)},
    # Nightly (02:30 UTC): apply the retention rules in batches, deleting or anonymising what is past
    # its period. Idempotent and resumable: a run killed mid-way is finished by the next one.
    "compliance-retention": {"task": "compliance.tasks.apply_retention", "schedule": crontab(hour=2, minute=30)},
    # Knowledge pages past their review date: the owner is reminded once per review period (one
    # PageReviewReminder row per page and due instant, written before the notification).
    "knowledge-stale-pages": {"task": "knowledge.tasks.remind_stale_pages", "schedule": timedelta(hours=1)},
    # Remind managers about personal data breaches not yet notified to the regulator, 24, 48 and 66
    # hours after awareness (72-hour deadline): one outbox row per breach and hour, so each once.
    "breaches-reminders": {"task": "breaches.tasks.send_reminders", "schedule": timedelta(seconds=60)},
    # Hourly: open this quarter's access review if it is not open yet (one per quarter, unique), remind
    # managers of reviews overdue 14 days after opening and people of training expiring in 30 days (once).
    "access-sweep": {"task": "access.tasks.sweep", "schedule": timedelta(hours=1)},
}

# Webhook channel (webhooks/, README "Webhooks") ---------------------------------------------
# Private, loopback and link-local targets are refused unless allowed here (SSRF): by default
# they are allowed only while DEBUG is on; WEBHOOK_ALLOWED_NETWORKS admits chosen CIDRs.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
for _network in WEBHOOK_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"WEBHOOK_ALLOWED_NETWORKS: {_network!r} is not a network (use CIDRs such as 10.1.0.0/16)."
        ) from _error
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=30)
# Attempts per delivery, the first retry after WEBHOOK_RETRY_BASE_SECONDS, each later one twice as
# long: 30 s, 1, 2, 4, 8, 16, 32 min, so about an hour before a delivery is marked failed.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=20)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30, minimum=1, maximum=3600)
# The Celery queue of webhook posts ("" = the default queue); a slow receiver then delays no e-mail.
WEBHOOK_QUEUE = env_str("WEBHOOK_QUEUE", "")

# Django REST framework --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes a missing or bad login a 401, not a 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["opsportal.permissions.HasAnyRole"],
    # JSON only: DRF's browsable HTML API needs inline styles, which the Content-Security-Policy
    # refuses. People read the API at /api/docs/ (Swagger UI).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "opsportal.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "opsportal.api.exception_handler",
    # One atomic counter per user (or per client address when anonymous) in the shared cache, so
    # parallel requests cannot slip past the rate (opsportal.throttling).
    "DEFAULT_THROTTLE_CLASSES": ["opsportal.throttling.AtomicRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "1200/minute"},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpsPortal API",
    "DESCRIPTION": "Checklists, incidents, change requests and KPI reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is for signed-in users (session or token); anonymous callers get a 401 in the API's shape.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from static/, never from a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validator badge: it would load an image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "opsportal.api.document_errors"],
    # One schema name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "ChangeStatusEnum": "changes.models.ChangeStatus",
        "RiskLevelEnum": "changes.models.Level",
        "RunStatusEnum": "checklists.models.RunStatus",
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "ReportKindEnum": "reporting.models.ReportKind",
        "IncidentLinkKindEnum": "changes.models.IncidentLinkKind",
        "MeetingKindEnum": "coordination.models.MeetingKind",
        "TimelineKindEnum": "incidents.models.TimelineKind",
        "PageKindEnum": "knowledge.models.PageKind",
    },
}

# Caches: throttling and locks need one cache shared by every process ------------------------
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Live pages (opsportal/live.py): how often a page's live fragment polls for changes, in seconds.
LIVE_POLL_SECONDS = env_int("OPSPORTAL_LIVE_POLL_SECONDS", 10, minimum=1, maximum=300)
