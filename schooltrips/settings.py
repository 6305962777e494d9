"""Settings for schooltrips, read from the environment with embedded defaults.

`make run` needs no variable at all: SQLite, the vault and development keys live in DATA_DIR.
Production sets DJANGO_DEBUG=0 and must then provide SECRET_KEY and VAULT_KEYS (or *_FILE).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from schooltrips import datadir

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable; junk is refused rather than silently read as False."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated variable (ALLOWED_HOSTS, ADMINS, ...), stripped, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/systemd credentials).

    A NAME_FILE that cannot be read, or is empty, is a configuration error naming the variable:
    quietly reading "no secret" would hide a mistyped path until the site fails somewhere else.
    """
    value = os.environ.get(name)
    if value:
        return value.strip()
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {reason}") from exc
    if not value:
        raise ImproperlyConfigured(f"{name}_FILE={path!r} is empty")
    return value


DEBUG = env_bool("DJANGO_DEBUG", True)

# Importing settings creates nothing: DATA_DIR's folders and development secrets are made by
# `manage.py prepare_data_dir` (schooltrips/datadir.py), which `make run` and the deploy units run.
DATA_DIR = Path(os.environ.get("DATA_DIR") or BASE_DIR / "var").resolve()
VAULT_DIR = datadir.vault_dir(DATA_DIR)
FILE_UPLOAD_TEMP_DIR = str(datadir.upload_temp_dir(DATA_DIR))
PACKET_TEMP_DIR = str(datadir.packet_temp_dir(DATA_DIR))

SECRET_KEY = env_secret("SECRET_KEY")
# VAULT_KEYS: comma-separated "key_id:base64(32 bytes)", newest first. The newest wraps new
# data keys; every listed key can unwrap (so rotation is a re-wrap, never a file rewrite).
VAULT_KEYS = env_secret("VAULT_KEYS")
if DEBUG:
    # Missing until prepare_data_dir has run: the system check schools.E001 says so.
    SECRET_KEY = SECRET_KEY or datadir.read_secret(DATA_DIR / datadir.SECRET_KEY_FILE)
    VAULT_KEYS = VAULT_KEYS or datadir.read_secret(DATA_DIR / datadir.VAULT_KEYS_FILE)
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required when DJANGO_DEBUG=0"
        )
    if not VAULT_KEYS:
        raise ImproperlyConfigured(
            "VAULT_KEYS (or VAULT_KEYS_FILE) is required when DJANGO_DEBUG=0"
        )

# The font packets are drawn with (embedded and subset in every packet): Debian's
# fonts-ipaexfont-gothic by default.
PACKET_FONT_PATH = os.environ.get(
    "PACKET_FONT_PATH", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
)
# Reconciliation leaves vault files without a row alone until they are this old: an upload or
# build may have written its file and not yet committed its row (retention/files.py).
RETENTION_ORPHAN_SAFETY_AGE = datetime.timedelta(hours=6)

# A monitor reads /retention/status.json with "Authorization: Bearer <STATUS_TOKEN>".
STATUS_TOKEN = env_secret("STATUS_TOKEN") or ""

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")
# How many reverse proxies in front of the site append to X-Forwarded-For (schools/clientip.py).
# 0: the header is ignored and REMOTE_ADDR is the client (a forged header changes nothing).
NUM_PROXIES = env_int("NUM_PROXIES", 0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or more")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # django-bootstrap-static: Bootstrap's CSS/JS as installed static files
    "axes",
    "csp",
    "schools",
    "students",
    "trips",
    "documents",
    "packets",
    "retention",
    "dashboard",
    "tripday",
    "demo",
]

MIDDLEWARE = [
    "schools.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "schools.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "schools.middleware.CurrentSchoolMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "schools.middleware.RefuseNulBytesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "schooltrips.urls"
WSGI_APPLICATION = "schooltrips.wsgi.application"

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
                "schools.context_processors.membership",
            ],
        },
    },
]

# --- Database: SQLite in DATA_DIR unless DATABASE_URL is set (PostgreSQL in production/CI).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            "OPTIONS": {
                # secure_delete overwrites freed pages, so purged rows leave no trace in the file.
                "init_command": "PRAGMA secure_delete=ON; PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: the Celery broker and the shared cache (rate limits must be shared by all workers).
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "st"),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# --- Celery (namespace CELERY_ in this module; see schooltrips/celery.py).
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker died unacknowledged (acks_late) is handed to another worker after
# visibility_timeout seconds: longer than the longest task's hard time limit (660 s), or a slow
# build would run twice. BROKER_KEY_PREFIX lets several sites (or test runs) share one Redis.
BROKER_VISIBILITY_TIMEOUT = env_int("BROKER_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 10 if BROKER_VISIBILITY_TIMEOUT >= 60 else 1,
    "unacked_restore_throttle": 1,
    "global_keyprefix": os.environ.get("BROKER_KEY_PREFIX", ""),
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Progress and outcomes live in the database; no task result may outlive a purge.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 600_000  # KiB: recycle a worker past ~600 MB
CELERY_TASK_SOFT_TIME_LIMIT = 600
# Three queues, so a June evening of packet builds never delays the purge or the e-mails: each
# queue gets its own workers (Procfile, deploy/). Anything unrouted goes to "maintenance".
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
WORKER_QUEUES = ("maintenance", "packets", "mail")
CELERY_TASK_ROUTES = {
    "packets.*": {"queue": "packets"},
    "documents.send_*": {"queue": "mail"},
    "retention.remind_shredding": {"queue": "mail"},
    "retention.*": {"queue": "maintenance"},
    "schools.*": {"queue": "maintenance"},
}
CELERY_TASK_TIME_LIMIT = 660
CELERY_TIMEZONE = "Asia/Tokyo"
DEADLINE_REMINDER_DAYS = env_int("DEADLINE_REMINDER_DAYS", 3)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "schools.heartbeat",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # The purge reads the database each run, so a missed or late run is caught up by the next.
    "retention-sweep": {
        "task": "retention.sweep",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    "prune-login-records": {
        "task": "schools.prune_login_records",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Families with nothing sent get one reminder DEADLINE_REMINDER_DAYS before the 提出期限;
    # each participant's automatic reminder is recorded once, so reruns send nothing twice.
    "documents-deadline-reminders": {
        "task": "documents.send_deadline_reminders",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 3600},
    },
    # Printed copies of purged trips stay on the admin's list until shredding is confirmed;
    # their holders are reminded each morning (08:00 Asia/Tokyo).
    "retention-remind-shredding": {
        "task": "retention.remind_shredding",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 3600},
    },
}

# --- Auth and lockout.
AUTHENTICATION_BACKENDS = [
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Axes keeps typed usernames and client addresses: successful logins are not logged by it (the
# audit trail has them, content-free) and failed attempts are deleted after a day
# (schools/lockout.py, hourly), well past the one-hour lockout that needs them.
AXES_DISABLE_ACCESS_LOG = True
LOGIN_RECORD_RETENTION = datetime.timedelta(hours=env_int("LOGIN_RECORD_RETENTION_HOURS", 24))
# The lockout sees the same client address as our rate limits (NUM_PROXIES aware).
AXES_CLIENT_IP_CALLABLE = "schools.clientip.client_ip_for_lockout"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # X-Forwarded-Proto is believed only when a proxy in front of us sets it (NUM_PROXIES > 0):
    # without one, any client could claim https and defeat the redirect and secure cookies.
    if NUM_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Strict CSP: nothing but our own origin; no inline script. Downloads add `sandbox` themselves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Files. The vault holds encrypted blobs only; nothing there is ever served by URL.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 5
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Admission limit (documents/admission.py): uploads in the intake pipeline at once, across every
# app server sharing this Redis. Each one keeps a core busy (the sandbox rewrite, then Tesseract),
# so the default leaves one core of this machine to the web threads, the workers and the system
# (on 2 cores, 1 took more uploads per minute than 2, each in a third of the time: README, Load);
# with several web machines, the sum over them. Past it, a 503 "busy, try again" page.
INTAKE_CONCURRENCY = env_int("INTAKE_CONCURRENCY", max(1, (os.cpu_count() or 2) - 1))
# A slot held longer than this is taken to belong to a dead process: above gunicorn's timeout (60)
# so a live intake never loses its slot.
INTAKE_LEASE_SECONDS = env_int("INTAKE_LEASE_SECONDS", 90)
INTAKE_RETRY_AFTER = env_int("INTAKE_RETRY_AFTER", 20)


def vault_storage() -> dict:
    """The vault's backend: "filesystem" (DATA_DIR/vault) or "s3" (any S3-compatible store)."""
    kind = os.environ.get("VAULT_STORAGE_BACKEND", "filesystem").strip().lower()
    if kind == "filesystem":
        return {
            "BACKEND": "documents.storage.VaultFileSystemStorage",
            "OPTIONS": {
                "location": str(VAULT_DIR),
                "base_url": None,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    if kind != "s3":
        raise ImproperlyConfigured("VAULT_STORAGE_BACKEND must be filesystem or s3")
    bucket = os.environ.get("VAULT_S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("VAULT_S3_BUCKET is required when VAULT_STORAGE_BACKEND=s3")
    addressing = os.environ.get("VAULT_S3_ADDRESSING_STYLE", "") or None
    if addressing not in (None, "path", "virtual"):
        raise ImproperlyConfigured("VAULT_S3_ADDRESSING_STYLE must be path or virtual")
    return {
        "BACKEND": "documents.storage_s3.VaultS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": os.environ.get("VAULT_S3_ENDPOINT_URL", "") or None,
            "region_name": os.environ.get("VAULT_S3_REGION", "") or None,
            # Unset keys: boto3 finds the machine's role or ~/.aws credentials itself.
            "access_key": env_secret("VAULT_S3_ACCESS_KEY_ID"),
            "secret_key": env_secret("VAULT_S3_SECRET_ACCESS_KEY"),
            "addressing_style": addressing,
            "location": os.environ.get("VAULT_S3_PREFIX", "").strip("/"),
        },
    }


STORAGES = {
    # Nothing uses the default storage; it points away from the vault so that a stray
    # default_storage write can never put plaintext beside the encrypted files.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(DATA_DIR / "no-media"),
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    "vault": vault_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
    },
}
# No media is served: MEDIA_ROOT is an empty directory, never the vault (the test live
# server would otherwise serve MEDIA_ROOT at MEDIA_URL).
MEDIA_ROOT = str(DATA_DIR / "no-media")
MEDIA_URL = "/media/"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Language and time: Japanese first, school dates in Asia/Tokyo.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("英語"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail: console by default.
# Development logs that a mail would go (never its text); production sends by SMTP.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "schools.devmail.LogOnlyEmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# The console and file backends write whole mails (upload links, children's names, rejection
# reasons) into logs or files, and the log-only one sends nothing: production refuses them unless
# an operator says so explicitly (a test machine).
if (
    not DEBUG
    and EMAIL_BACKEND.endswith(
        (".console.EmailBackend", ".filebased.EmailBackend", ".LogOnlyEmailBackend")
    )
    and not env_bool("ALLOW_CONSOLE_EMAIL", False)
):
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND={EMAIL_BACKEND} writes whole mails to logs or files: configure SMTP "
        "(EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend) or set ALLOW_CONSOLE_EMAIL=1"
    )
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "schooltrips@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("ops", address) for address in env_list("ADMINS")]

# --- Logging: one filter redacts tokens and long digit runs from every record; each line
# carries the request's id. LOG_FORMAT=json (the default in production) writes JSON lines.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "schools.logfilters.RedactPersonalData"},
        "request_id": {"()": "schools.requestid.RequestIdFilter"},
    },
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "schools.logformat.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact", "request_id"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # WeasyPrint narrates every render step at INFO; fontTools chatters while subsetting.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
