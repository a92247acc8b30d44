"""Settings, read from the environment (DESIGN.md §7; `.env.example` lists every variable).

With nothing set the system runs on a SQLite file with Celery eager in-process, so `make run` works on a
bare machine (it supplies a random key of the checkout, see the Makefile). `DATABASE_URL` selects PostgreSQL
(psycopg 3) and `REDIS_URL` selects Redis as Celery broker and cache. Production differs only by its
environment. No other module reads `os.environ`.
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value else default


def _env_list(name: str, default: list[str]) -> list[str]:
    value = _env(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = _env_bool("DEBUG", False)
# No key is ever written in the code. Without SECRET_KEY the system refuses to start (issue 16 §6), unless
# DEBUG is on: then each process makes a random key of its own, marked so that `check --deploy` refuses it.
SECRET_KEY = _env("SECRET_KEY")
# `manage.py makemigrations` only compares the models with the migration files (and writes files): it signs
# nothing and serves nothing, so it runs without a key, as a checkout's CI and `--check` run it.
_CODE_ONLY = Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] == ["makemigrations"]
if not SECRET_KEY and not DEBUG and not _CODE_ONLY:
    raise ImproperlyConfigured(
        "未设置 SECRET_KEY，且 DEBUG 未开启：系统拒绝启动。请在环境中设置 SECRET_KEY（50 个以上的随机字符，"
        "见 .env.example）；在开发机上请用 make run。 SECRET_KEY is not set and DEBUG is off: refusing to "
        "start. Set SECRET_KEY (50+ random characters, see .env.example); on a developer machine use make run."
    )
SECRET_KEY = SECRET_KEY or "django-insecure-" + secrets.token_urlsafe(50)
SECRET_KEY_FALLBACKS = _env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "wanzhou_jobs.apps.ProjectConfig",  # the project's system checks
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
    "import_export",
    "axes",
    "auditlog",
    "targets",
    "workers",
    "assistance",
    "subsidies",
    "reporting",
    "monitoring",
]

MIDDLEWARE = [
    # First: the request id and one log line per request, whatever the layers below answer.
    "wanzhou_jobs.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wanzhou_jobs.security.PasswordChangeRequiredMiddleware",
    "targets.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wanzhou_jobs.security.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wanzhou_jobs.urls"
WSGI_APPLICATION = "wanzhou_jobs.wsgi.application"

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
                "reporting.context.unread_notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = _env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=_env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A busy web process and the import on another thread must wait for each other, not fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DATABASES["default"]["TEST"] = {"NAME": _env("TEST_DATABASE_NAME") or None}
# A kept connection is tested before a request reuses it: after PostgreSQL restarts, the first request of
# each web process reconnects instead of failing on the dead connection (tests/faults/test_postgres_restart.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if USING_POSTGRES and not _env_bool("PG_JIT", False):
    # PostgreSQL compiles a query to machine code when the planner's cost estimate passes jit_above_cost;
    # the estimates of the scoped lists (a correlated EXISTS costed in millions) pass it, and the page then
    # waits 100-300 ms for the compiler (issue 27: the clerk's employer list spent 300 ms of its 900 ms in
    # JIT at 1M employments). The pages are short queries: JIT off unless PG_JIT=true.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = (_pg_options.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery, cache -------------------------------------------------------------------------
REDIS_URL = _env("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _env("CACHE_URL") or REDIS_URL,
            "KEY_PREFIX": "wzjobs",
            # A Redis host that drops packets must not hold a request for the OS connect timeout: the
            # throttle and the cache fail open (wanzhou_jobs/security.py), after at most a second.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker's pool processes run at this nice level (wanzhou_jobs/celery.py); 0 leaves them as started.
WORKER_NICE = _env_int("WORKER_NICE", 10)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the database outbox is the source of truth.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = "Asia/Shanghai"
# The one place periodic schedules live.
CELERY_BEAT_SCHEDULE = {
    "progress-outbox-sweep": {"task": "targets.progress_sweep", "schedule": 60.0},
    "progress-nightly": {"task": "targets.progress_recompute_all", "schedule": crontab(hour=1, minute=30)},
    "returns-cleanup": {"task": "workers.returns_cleanup", "schedule": crontab(minute=15)},
    "audit-prune": {"task": "targets.audit_prune", "schedule": crontab(hour=2, minute=45)},
    "quarter-exceptions-close": {"task": "targets.quarter_exceptions_close", "schedule": crontab(minute=5)},
    "notifications-sweep": {"task": "reporting.notifications_sweep", "schedule": crontab(hour=8, minute=0)},
    "heartbeat": {"task": "wanzhou_jobs.heartbeat", "schedule": 60.0},
    "backup-nightly": {"task": "wanzhou_jobs.backup_nightly", "schedule": crontab(hour=3, minute=15)},
}
# /readyz (wanzhou_jobs/health.py) warns, still 200, when the outbox's oldest year or beat's heartbeat is older.
HEALTH_OUTBOX_STALE_SECONDS = _env_int("HEALTH_OUTBOX_STALE_SECONDS", 600)
HEALTH_BEAT_STALE_SECONDS = _env_int("HEALTH_BEAT_STALE_SECONDS", 300)

# --- Authentication -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    # Django's validators with Chinese messages (wanzhou_jobs/security.py), and the MLPS character classes.
    {"NAME": "wanzhou_jobs.security.UserAttributeSimilarityValidator"},
    {"NAME": "wanzhou_jobs.security.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "wanzhou_jobs.security.CommonPasswordValidator"},
    {"NAME": "wanzhou_jobs.security.NumericPasswordValidator"},
    {"NAME": "wanzhou_jobs.security.CharacterClassValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: every login door (form, admin, API login) goes through the same counter.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after 5 failures for 15 minutes, by user name and by user name + address, never by address alone:
# a township office shares one address behind its router (THREATS C1, C4).
AXES_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "wanzhou_jobs.security.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# Behind nginx set TRUSTED_PROXY_COUNT=1: the proxy's X-Forwarded-For entry is the client address.
TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
# Sessions end after 30 minutes idle and when the browser closes (THREATS C8).
SESSION_COOKIE_AGE = _env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A non-default admin path (MLPS 8.1.4.4); the admin is the clerks' data-entry door.
ADMIN_URL = (_env("ADMIN_URL") or "manage/").lstrip("/")

# --- Transport security (production: `check --deploy` clean with the documented environment) ---------
# On unless DEBUG; `make run` and the tests serve plain HTTP and turn both off explicitly.
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A local monitor asks gunicorn on plain HTTP: the health checks answer there instead of redirecting.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if _env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and _env_bool("STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded returns and attachments hold personal data: kept outside the web root, never under a URL.
PRIVATE_MEDIA_ROOT = Path(_env("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private")
# Nightly backups (wanzhou_jobs/backup.py): database, uploads and attachments, one archive a night; the newest
# of each of the last 7 days and of each of the last 4 weeks are kept. They hold personal data too.
BACKUP_DIR = Path(_env("BACKUP_DIR") or BASE_DIR / "var" / "backups")
BACKUP_KEEP_DAILY = _env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = _env_int("BACKUP_KEEP_WEEKLY", 4)
WHITENOISE_USE_FINDERS = True

# --- Domain settings ------------------------------------------------------------------------------
# A unit is seriously lagging when completion < this share of time progress (DESIGN.md §4.7).
SERIOUS_LAG_RATIO = float(_env("SERIOUS_LAG_RATIO") or "0.8")

# --- Email of notifications (issue 23): the console by default, SMTP when the environment names a host ----
EMAIL_HOST = _env("EMAIL_HOST")
EMAIL_BACKEND = _env("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = _env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = _env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = _env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL") or "noreply@localhost"
#: The address of the site, for links in emails (e.g. https://jobs.wanzhou.example).
SITE_URL = _env("SITE_URL")

# --- Data-quality checks of a quarterly submission (issue 23; reporting/quality.py lists the rules) ---------
# Each rule's severity ("error" blocks the submission, "warning" needs an acknowledgement) and thresholds.
REPORTING_QUALITY = {
    "quarter_jump": {"severity": "warning", "ratio": 3.0, "min_base": 10},
    "employer_day_hires": {"severity": "warning", "max_hires": 20},
    "short_jobs": {"severity": "warning", "days": 7},
    "age_at_start": {"severity": "warning", "min_age": 18, "max_age": 60},
    "cross_township_duplicates": {"severity": "warning"},
    "flexible_without_employer": {"severity": "warning", "max_share": 0.5, "min_jobs": 10},
    "weekend_starts": {"severity": "warning", "max_share": 0.6, "min_jobs": 10},
    "income_outliers": {"severity": "warning", "ratio": 5, "min_jobs": 20},
    "form_vs_return": {"severity": "error"},  # two versions of one job: fixed before submitting
}
#: Days off the State Council's yearly notice moves (清明, 端午, 中秋, bridged days), as YYYY-MM-DD; the fixed
#: statutory days and 春节 are known to reporting/quality.py.
REPORTING_HOLIDAYS = [d for d in (_env("REPORTING_HOLIDAYS") or "").split(",") if d]
UPLOAD_MAX_BYTES = _env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)

# --- REST API (DESIGN.md §6; the classes live in wanzhou_jobs/api/) --------------------------------
# Audit trail (issue 7): django-auditlog entries kept at least 6 months, API processing records at least
# 3 years; `python manage.py prune_audit_log` deletes what is older (never below those minimums).
AUDIT_RETENTION_DAYS = _env_int("AUDIT_RETENTION_DAYS", 183)
API_LOG_RETENTION_DAYS = _env_int("API_LOG_RETENTION_DAYS", 1096)
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = False

# django-import-export: its admin import/export needs the model's add / view permission (its default
# lets any admin user in), and exported text is escaped (issue 7 §6-7). The ledger's own imports and
# exports go through workers/returns/ and wanzhou_jobs/spreadsheets/, which are scoped and escape
# every formula-like cell.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

API_PAGE_SIZE = _env_int("API_PAGE_SIZE", 1000)
API_MAX_PAGE_SIZE = _env_int("API_MAX_PAGE_SIZE", 5000)
# Feeds serve only rows stamped before now − lag (and, on PostgreSQL, before the oldest open write).
API_SYNC_LAG_SECONDS = float(_env("API_SYNC_LAG_SECONDS") or "2")
API_TOKEN_DAYS = _env_int("API_TOKEN_DAYS", 365)  # default validity of a new client token; 0 = no expiry
API_THROTTLE_RATE = _env("API_THROTTLE_RATE") or "600/minute"  # per client or staff user
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wanzhou_jobs.api.ApiTokenAuthentication",
        "wanzhou_jobs.api.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["wanzhou_jobs.api.InScopeReadOnly", "wanzhou_jobs.api.ReadOnlyMethods"],
    "DEFAULT_THROTTLE_CLASSES": ["wanzhou_jobs.api.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": API_THROTTLE_RATE},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_PAGINATION_CLASS": None,
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wanzhou_jobs.api.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "万州区农民工就近就业目标管理系统 API / Wanzhou Jobs API",
    "DESCRIPTION": "只读数据接口（DESIGN.md §6）。 / Read-only data API (DESIGN.md §6).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "wanzhou_jobs.api.schema_describe",
    ],
}

# --- Logging --------------------------------------------------------------------------------------
# One JSON line per request and per task (wanzhou_jobs/logs.py); LOG_FORMAT=plain for a developer's terminal.
LOG_FORMAT = _env("LOG_FORMAT") or "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "wanzhou_jobs.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Subsidies (issue 8) ------------------------------------------------------------------------------
# Attachments (PDF/JPEG/PNG, type checked by content) live outside the web root, served by a scoped view.
SUBSIDY_ATTACHMENT_ROOT = Path(_env("SUBSIDY_ATTACHMENT_ROOT") or PRIVATE_MEDIA_ROOT / "attachments")
SUBSIDY_ATTACHMENT_MAX_BYTES = _env_int("SUBSIDY_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
# The public notice (公示) lasts this many working days before payment may be scheduled.
SUBSIDY_NOTICE_WORKING_DAYS = _env_int("SUBSIDY_NOTICE_WORKING_DAYS", 5)
