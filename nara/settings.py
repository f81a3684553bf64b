"""Nära settings: one module, everything configurable from the environment.

Secrets may be given directly (NARA_SECRET_KEY) or as a file path (NARA_SECRET_KEY_FILE), the
usual way container platforms and systemd credentials hand them over.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
import django.conf.locale
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name, default=False):
    return env(name, str(default)).lower() in ("1", "true", "yes", "on")


DEBUG = env_bool("NARA_DEBUG", False)

# Development (the demo, tests, benchmarks: `make` and tests/settings.py set NARA_DEV_MODE=1)
# runs on public development keys and relaxes the start-up checks below; anything else is
# production. Development mode is refused for a public host name.
DEV_MODE = DEBUG or env_bool("NARA_DEV_MODE", False)
if DEV_MODE:
    _hosts = env("NARA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if any(h and h not in ("127.0.0.1", "localhost", "::1", "testserver") for h in _hosts):
        raise ImproperlyConfigured(
            "NARA_DEV_MODE=1 and NARA_DEBUG=1 are for development on this machine only; they "
            "are refused with NARA_ALLOWED_HOSTS naming a public host."
        )

# Keys. Three separate secrets, none with a usable default: NARA_SECRET_KEY (sessions, signed
# forms), NARA_FIELD_KEYS (encryption of personal fields and their look-up hashes; the first key
# encrypts, every key decrypts, see manage.py rotate_keys) and NARA_AUDIT_KEY (the audit
# chain). Only development mode may run on the public development key.
DEV_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - public on purpose, dev mode only
MIN_KEY_LENGTH = 32
NARA_DEV_KEYS = DEV_MODE


def _key(name, fallback):
    value = env(name, "")
    if value:
        if not NARA_DEV_KEYS and len(value.split(",")[0].strip()) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(f"{name} must be at least {MIN_KEY_LENGTH} characters.")
        return value
    if NARA_DEV_KEYS:
        return fallback
    raise ImproperlyConfigured(
        f"Set {name} (or {name}_FILE): Nära refuses to start without it outside development "
        "(NARA_DEV_MODE=1). See docs/operations.md."
    )


SECRET_KEY = _key("NARA_SECRET_KEY", DEV_KEY)
NARA_FIELD_KEYS = [k.strip() for k in _key("NARA_FIELD_KEYS", SECRET_KEY).split(",") if k.strip()]
NARA_AUDIT_KEY = _key("NARA_AUDIT_KEY", SECRET_KEY)
# Append-only file the audit chain's signed head is written to and checked against (optional).
NARA_AUDIT_ANCHOR_FILE = env("NARA_AUDIT_ANCHOR_FILE", "")
NARA_AUDIT_ANCHOR_EVERY = max(1, int(env("NARA_AUDIT_ANCHOR_EVERY", "100")))


def _comma_list(value):
    return [item.strip() for item in value.split(",") if item.strip()]


ALLOWED_HOSTS = _comma_list(env("NARA_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEV_MODE else ""))
CSRF_TRUSTED_ORIGINS = _comma_list(env("NARA_CSRF_TRUSTED_ORIGINS", ""))
# The address residents reach Nära at; reminder links start with it.
NARA_PUBLIC_URL = env("NARA_PUBLIC_URL", "http://127.0.0.1:8000" if DEV_MODE else "")
NARA_PUBLIC_URL_ALLOW_HTTP = env_bool("NARA_PUBLIC_URL_ALLOW_HTTP", False)


def production_settings_problems(*, public_url, allowed_hosts, allow_http):
    """What is missing or unsafe for production, in words an operator can act on."""
    problems = []
    if not allowed_hosts:
        problems.append("NARA_ALLOWED_HOSTS is not set (the host names Nära answers to).")
    if not public_url:
        problems.append(
            "NARA_PUBLIC_URL is not set (e.g. https://nara.example.se; reminder links use it)."
        )
    elif not public_url.startswith("https://") and not allow_http:
        problems.append(
            f"NARA_PUBLIC_URL is {public_url!r}: it must start with https:// "
            "(NARA_PUBLIC_URL_ALLOW_HTTP=1 permits http:// on a closed network)."
        )
    return problems


if not DEV_MODE and (
    _problems := production_settings_problems(
        public_url=NARA_PUBLIC_URL,
        allowed_hosts=ALLOWED_HOSTS,
        allow_http=NARA_PUBLIC_URL_ALLOW_HTTP,
    )
):
    raise ImproperlyConfigured(
        "Production settings are incomplete (set NARA_DEV_MODE=1 for development):\n  "
        + "\n  ".join(_problems)
    )

# Behind a reverse proxy that terminates TLS: secure cookies, HSTS, redirect to HTTPS, and
# trust the proxy's X-Forwarded-Proto (the proxy must overwrite it on every request).
NARA_BEHIND_HTTPS = env_bool("NARA_BEHIND_HTTPS", False)
if NARA_BEHIND_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(env("NARA_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("NARA_HSTS_INCLUDE_SUBDOMAINS", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "mozilla_django_oidc",
    "django_tasks",
    "django_tasks_db",
    "nara.core",
    "nara.public",
    "nara.workspace",
    "nara.planning",
    "nara.insights",
    "nara.evaluation",
    "nara.api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

# The API (nara.api): REST framework with drf-spectacular for the OpenAPI document. No session or
# basic authentication anywhere: the public directory is open and read-only, and a view that
# accepts anything else (the partner API) names its own authentication and permissions.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["nara.api.permissions.ReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "nara.api.problems.exception_handler",
    # HSDS uses ?format= itself (json or ndjson); REST framework must not take it over.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Nära API",
    "DESCRIPTION": (
        "The neighbourhood social services' public service directory as Open Referral HSDS "
        "3.0 (/api/v1/), the open statistics (/api/v1/statistics: the public statistics "
        "pages' figures, small counts suppressed the same way), and the partner referral API. "
        "Errors are application/problem+json."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the public validator service: everything stays on this host.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # The open statistics' figure status (shown, few, hidden), named apart from other statuses.
    "ENUM_NAME_OVERRIDES": {"FigureStatusEnum": "nara.api.statistics_schema.STATUSES"},
    # Adds the HSDS object schemas and the problem document to the components.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "nara.api.hsds_schema.postprocess",
    ],
}
# Directory responses may be kept by browsers and shared caches this long (they revalidate
# with the ETag afterwards). IDs are derived from this seed: set it once per installation.
NARA_API_MAX_AGE = int(env("NARA_API_MAX_AGE", "300"))
NARA_HSDS_ID_SEED = env("NARA_HSDS_ID_SEED", "nara")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nara.public.middleware.SecurityHeadersMiddleware",
    "nara.workspace.middleware.StaffSessionMiddleware",
    "axes.middleware.AxesMiddleware",
    "nara.workspace.middleware.MethodNotAllowedPageMiddleware",
    "nara.workspace.middleware.NulInPathMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "nara.workspace.oidc.NaraOIDCBackend",
]
LOGIN_URL = "workspace:login"

# Staff sign-in: lockout after failed attempts (django-axes), TOTP (django-otp), timeouts.
AXES_FAILURE_LIMIT = int(env("NARA_LOGIN_FAILURE_LIMIT", "5"))
NARA_LOGIN_COOLOFF_HOURS = float(env("NARA_LOGIN_COOLOFF_HOURS", "0.25"))
# Per address (any username: spraying) and per account (from any address, with backoff).
AXES_LOCKOUT_PARAMETERS = [["ip_address"], ["username"]]
AXES_COOLOFF_TIME = "nara.workspace.auth_views.axes_cooloff"
AXES_CLIENT_IP_CALLABLE = "nara.core.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "workspace/locked.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "nara.workspace.auth_views.axes_username"
OTP_TOTP_ISSUER = env("NARA_TOTP_ISSUER", "Nära")
OTP_TOTP_THROTTLE_FACTOR = 1
SESSION_COOKIE_AGE = int(env("NARA_SESSION_HOURS", "10")) * 3600
# Our own reverse proxies (addresses or CIDR networks): X-Forwarded-For is believed only from
# these, for lockout, rate limits and the audit trail's client address.
NARA_TRUSTED_PROXIES = [
    ipaddress.ip_network(p.strip(), strict=False)
    for p in env("NARA_TRUSTED_PROXIES", "").split(",")
    if p.strip()
]
NARA_STAFF_IDLE_MINUTES = int(env("NARA_STAFF_IDLE_MINUTES", "30"))

# Single sign-on with the municipality's OpenID Connect provider (off unless configured).
OIDC_OP_ISSUER = env("NARA_OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = env("NARA_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env("NARA_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("NARA_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env("NARA_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env("NARA_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env("NARA_OIDC_JWKS_ENDPOINT", "")
if OIDC_RP_CLIENT_ID and not OIDC_OP_ISSUER:
    raise ImproperlyConfigured("Single sign-on needs NARA_OIDC_ISSUER to check ID tokens.")
OIDC_RP_SIGN_ALGO = env("NARA_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env("NARA_OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_CREATE_USER = True
OIDC_STORE_ID_TOKEN = True
LOGIN_REDIRECT_URL = "/staff/"
LOGIN_REDIRECT_URL_FAILURE = "/staff/login/?sso=failed"
LOGOUT_REDIRECT_URL = "/staff/login/"
# Claim holding the roles, e.g. ["social_worker:vallas", "centre_manager:vallas", "analyst"].
NARA_OIDC_ROLES_CLAIM = env("NARA_OIDC_ROLES_CLAIM", "nara_roles")

ROOT_URLCONF = "nara.urls"
WSGI_APPLICATION = "nara.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nara.public.context.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'nara.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The insights' covering indexes carry INCLUDE columns for PostgreSQL's index-only scans;
    # SQLite builds them without, which is all that warning says.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # A file, not memory, for the test database: concurrency tests use real parallel writers.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-nara-{os.getpid()}.sqlite3")}
    # WAL and a busy timeout let the web process and background workers share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# A PostgreSQL streaming replica for the insights' reads (docs/operations.md, "Read replica"):
# optional, parsed like DATABASE_URL. Never migrated; tests use the default database for it.
if _replica_url := env("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if not all("postgresql" in DATABASES[a]["ENGINE"] for a in ("default", "replica")):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL is a PostgreSQL streaming replica of a PostgreSQL "
            "DATABASE_URL (postgres://…); unset it otherwise."
        )
for _database in DATABASES.values():
    if "postgresql" in _database["ENGINE"]:
        # PostgreSQL's JIT compiles any query its planner thinks costly: 100–150 ms of
        # compiling for insights queries that run in tens of milliseconds.
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DATABASE_ROUTERS = ["nara.insights.routers.ReportingRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "nara_cache",
    },
    # Rendered public pages, per process (nara.public.page_cache); never shared across hosts.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "nara-pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Swedish first. Somali and Tigrinya are not in Django's own table, so they are added.
django.conf.locale.LANG_INFO.update(
    {
        "so": {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"},
        "ti": {"bidi": False, "code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ"},
        "fa": {"bidi": True, "code": "fa", "name": "Dari", "name_local": "دری"},
    }
)
LANGUAGE_CODE = "sv"
LANGUAGES = [
    ("sv", "Svenska"),
    ("en", "English"),
    ("ar", "العربية"),
    ("so", "Soomaali"),
    ("fa", "دری"),
    ("ti", "ትግርኛ"),
]
STAFF_LANGUAGES = ("sv", "en")
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "nara_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("NARA_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("NARA_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_MAX_AGE = 3600

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("NARA_SECURE_COOKIES", NARA_BEHIND_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: Chromium then sends "Origin: null" on form posts, which
# fails the CSRF origin check. Nothing is sent to other sites either way.
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "nara.public.views.csrf_failure"

# Where the quick-exit button sends a resident: a neutral, commonly visited page.
NARA_QUICK_EXIT_URL = env("NARA_QUICK_EXIT_URL", "https://www.smhi.se/")
# "Did this help?" answers allowed per client address and hour.
NARA_FEEDBACK_PER_HOUR = int(env("NARA_FEEDBACK_PER_HOUR", "20"))
# Answers to "how was your visit?" allowed per client address and hour (a centre's guest
# network may be shared by several residents).
NARA_VISIT_FEEDBACK_PER_HOUR = int(env("NARA_VISIT_FEEDBACK_PER_HOUR", "10"))
# Residents' free text after a visit is deleted at the latest this many days after the end
# of the month it was written in (rejected texts at once).
NARA_FEEDBACK_TEXT_RETENTION_DAYS = int(env("NARA_FEEDBACK_TEXT_RETENTION_DAYS", "90"))
# How long a worker reuses the public content version before asking the database again: an
# edit shows on public pages served by other workers or hosts within this many seconds.
NARA_CONTENT_VERSION_SECONDS = float(env("NARA_CONTENT_VERSION_SECONDS", "1"))
# The open statistics (nara/insights/open_statistics.py) are computed at most once per this
# many seconds per year shown: a new contact shows on the public statistics within about this
# time (plus a minute of page cache).
NARA_OPEN_STATISTICS_SECONDS = int(env("NARA_OPEN_STATISTICS_SECONDS", "300"))

# Background work: a database-backed queue (django-tasks), run by `manage.py run_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A planning scenario computing (or waiting) longer than this may be run again from its page: its
# worker has probably died. Keep it above the longest solver time limit (capacitated catchments
# 180 s) plus loading the data; `run_worker` warns when it is not.
NARA_PLANNING_STALE_SECONDS = int(env("NARA_PLANNING_STALE_SECONDS", "300"))

# Message gateways for reminders: "console" (writes to NARA_MESSAGE_DIR), "smtp", "http_sms".
NARA_EMAIL_GATEWAY = env("NARA_EMAIL_GATEWAY", "console")
NARA_SMS_GATEWAY = env("NARA_SMS_GATEWAY", "console")
NARA_MESSAGE_DIR = Path(env("NARA_MESSAGE_DIR", str(BASE_DIR / "var" / "messages")))
EMAIL_HOST = env("NARA_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(env("NARA_SMTP_PORT", "25"))
EMAIL_HOST_USER = env("NARA_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env("NARA_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("NARA_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("NARA_FROM_EMAIL", "noreply@example.org")
NARA_SMS_URL = env("NARA_SMS_URL", "")
NARA_SMS_USER = env("NARA_SMS_USER", "")
NARA_SMS_PASSWORD = env("NARA_SMS_PASSWORD", "")
NARA_SMS_SENDER = env("NARA_SMS_SENDER", "Info")
EMAIL_USE_SSL = env_bool("NARA_SMTP_SSL", False)
NARA_SMS_CONNECT_TIMEOUT = float(env("NARA_SMS_CONNECT_TIMEOUT", "5"))
NARA_SMS_READ_TIMEOUT = float(env("NARA_SMS_READ_TIMEOUT", "15"))
NARA_SMS_RETRIES = int(env("NARA_SMS_RETRIES", "2"))
NARA_REMINDER_LEASE_SECONDS = int(env("NARA_REMINDER_LEASE_SECONDS", "300"))
NARA_REMINDER_MAX_ATTEMPTS = int(env("NARA_REMINDER_MAX_ATTEMPTS", "5"))
NARA_REMINDER_RETRY_SECONDS = int(env("NARA_REMINDER_RETRY_SECONDS", "60"))
NARA_REMINDER_RECOVERY_GRACE_SECONDS = int(env("NARA_REMINDER_RECOVERY_GRACE_SECONDS", "30"))

# The partner API (nara/api/partner_views.py): per-token rate, body limit, token validity, and
# the partners' webhooks (nara/api/webhooks.py).
NARA_API_RATE = env("NARA_API_RATE", "120/min")
NARA_API_FAILED_AUTH_PER_HOUR = int(env("NARA_API_FAILED_AUTH_PER_HOUR", "60"))
NARA_API_MAX_BODY_BYTES = int(env("NARA_API_MAX_BODY_BYTES", str(64 * 1024)))
NARA_API_TOKEN_MAX_DAYS = int(env("NARA_API_TOKEN_MAX_DAYS", "365"))
NARA_WEBHOOK_TIMEOUT_SECONDS = float(env("NARA_WEBHOOK_TIMEOUT_SECONDS", "10"))
NARA_WEBHOOK_MAX_ATTEMPTS = int(env("NARA_WEBHOOK_MAX_ATTEMPTS", "8"))
NARA_WEBHOOK_RETRY_SECONDS = int(env("NARA_WEBHOOK_RETRY_SECONDS", "60"))
NARA_WEBHOOK_LEASE_SECONDS = int(env("NARA_WEBHOOK_LEASE_SECONDS", "120"))

# Booking and reminders.
NARA_SKIP_FORM_TIMER = env_bool("NARA_SKIP_FORM_TIMER", False)  # tests and benchmarks only
NARA_BOOKINGS_PER_HOUR = int(env("NARA_BOOKINGS_PER_HOUR", "10"))
NARA_BOOKING_HORIZON_DAYS = int(env("NARA_BOOKING_HORIZON_DAYS", "42"))
NARA_REMINDER_HOURS_BEFORE = [
    int(h) for h in env("NARA_REMINDER_HOURS_BEFORE", "24,2").split(",") if h.strip()
]
# Booking data is purged this many days after the visit (manage.py purge).
NARA_BOOKING_RETENTION_DAYS = int(env("NARA_BOOKING_RETENTION_DAYS", "30"))
# Anonymous questions stay readable with their code this long.
NARA_QUESTION_RETENTION_DAYS = int(env("NARA_QUESTION_RETENTION_DAYS", "90"))
# Escalations link to the municipality's case system when this is set, e.g.
# "https://case.example/case/{reference}" (the reference is URL-quoted). Empty: no link.
NARA_CASE_SYSTEM_URL_TEMPLATE = env("NARA_CASE_SYSTEM_URL_TEMPLATE", "")
if NARA_CASE_SYSTEM_URL_TEMPLATE and not (
    "{reference}" in NARA_CASE_SYSTEM_URL_TEMPLATE
    and NARA_CASE_SYSTEM_URL_TEMPLATE.startswith(("https://", "http://"))
):
    raise ImproperlyConfigured(
        "NARA_CASE_SYSTEM_URL_TEMPLATE must be an http(s) address containing {reference}."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("NARA_LOG_LEVEL", "WARNING")},
    # The audit chain's signed head, for a copy outside the database (docs/operations.md).
    "loggers": {"nara.audit.anchor": {"level": "INFO"}},
}
