"""Settings for the Jiangmen 专精特新 portal, read from the environment (django-environ).

Every setting that differs between the embedded default, CI and production is an environment
variable documented in ``.env.example``. Defaults give the embedded default: SQLite, Celery eager.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("TESTING", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-for-debug-and-tests"  # noqa: S105
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "captcha",
    "core",
    "accounts",
    "sso",
    "enterprises",
    "targets",
    "tasks",
    "support",
    "policies",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "sso.middleware.SessionRefreshMiddleware",
    "accounts.middleware.AccountPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "sso.middleware.ProviderFormActionMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiangmen_portal.urls"

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
                "django.template.context_processors.i18n",
                "core.context_processors.portal",
                "sso.context_processors.sso",
            ],
        },
    },
]
# Django's form renderer, with <select> boxes written in Python (the filter bars' ~170 options):
# the same markup, a fraction of the time (core/forms_renderer.py).
FORM_RENDERER = "core.forms_renderer.PortalFormRenderer"

WSGI_APPLICATION = "jiangmen_portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# Persistent connections: a web or worker process keeps its database connection for this many
# seconds instead of opening one per request (0: one per request, Django's default). Checked
# before reuse, so a restarted database costs one failed check, not an error page. Measured in
# tests/benchmarks/bench_api.py (README); docker-compose.yml sets 60 for web and workers.
DATABASE_CONN_MAX_AGE = env.int("DATABASE_CONN_MAX_AGE", default=0)
# Reads on a streaming replica (core/db_router.py): dashboards, lists, exports and API reads of a
# client that has not written in the last REPLICA_PIN_SECONDS; writes and everything else on the
# primary. Unset: one database, as before.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
DATABASE_ROUTERS: list[str] = []
# List counts (web lists, the API's ``count``) are cached until the data changes (core/counting.py:
# PostgreSQL triggers renew a data-generation token at each commit that changed data); an entry
# lives at most this many seconds. 0: count on every page.
COUNT_CACHE_SECONDS = env.int("COUNT_CACHE_SECONDS", default=300)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # the test runner reads the test database there
    DATABASE_ROUTERS = ["core.db_router.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("core.middleware.RequestContextMiddleware") + 1, "core.db_router.ReplicaReadsMiddleware"
    )
for _alias in DATABASES:
    DATABASES[_alias]["CONN_MAX_AGE"] = DATABASE_CONN_MAX_AGE
    DATABASES[_alias]["CONN_HEALTH_CHECKS"] = DATABASE_CONN_MAX_AGE > 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # local password login; with single sign-on on, only for SSO_LOCAL_LOGIN_ROLES
    "sso.backends.LocalPasswordBackend",
    "sso.oidc.PortalOIDCBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Password policy (等保): length, character classes, no reuse of recent passwords, maximum age.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=8)
PASSWORD_MIN_CLASSES = env.int("PASSWORD_MIN_CLASSES", default=3)  # of: lower, upper, digit, symbol
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)  # the current one included
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)  # 0: passwords never expire
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "accounts.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
    },
    {
        "NAME": "accounts.validators.PasswordHistoryValidator",
        "OPTIONS": {"count": PASSWORD_HISTORY_COUNT},
    },
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
# App catalogues first, the project's own (templates/, core/, jiangmen_portal/) last: ``makemessages`` run
# from the project root files each string into the first catalogue whose folder contains it.
PORTAL_APPS = ["accounts", "sso", "enterprises", "targets", "tasks", "reports", "support", "policies"]
LOCALE_PATHS = [BASE_DIR / app / "locale" for app in PORTAL_APPS] + [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
# No broker configured: run tasks in-process (the embedded default and most tests).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Queues by kind, so that each kind can run on its own hosts (docker-compose.yml: one worker service
# per queue, ``celery worker -Q <queue>``). A task that no route names goes to "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "enterprises.tasks.*": {"queue": "imports"},
    "targets.tasks.*": {"queue": "recompute"},
    "reports.build_report": {"queue": "reports"},
    "reports.build_list_export": {"queue": "reports"},
    "tasks.mark_lateness": {"queue": "notifications"},
    "support.flag_deadlines": {"queue": "notifications"},
    "policies.match_all_policies": {"queue": "recompute"},
    "enterprises.refresh_reserve_verdicts": {"queue": "recompute"},
    "accounts.tasks.*": {"queue": "notifications"},
}
# Every queue a worker may be asked to consume (a single worker for all: ``-Q`` with all of them).
CELERY_WORKER_QUEUES = ["default", "imports", "recompute", "reports", "notifications"]
CELERY_BEAT_SCHEDULE: dict = {
    "accounts-disable-inactive": {
        "task": "accounts.tasks.disable_inactive_accounts",
        "schedule": crontab(hour=2, minute=30),
    },
}
# Dynamic management: expire lapsed titles and refresh the review-calendar alerts at 01:30 each night.
CELERY_BEAT_SCHEDULE["enterprises-refresh-review-calendar"] = {
    "task": "enterprises.refresh_review_calendar",
    "schedule": crontab(hour=1, minute=30),
}
# targets: nightly recompute of the progress snapshots (today and the quarter ends since the baseline).
# The reserve pool's precomputed verdicts for the new day, just after midnight (the nightly recompute
# at 01:30 refreshes them again; data changes in the day refresh them after their recompute).
CELERY_BEAT_SCHEDULE["enterprises-refresh-reserve-verdicts"] = {
    "task": "enterprises.refresh_reserve_verdicts",
    "schedule": crontab(hour=0, minute=5),
}
CELERY_BEAT_SCHEDULE["targets-nightly-recompute"] = {
    "task": "targets.tasks.recompute_progress",
    "schedule": crontab(hour=1, minute=30),
    "kwargs": {"trigger": "nightly"},
}
REDIS_URL = env.str("REDIS_URL", default="")

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- REST framework -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiKeyAuthentication",  # first: its header makes "no key" a 401
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api_security.ScopedPermission"],
    # JSON only: the schema declares application/json bodies alone, a form or multipart body answers 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.PortalFilterBackend",  # DjangoFilterBackend; no FilterSet built for a page of everything
        "core.filters.StrictOrderingFilter",  # an unknown sort field is a 400
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api_security.PortalPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": ["core.api_security.ApiClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": env.str("API_THROTTLE_RATE", default="1200/minute")},
    "EXCEPTION_HANDLER": "core.api.exception_handler",  # one error body; logs denials
    "DEFAULT_SCHEMA_CLASS": "core.api.PortalAutoSchema",
}
# HMAC secret for stored API key hashes (default SECRET_KEY; changing it invalidates every key).
API_KEY_HASH_SECRET = env.str("API_KEY_HASH_SECRET", default="")
SPECTACULAR_SETTINGS = {
    "TITLE": "江门市专精特新中小企业培育平台 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # schema and docs: a key or a login
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # the model section lists component names (machine names): hidden; each operation shows its bodies.
    # No deep links: they put a link inside each operation's button (axe: nested-interactive).
    # The UI's own strings are put in Chinese by static/portal/js/swagger_zh.js.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "defaultModelsExpandDepth": -1},
    "DESCRIPTION": _(
        "REST API for the city's other systems: enterprises, titles, statistics, R&D institutions, "
        "listing records, statistics import status, the 2026 goals with their progress, the key tasks "
        "and their progress reports, and the organisation. Authenticate with an API key."
    ),
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # constraints the API enforces: reference codes as enums, no NUL in text parameters
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.postprocess_constraints",
        "core.api_schema.postprocess_client_contract",
    ],
    # several models have a "status" field with different choices: name each set after its class
    "ENUM_NAME_OVERRIDES": {
        "ProgressStatusEnum": "targets.choices.ProgressStatus",
        "ReportStatusEnum": "tasks.choices.ReportStatus",
        "JobStatusEnum": "core.models.JobStatus",
        "ListingVenueEnum": "enterprises.choices.ListingVenue",
    },
}

# --- Security -------------------------------------------------------------------------------------
# The client address: ONE setting and ONE function (``core.middleware.client_ip``) for the
# audit trail, the lockout and API throttling. TRUSTED_PROXY_COUNT is the number of reverse proxies in
# front of the application, each appending the address it received the request from to X-Forwarded-For
# (the intranet reverse proxy: 1). 0: no proxy, the socket's address is the client and X-Forwarded-For is
# ignored. Default 1 when DEBUG is off (production runs behind the proxy, whose X-Forwarded-Proto it
# already trusts), 0 for development and tests; DEBUG off with 0 is a system check error (portal.E001).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0 if (DEBUG or TESTING) else 1)

# Lockout (django-axes): 5 failures of one user name from one client address lock that pair for 30
# minutes (another address, or another user from the same address, is not locked: no denial of service
# by a colleague's typos or an attacker's guesses). After LOGIN_CAPTCHA_AFTER_FAILURES failures of a
# user name from any address, the login form asks for a CAPTCHA (django-simple-captcha, our own images).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lock lasts 30 minutes from the 5th failure
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_ip"
LOGIN_CAPTCHA_AFTER_FAILURES = env.int("LOGIN_CAPTCHA_AFTER_FAILURES", default=3)
# Images drawn by Pillow on our server with the font the package ships (Bitstream Vera, captcha/fonts/).
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 5  # minutes a challenge stays valid; each is used once, right or wrong
CAPTCHA_FONT_SIZE = 30
CAPTCHA_2X_IMAGE = False  # one image route only (jiangmen_portal/urls.py)
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429

# Sessions: idle timeout and an absolute limit (both enforced by SessionLimitsMiddleware).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "accounts.views.pages.csrf_failure"  # audited like every refused request
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Second factor (django-otp TOTP): required for these roles, available to every user. A user who
# has enrolled a device is always asked for a code.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["system_admin", "security_admin", "audit_admin"])
OTP_TOTP_ISSUER = "江门专精特新平台"
# --- Single sign-on (sso app; README "Single sign-on") ---------------------------------------------
# SSO_MODE: "" (off: local passwords only) or "oidc" (the province's unified identity platform).
# The provider's endpoints come from its discovery document (OIDC_OP_ISSUER/.well-known/openid-configuration);
# an endpoint set here overrides the discovered one.
SSO_MODE = env.str("SSO_MODE", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_END_SESSION_ENDPOINT = env.str("OIDC_OP_END_SESSION_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid profile")
OIDC_TOKEN_USE_BASIC_AUTH = env.bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the logout at the provider
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:oidc_callback"
# Seconds after which a GET re-asks the provider (prompt=none): an account disabled there loses its session.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", default=15 * 60)
# The claim that names the portal account (its user name), e.g. an employee number; and the display name.
SSO_USERNAME_CLAIM = env.str("SSO_USERNAME_CLAIM", default="preferred_username")
SSO_FULL_NAME_CLAIM = env.str("SSO_FULL_NAME_CLAIM", default="name")
# First SSO login of an unknown person: create an account with NO role (1) or refuse it (0).
SSO_CREATE_USERS = env.bool("SSO_CREATE_USERS", default=True)
# With SSO on, local password login is kept for these roles only (the three administrators).
SSO_LOCAL_LOGIN_ROLES = env.list("SSO_LOCAL_LOGIN_ROLES", default=["system_admin", "security_admin", "audit_admin"])
# A provider login whose amr contains one of these, or whose acr is one of these, counts as the second
# factor (OTP_REQUIRED_ROLES then ask no TOTP code). Empty: always ask the portal's own TOTP code.
SSO_SECOND_FACTOR_AMR = env.list("SSO_SECOND_FACTOR_AMR", default=["mfa", "otp", "hwk", "sms"])
SSO_SECOND_FACTOR_ACR = env.list("SSO_SECOND_FACTOR_ACR", default=[])
# Accounts without a login for this many days are disabled by a nightly job (0: never).
ACCOUNT_INACTIVE_DAYS = env.int("ACCOUNT_INACTIVE_DAYS", default=90)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer probes over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Portal ---------------------------------------------------------------------------------------
# Uploads (statistics workbooks, report attachments) larger than this are refused.
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Files one enterprise request (诉求) may carry (types and size as report attachments).
PORTAL_REQUEST_MAX_ATTACHMENTS = env.int("PORTAL_REQUEST_MAX_ATTACHMENTS", default=10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The home workbench (core.workbench): key figures shown (the first indicators by sort order),
# recent activity rows, search results per kind of record.
PORTAL_WORKBENCH_FIGURES = env.int("PORTAL_WORKBENCH_FIGURES", default=4)
PORTAL_WORKBENCH_ACTIVITY = env.int("PORTAL_WORKBENCH_ACTIVITY", default=8)
PORTAL_SEARCH_LIMIT = env.int("PORTAL_SEARCH_LIMIT", default=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Reports (quarterly workbook, list exports) ----------------------------------------------------
# Days a generated report file is kept before the beat job removes it.
REPORT_FILE_RETENTION_DAYS = env.int("REPORT_FILE_RETENTION_DAYS", default=7)
# Hours the file of a list export (enterprises, titles, statistics) is kept for its requester.
LIST_EXPORT_RETENTION_HOURS = env.int("LIST_EXPORT_RETENTION_HOURS", default=24)
# The "titles to watch" sheet lists titles whose validity ends within this many days (red within the second).
REPORT_EXPIRY_WINDOW_DAYS = env.int("REPORT_EXPIRY_WINDOW_DAYS", default=180)
REPORT_EXPIRY_URGENT_DAYS = env.int("REPORT_EXPIRY_URGENT_DAYS", default=90)
CELERY_BEAT_SCHEDULE["reports-files-cleanup"] = {
    "task": "reports.report_files_cleanup",
    "schedule": timedelta(hours=6),
}
# Jobs (imports, reports, recomputes): one pending or running longer than the task time limit is marked failed.
CELERY_BEAT_SCHEDULE["core-fail-stale-jobs"] = {
    "task": "core.fail_stale_jobs",
    "schedule": 15 * 60,
}
# The change rows behind the list counts' cache (core/counting.py), pruned at night rather than by a
# read request once more than 2,000 have piled up.
CELERY_BEAT_SCHEDULE["core-prune-data-changes"] = {
    "task": "core.prune_data_changes",
    "schedule": crontab(hour=3, minute=15),
}
# --- Targets (2026 goals) --------------------------------------------------------------------------
# Recompute the progress snapshots after data changes (coalesced: one run per burst of edits).
TARGETS_RECOMPUTE_ON_CHANGE = env.bool("TARGETS_RECOMPUTE_ON_CHANGE", default=True)
# Seconds a data-change recompute waits so that a burst of edits gives one run.
TARGETS_RECOMPUTE_DELAY = env.int("TARGETS_RECOMPUTE_DELAY", default=30)
# Seconds a run waits for a running recompute to finish before giving up.
TARGETS_RECOMPUTE_LOCK_WAIT = env.int("TARGETS_RECOMPUTE_LOCK_WAIT", default=600)
# Embedded mode (no broker): the data-change recompute runs on one background thread after the
# response (targets/embedded.py), never inside the write's request.
TARGETS_RECOMPUTE_BACKGROUND = env.bool("TARGETS_RECOMPUTE_BACKGROUND", default=True)
# --- Responsibility matrix (tasks app) --------------------------------------------------------------
CELERY_BEAT_SCHEDULE["tasks.mark_lateness"] = {
    "task": "tasks.mark_lateness",
    "schedule": crontab(hour=1, minute=30),  # 01:30 Asia/Shanghai: flag late reports, remind missing ones
}
# --- Service commissioners and enterprise requests (support app) -----------------------------------
# policies: the nightly match of every policy in force (the policy list's counts), after the imports.
CELERY_BEAT_SCHEDULE["policies-match-all"] = {
    "task": "policies.match_all_policies",
    "schedule": crontab(hour=2, minute=0),
}
CELERY_BEAT_SCHEDULE["support.flag_deadlines"] = {
    "task": "support.flag_deadlines",
    "schedule": crontab(hour=7, minute=30),  # 07:30 Asia/Shanghai: due soon and overdue (escalated) notices
}
