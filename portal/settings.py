"""Settings for the coaching portal: one module, driven by the environment.

With no configuration the portal runs on the embedded PostgreSQL server (see portal/embedded_db.py),
runs background tasks inline and prints email to the console. Production sets SECRET_KEY,
PORTAL_DOMAIN, DATABASE_URL, REDIS_URL and EMAIL_URL (see README.md).
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from portal import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or os.environ.get("PORTAL_TESTING") == "1"


def envbool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


# Django's debug pages (which list every URL pattern) only where a developer asks for them.
DEBUG = envbool("DEBUG", False)
# Production: a database of its own (DATABASE_URL) and no DEBUG, or PORTAL_PRODUCTION said outright. It
# decides HTTPS, secure cookies, HSTS and the secret key; `make run` (the embedded database, plain http on
# localhost) is not production, whether DEBUG is on or off.
PRODUCTION = envbool("PORTAL_PRODUCTION", "DATABASE_URL" in os.environ and not DEBUG)
SECRET_KEY = envsecret("SECRET_KEY") or ("insecure-development-key-" + "x" * 40 if not PRODUCTION or TESTING else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set in production")

# Organisations live at <slug>.<PORTAL_DOMAIN>; the platform itself at PORTAL_DOMAIN.
PORTAL_DOMAIN = os.environ.get("PORTAL_DOMAIN", "localhost")
PORTAL_SCHEME = os.environ.get("PORTAL_SCHEME", "https" if PRODUCTION else "http")
# The port links made outside a request carry (emails, calendar feeds): `make run` sets it from PORT;
# empty for the scheme's own port.
PORTAL_PORT = os.environ.get("PORTAL_PORT", "")
ALLOWED_HOSTS = [PORTAL_DOMAIN, f".{PORTAL_DOMAIN}"] + os.environ.get("EXTRA_ALLOWED_HOSTS", "").split()
if not PRODUCTION or TESTING:
    ALLOWED_HOSTS += ["127.0.0.1", "testserver"]

SHARED_APPS = [
    # First, so that its migrate commands (which keep the template schema current) win.
    "portal",
    "django_tenants",
    "tenants",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django.contrib.postgres",
    "programmes.availability",
    "coaches",
    "sso",
]
TENANT_APPS = [
    "programmes",
    "assessments",
    "reports",
    "webhooks",
    "scim",
    "matching",
    "stakeholders",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Organisation"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "portal.urls_public"
ROOT_URLCONF = "portal.urls_tenant"
# New organisations are cloned from this migrated, empty schema instead of replaying every migration.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# One `SET search_path` per request (after the middleware picks the organisation) instead of one before every
# statement. Safe with django-tenants 4.0.1, whose connection forgets the search path it set on every
# ROLLBACK and ROLLBACK TO SAVEPOINT (both undo a SET); tests/security/test_search_path.py holds it to that.
# Needs connection pooling in session mode (docs/DEPLOY.md).
TENANT_LIMIT_SET_CALLS = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
AUTH_USER_MODEL = "tenants.User"

MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware",
    "portal.middleware.NodeUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.MembershipMiddleware",
    "portal.middleware.NoStoreMiddleware",
    "portal.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tenants.two_factor.SetupRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
]

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
                "portal.context_processors.portal",
            ],
            "builtins": ["portal.templatetags.portal_dates"],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"


def _database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    return embedded_db.database_url()


DATABASES = {"default": dj_database_url.parse(_database_url(), conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
DATABASES["default"]["ENGINE"] = "portal.postgresql"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Parallel helpers and CI may share one server: the test database name can be set per run.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PORTAL_TEST_DB", "test_portal")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first: new passwords, and older PBKDF2 ones at their next sign-in, are stored with it. PBKDF2
# stays so existing hashes still verify. Tests hash with MD5 for speed (tests/test_password_hashing.py uses
# the production list; PORTAL_FAST_HASHER=0 keeps it for a test server, as the sign-in benchmark does).
PRODUCTION_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"] if TESTING and envbool("PORTAL_FAST_HASHER", True) else []
) + PRODUCTION_PASSWORD_HASHERS
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The client's address: with TRUSTED_PROXY_COUNT load balancers or proxies in front of the portal, the
# N-th X-Forwarded-For entry from the right (portal.throttling.client_address); 0 uses the connecting address.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Sign-in throttling (portal/throttling.py): three wrong passwords for one account from one client address
# pause that client for 15 minutes; from the tenth wrong password for one account within an hour, from any
# client, each next attempt waits 2, 4, 8 ... seconds (at most five minutes) after the last wrong one.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 3)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "portal.throttling.SignInThrottleHandler"
AXES_LOCKOUT_CALLABLE = "portal.throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "portal.throttling.client_address"
# Every wrong password is kept (per account) for the per-account backoff; an attempt refused while paused
# is not a wrong password, so hammering a paused account moves no clock.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
SIGN_IN_BACKOFF_AFTER = envint("SIGN_IN_BACKOFF_AFTER", 10)
SIGN_IN_BACKOFF_MAX_SECONDS = envint("SIGN_IN_BACKOFF_MAX_SECONDS", 300)
# Password-reset emails: at most this many per address, and reset requests per client address, each hour.
PASSWORD_RESET_PER_ADDRESS = envint("PASSWORD_RESET_PER_ADDRESS", 3)
PASSWORD_RESET_PER_CLIENT = envint("PASSWORD_RESET_PER_CLIENT", 10)
# Personal API tokens (tenants.tokens): the longest life an owner may choose, the life when none is chosen,
# and the requests each token may make per minute (portal.throttling.TokenRateThrottle).
API_TOKEN_MAX_DAYS = envint("API_TOKEN_MAX_DAYS", 365)
API_TOKEN_DEFAULT_DAYS = envint("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_PER_MINUTE = envint("API_TOKEN_PER_MINUTE", 300)

# Sessions stay per host: no cookie domain, so a cookie of one organisation host is never sent to another.
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = [f"{PORTAL_SCHEME}://*.{PORTAL_DOMAIN}", f"{PORTAL_SCHEME}://{PORTAL_DOMAIN}"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only our own scripts run (htmx is served from our static files); the one inline style is the
# organisation's accent colour, validated as #rrggbb.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
HANDOFF_MAX_AGE_SECONDS = 60

# Single sign-on (sso/, docs/SSO.md): the Fernet key(s) an identity provider's client secret is encrypted with
# (space-separated, the first encrypts; empty: derived from SECRET_KEY), how long a person has between leaving
# for their provider and coming back, and how long a provider's discovery document and keys are kept.
SSO_ENCRYPTION_KEY = envsecret("SSO_ENCRYPTION_KEY")
SSO_FLOW_MAX_AGE_SECONDS = envint("SSO_FLOW_MAX_AGE_SECONDS", 600)
SSO_METADATA_CACHE_SECONDS = envint("SSO_METADATA_CACHE_SECONDS", 3600)

# Two-factor sign-in (tenants/two_factor.py): the name authenticator apps show beside the account, how long
# the code step may follow the password step, and django-otp's wait after wrong codes (2, 4, 8 ... seconds
# after the n-th wrong code in a row, per account, across every client).
OTP_TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Coaching portal")
OTP_TOTP_THROTTLE_FACTOR = 1
TWO_FACTOR_STEP_SECONDS = 300

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times as each language writes them: English the British way (portal/formats/en/formats.py),
# Dutch as Django writes it.
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Amsterdam")

STATIC_URL = "/static/"
# Production collects static files at build time (manage.py collectstatic) into a folder of its choice.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / ".data" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION and not TESTING
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# Outside production WhiteNoise serves static files straight from the source folders, DEBUG or not (no
# collectstatic for `make run`); production serves the build's collected, hashed files.
WHITENOISE_USE_FINDERS = not PRODUCTION or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        }
    }

# Background work: Celery on Redis in production, inline otherwise.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}
# Reports and data rights: due erasures every hour, retention and expired reports every night.
CELERY_BEAT_SCHEDULE["reports-erasures-due"] = {"task": "reports.tasks.erasures_run", "schedule": 60 * 60}
CELERY_BEAT_SCHEDULE["reports-retention"] = {"task": "reports.tasks.retention_run", "schedule": 24 * 60 * 60}
CELERY_BEAT_SCHEDULE["assessment-reminders"] = {"task": "assessments.assessment_reminders", "schedule": 24 * 60 * 60}
CELERY_BEAT_SCHEDULE["stakeholder-rater-reminders"] = {
    "task": "stakeholders.rater_reminders",
    "schedule": 24 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["journal-overdue-actions"] = {
    "task": "assessments.overdue_action_reminders",
    "schedule": 24 * 60 * 60,
}
# Sign-in: the record of wrong passwords is kept 30 days (portal/throttling.py).
CELERY_BEAT_SCHEDULE["sign-in-failures-prune"] = {
    "task": "portal.tasks.sign_in_failures_prune",
    "schedule": 24 * 60 * 60,
}
# API: Idempotency-Key records live 24 hours (portal/idempotency.py).
CELERY_BEAT_SCHEDULE["idempotency-prune"] = {"task": "portal.tasks.idempotency_prune", "schedule": 24 * 60 * 60}
# Sessions: the day-before reminders, every morning at 09:00 in TIME_ZONE (each organisation in its schema).
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["session-reminders"] = {
    "task": "programmes.tasks_sessions.session_reminders_send",
    "schedule": crontab(hour=9, minute=0),
}
# Webhooks: retries and anything a lost worker left, every minute in each organisation.
CELERY_BEAT_SCHEDULE["webhooks-deliveries-due"] = {"task": "webhooks.deliveries_due_all", "schedule": 60}
CELERY_BEAT_SCHEDULE["webhooks-log-prune"] = {"task": "webhooks.log_prune_all", "schedule": 24 * 60 * 60}
# Coaches' own calendars (programmes.availability.calendars): read every 15 minutes for their busy times.
CELERY_BEAT_SCHEDULE["external-calendars-refresh"] = {
    "task": "programmes.availability.external_calendars_refresh",
    "schedule": 15 * 60,
}
# Addresses the portal reaches on someone's say-so (webhook endpoints, a coach's calendar) may point at loopback,
# private or link-local hosts, and webhooks may use plain http, only when this is on: in development, not in
# production (portal/outbound.py). Cloud metadata addresses are refused always.
OUTBOUND_ALLOW_PRIVATE_ADDRESSES = envbool("OUTBOUND_ALLOW_PRIVATE_ADDRESSES", DEBUG or not PRODUCTION)
# HR's aggregates are released from cells refreshed at most once a day (reports.disclosure, "Change over time").
CELERY_BEAT_SCHEDULE["reports-disclosure-refresh"] = {
    "task": "reports.tasks.disclosure_refresh",
    "schedule": crontab(hour=3, minute=30),
}

_email = dj_email_url.parse(os.environ.get("EMAIL_URL", "console:"))
if "EMAIL_BACKEND" not in _email:
    raise RuntimeError(
        "EMAIL_URL has a scheme we cannot send with; use smtp://host:25, "
        "submission://user:password@host:587 (STARTTLS), smtp://host:465?ssl=true, or console:"
    )
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend" if TESTING else _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# An SMTP server that stops answering must not hold a web or Celery worker forever.
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"Coaching portal <no-reply@{PORTAL_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.MemberTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "portal.api_schema.PortalAutoSchema",
    # JSON only: DRF's browsable API pages carry inline styles the Content-Security-Policy blocks; people
    # read the API at /api/v1/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["portal.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Coaching portal API",
    "DESCRIPTION": "The organisation-scoped API of the coaching portal. Every endpoint answers only for "
    "the organisation whose host it is called on, and only with what the caller may see.",
    "VERSION": "1.0.0",
    "LICENSE": {"name": "AGPL-3.0-or-later", "url": "https://www.gnu.org/licenses/agpl-3.0.html"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Request and answer bodies are components of their own, so read-only fields are never asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    # Each organisation has a host of its own: the variables name it (these defaults are `make run`'s).
    "SERVERS": [
        {
            "url": "{scheme}://{organisation}.{domain}",
            "description": "An organisation's host: the API answers only for the organisation it is called on.",
            "variables": {
                "scheme": {"default": "http", "enum": ["https", "http"]},
                "organisation": {"default": "acme", "description": "The organisation's short name."},
                "domain": {"default": "localhost:8000", "description": "The portal's domain (PORTAL_DOMAIN)."},
            },
        }
    ],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "portal.api_schema.postprocess"],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Every `kind`, `status` and `mode` choice set is named after its model, so the names stay put when a
    # serializer is renamed or another model's choices with the same field name join the schema (else
    # `check --deploy` warns and the schema names them by a hash).
    "ENUM_NAME_OVERRIDES": {
        "SessionKindEnum": "programmes.models.Session.Kind",
        "SessionModeEnum": "programmes.models.Session.Mode",
        "SessionStatusEnum": "programmes.models.Session.Status",
        "PhaseKindEnum": "programmes.models.Phase.Kind",
        "ProgrammeStatusEnum": "programmes.models.Programme.Status",
        "EnrolmentStatusEnum": "programmes.models.Enrolment.Status",
        "AttendanceStatusEnum": "programmes.models.Attendance.Status",
        "AttendanceMarkEnum": "programmes.api.sessions.MARK_CHOICES",
        "QuestionKindEnum": "assessments.models.instruments.Question.Kind",
        "GoalStatusEnum": "assessments.models.Goal.Status",
        "AccessLogKindEnum": "assessments.models.journal.AccessLogEntry.Kind",
        "StakeholderRoundMomentEnum": "stakeholders.models.Round.Moment",
        "MomentEnum": "assessments.models.instruments.PhaseAssessment.Moment",
        "WebhookEndpointStatusEnum": "webhooks.models.Endpoint.Status",
        "WebhookDeliveryStatusEnum": "webhooks.models.Delivery.Status",
        "CoachingLanguageEnum": "coaches.models.Language",
        "SpecialismEnum": "coaches.models.Specialism",
        "RoleEnum": "tenants.models.Role",
    },
}

# HR sees aggregates only of cells with at least this many contributors (reports.disclosure states the rules).
MIN_AGGREGATE_GROUP_SIZE = envint("MIN_AGGREGATE_GROUP_SIZE", 5)

# The CSV enrolment import (programmes/services/imports/): files with more rows or bytes are refused
# whole; files with more rows than ENROLMENT_IMPORT_BACKGROUND_ROWS run in the background with progress.
ENROLMENT_IMPORT_MAX_ROWS = envint("ENROLMENT_IMPORT_MAX_ROWS", 10_000)
ENROLMENT_IMPORT_MAX_BYTES = envint("ENROLMENT_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
ENROLMENT_IMPORT_BACKGROUND_ROWS = envint("ENROLMENT_IMPORT_BACKGROUND_ROWS", 300)

# Reports and data rights (reports/).
# A person's erasure is carried out this many days after it is requested; until then it can be cancelled.
ERASURE_GRACE_DAYS = envint("ERASURE_GRACE_DAYS", 14)
# Programme reports over more participants than this render in the background, with progress shown.
REPORT_BACKGROUND_PARTICIPANTS = envint("REPORT_BACKGROUND_PARTICIPANTS", 150)
# Finished PDF reports are kept for download this long, then deleted.
REPORT_JOB_KEEP_HOURS = envint("REPORT_JOB_KEEP_HOURS", 24)
# Offboarding archives (database dump plus JSON/CSV bundle) of organisations leaving the platform.
OFFBOARDING_ARCHIVE_DIR = Path(os.environ.get("OFFBOARDING_ARCHIVE_DIR", BASE_DIR / ".data" / "offboarding"))
if TESTING and "OFFBOARDING_ARCHIVE_DIR" not in os.environ:
    OFFBOARDING_ARCHIVE_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / (
        "portal-offboarding-" + os.environ.get("PORTAL_TEST_DB", "test_portal")
    )
# Archives hold every organisation's data, coaching content included: they are deleted after this long.
OFFBOARDING_ARCHIVE_KEEP_DAYS = envint("OFFBOARDING_ARCHIVE_KEEP_DAYS", 30)
# pg_dump and pg_restore of the server at DATABASE_URL; empty: the embedded server's, else those on PATH.
PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")

# SAML 2.0 single sign-on (sso/saml.py). The portal signs its AuthnRequests and publishes the certificate
# in every organisation's service-provider metadata when both files are given (PEM, the key unencrypted);
# without them requests go unsigned, which Entra ID, Okta and Google Workspace accept by default (Keycloak:
# turn off "Client signature required", docs/SSO.md). The clock skew allowed on the times of an answer, and
# the xmlsec1 program pysaml2 verifies signatures with (Debian package xmlsec1; empty: the one on PATH).
SAML_SP_KEY_FILE = os.environ.get("SAML_SP_KEY_FILE", "")
SAML_SP_CERT_FILE = os.environ.get("SAML_SP_CERT_FILE", "")
SAML_CLOCK_SKEW_SECONDS = envint("SAML_CLOCK_SKEW_SECONDS", 120)
SAML_XMLSEC_BINARY = os.environ.get("SAML_XMLSEC_BINARY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # pysaml2 logs every answer it declines with a traceback; sso.saml refuses them in its own words.
    "loggers": {"axes": {"level": "WARNING"}, "saml2": {"level": "CRITICAL"}},
}
