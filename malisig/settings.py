"""One settings module; the environment decides (see .env.example and the README table).

With no variable set: SQLite file, Celery tasks run eagerly, email to the console, DEBUG on.
"""

import os
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------
# Environment helpers: strict, and a bad value stops start-up with one line.
# ---------------------------------------------------------------------------
def refuse_to_start(message: str) -> None:
    sys.exit(f"malisig configuration error: {message}")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    if value in ("True", "true", "1", "yes", "on"):
        return True
    if value in ("False", "false", "0", "no", "off"):
        return False
    refuse_to_start(f"{name} must be True or False, not {value!r}")
    return default


def env_int(name: str, default: int) -> int:
    value = env(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        refuse_to_start(f"{name} must be a whole number, not {value!r}")
    return default


def env_seconds(name: str, default: float) -> float:
    value = env(name)
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 60:
        refuse_to_start(f"{name} must be a number of seconds between 0 and 60, not {value!r}")
    return seconds


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def email_settings_from_url(url: str) -> dict:
    """smtp://user:password@host:587/?tls=True, smtps://... (implicit TLS), or console://."""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        refuse_to_start("EMAIL_URL must look like smtp://user:password@host:587/?tls=True")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", "").lower() in ("true", "1", "yes"),
    }


# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        refuse_to_start("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-never-used-with-debug-off"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    refuse_to_start("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names)")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
if not SITE_URL.startswith(("http://", "https://")):
    refuse_to_start(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for origin in CSRF_TRUSTED_ORIGINS:
    if "://" not in origin:
        refuse_to_start(f"CSRF_TRUSTED_ORIGINS entries need a scheme (https://...), not {origin!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "rules.apps.AutodiscoverRulesConfig",
    "malisig",
    "cohorts",
    "groups",
    "submissions",
    "cockpit",
    "auditlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "malisig.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "malisig.urls"
WSGI_APPLICATION = "malisig.wsgi.application"

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
                "malisig.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: DATABASE_URL, else a SQLite file next to manage.py
# ---------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
except ValueError as error:
    refuse_to_start(f"DATABASE_URL is not a database URL ({error})")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # SQLite: wait for a writer instead of failing at once when two requests write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Redis: cache (rate limits shared by every process), Celery broker and results
# ---------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    refuse_to_start(f"REDIS_URL must start with redis://, rediss:// or unix://, not {REDIS_URL!r}")
# Redis answers within a millisecond; when it does not (down, frozen, cut off), give up quickly: the cache then
# answers as misses (pages read the database) and tasks wait in the database (malisig/cache.py, malisig/queue.py).
REDIS_CACHE_TIMEOUT = env_seconds("REDIS_CACHE_TIMEOUT", 0.5)
REDIS_PUBLISH_TIMEOUT = env_seconds("REDIS_PUBLISH_TIMEOUT", 1.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "malisig.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_CACHE_TIMEOUT, "socket_timeout": REDIS_CACHE_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = env("TIME_ZONE", "Africa/Bamako")
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "malisig.tasks.clear_expired_sessions_task", "schedule": 6 * 3600.0},
    "send-due-reminders": {"task": "cockpit.tasks_messages.send_due_reminders_task", "schedule": 3600.0},
    "sweep-outbox": {"task": "cohorts.tasks.sweep_outbox_task", "schedule": 600.0},
    "flush-pending-tasks": {"task": "malisig.tasks.flush_pending_tasks_task", "schedule": 60.0},
}

# ---------------------------------------------------------------------------
# Accounts: email login (allauth), no open sign-up, invitations only
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "malisig.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "malisig.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional" if DEBUG else "mandatory"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's own limits (same cache): "amount/period/per", per ip, key (the email) or user.
# Per IP stays loose on purpose: a whole school, or a mobile operator's NAT, may share one address (a room of 200
# people logging in at the start of a session; a few typos there must not lock the room out). Each account keeps
# its own strict limit on failures.
ACCOUNT_RATE_LIMITS = {
    "login": env("LOGIN_ATTEMPT_RATE_LIMIT", "300/m/ip"),
    "login_failed": env("LOGIN_RATE_LIMIT", "60/5m/ip,5/5m/key"),
    "reset_password": env("PASSWORD_RESET_RATE_LIMIT", "20/5m/ip,5/5m/key"),
    "reset_password_from_key": env("PASSWORD_RESET_FROM_KEY_RATE_LIMIT", "20/5m/ip"),
    "change_password": "5/m/user",
}
# Behind a reverse proxy that appends the client to X-Forwarded-For, how many proxies to trust (0: REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 14)

# ---------------------------------------------------------------------------
# Email
# ---------------------------------------------------------------------------
EMAIL_URL = env("EMAIL_URL")
if EMAIL_URL:
    globals().update(email_settings_from_url(EMAIL_URL))
elif env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A dotted backend path wins (e.g. the integration tests' slow file backend); EMAIL_FILE_PATH for the file backend.
if env("EMAIL_BACKEND"):
    EMAIL_BACKEND = env("EMAIL_BACKEND")
if env("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "MaliSIG <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# ---------------------------------------------------------------------------
# Internationalisation: French first, English complete
# ---------------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", "fr")
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    refuse_to_start(f"LANGUAGE_CODE must be one of fr, en, not {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Africa/Bamako")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    refuse_to_start(f"TIME_ZONE is not a known time zone: {TIME_ZONE!r}")
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static and media files
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Media on S3-compatible object storage (AWS, MinIO, Scaleway, OVH, Wasabi...) when a bucket is named; see
# docs/deploy.md. Objects stay private: every download goes through a permission-checked view that reads the object
# from the bucket and streams it (public sponsor logos included), so browsers never need the bucket's address; .url
# (signed, short-lived) only for the admin's links. Credentials: both keys, or neither (the machine's role, boto3's
# usual chain).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", AWS_STORAGE_BUCKET_NAME):
        refuse_to_start(
            "AWS_STORAGE_BUCKET_NAME must be a bucket name (3 to 63 lowercase letters, digits, dots or hyphens), "
            f"not {AWS_STORAGE_BUCKET_NAME!r}"
        )
    s3_endpoint = env("AWS_S3_ENDPOINT_URL")
    if s3_endpoint and not re.fullmatch(r"https?://[^/\s]+/?", s3_endpoint):
        refuse_to_start(f"AWS_S3_ENDPOINT_URL must look like https://s3.example.org, not {s3_endpoint!r}")
    if bool(env("AWS_ACCESS_KEY_ID")) != bool(env("AWS_SECRET_ACCESS_KEY")):
        refuse_to_start(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both, or neither to use the machine's role"
        )
    s3_addressing = env("AWS_S3_ADDRESSING_STYLE")
    if s3_addressing not in ("", "auto", "path", "virtual"):
        refuse_to_start(f"AWS_S3_ADDRESSING_STYLE must be path, virtual or auto, not {s3_addressing!r}")
    s3_location = env("AWS_LOCATION").strip("/")
    if ".." in s3_location.split("/"):
        refuse_to_start(f"AWS_LOCATION must be a plain prefix such as malisig/media, not {s3_location!r}")
    s3_expire = env_int("AWS_QUERYSTRING_EXPIRE", 600)
    if s3_expire < 1:
        refuse_to_start(f"AWS_QUERYSTRING_EXPIRE must be a number of seconds above 0, not {s3_expire!r}")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": s3_endpoint or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "access_key": env("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
            "location": s3_location,
            "addressing_style": s3_addressing or None,
            "signature_version": "s3v4",
            "default_acl": None,  # the bucket's default: private
            "querystring_auth": True,
            "querystring_expire": s3_expire,  # seconds a signed address works
            "file_overwrite": False,  # never replace an object: names are random, a clash draws another
            "max_memory_size": 5 * 1024 * 1024,  # a downloaded object above this is buffered on disk, not in memory
        },
    }
else:
    for name in ["AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME", "AWS_LOCATION", "AWS_S3_ADDRESSING_STYLE"]:
        if env(name):
            refuse_to_start(
                f"{name} is set but AWS_STORAGE_BUCKET_NAME is not: name the bucket to keep media on object storage, "
                "or remove the AWS_ variables to keep them under MEDIA_ROOT"
            )
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# ---------------------------------------------------------------------------
# Security: strict when DEBUG is off (manage.py check --deploy is clean)
# ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): no inline or foreign script at all. 'unsafe-inline' in style-src is for the
# few style="..." attributes (white-space on the messages pages); there is no <style> block of ours. Images:
# https: too, because the editor lets a group insert an image by its https address (see malisig/sanitise.py),
# and media may live on S3-compatible storage; data: for Bootstrap's inline SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# Our own limits (malisig/ratelimit.py), fixed windows counted in the cache per user (per IP when anonymous):
# "amount/period", period as 30s, 1m, 10m, 1h, 1d. Generous: real use and the benches never reach them.
RATE_LIMITS = {
    "autosave": env("AUTOSAVE_RATE_LIMIT", "120/1m"),
    "upload": env("UPLOAD_RATE_LIMIT", "30/10m"),
    "invitation": env("INVITATION_RATE_LIMIT", "200/1h"),
}
for scope, rate in RATE_LIMITS.items():
    if not re.fullmatch(r"\d+/\d*[smhd]", rate):
        refuse_to_start(f"{scope.upper()}_RATE_LIMIT must look like 120/1m or 30/10m, not {rate!r}")
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ---------------------------------------------------------------------------
# Logging: to the console, one line per event
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
