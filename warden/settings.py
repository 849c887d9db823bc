"""Warden's settings, read from the environment.

SQLite under ``var/`` by default; PostgreSQL (or any database) when ``DATABASE_URL`` is set.
Every value can also come from a file named by ``NAME_FILE``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from warden.lib.email_url import parse_email_url
from warden.lib.env import env_bool, env_int, env_list, env_str
from warden.lib.private_files import private_folder, share_with_group

BASE_DIR = Path(__file__).resolve().parent.parent
# var/ is for Warden's user alone (0700; warden.lib.private_files), files in it 0600.
VAR_DIR = private_folder(Path(env_str("WARDEN_VAR_DIR") or BASE_DIR / "var"))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise keep a generated one under var/ across restarts."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "warden.core",
    "warden.people",
    "warden.sso",
    "warden.accounts",
    "warden.agreements",
    "warden.monitoring",
    "warden.equipment",
    "warden.incidents",
    "warden.safeguarding",
    "warden.backups",
    "warden.records",
    "warden.consent",
    "warden.publication",
    "warden.privacy",
    "warden.governance",
    "warden.reporting",
    "warden.api",
    "warden.remoteaccess",
    # Above every area: the demo trust's loader and `warden demo`.
    "warden.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "warden.core.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "warden.core.middleware.IdleTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "warden.core.middleware.RequestContextMiddleware",
    "warden.core.middleware.SignInGuardMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "warden.urls"
WSGI_APPLICATION = "warden.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "warden.core.context.warden",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'warden.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "warden.core.passwords.SchoolPasswordPolicyValidator"},
    {"NAME": "warden.accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "warden.accounts.passwords.PasswordHistoryValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"

# Policy duty "Idle sessions end after 15 minutes" (docs/policy-map.md).
IDLE_MINUTES = env_int("WARDEN_IDLE_MINUTES", 15)
SESSION_COOKIE_AGE = IDLE_MINUTES * 60
# Written at most once a minute while in use (warden.core.middleware.IdleTimeoutMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("WARDEN_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Served over HTTPS (WARDEN_SECURE_COOKIES=true): plain HTTP is redirected, except the health
# check a load balancer calls, and browsers are told to use HTTPS only (HSTS). Behind a
# proxy that ends TLS, WARDEN_PROXY_SSL_HEADER names the header it sets to "https"
# (X-Forwarded-Proto); the proxy must overwrite that header from clients, never pass it on.
SECURE_SSL_REDIRECT = SECURE_COOKIES
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("WARDEN_HSTS_SECONDS", 31536000) if SECURE_COOKIES else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WARDEN_HSTS_INCLUDE_SUBDOMAINS", False)
_proxy_ssl_header = env_str("WARDEN_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")

# Lock an account after five failed sign-ins.
AXES_FAILURE_LIMIT = env_int("WARDEN_LOCKOUT_ATTEMPTS", 5)
# Lock the account, not the address: a whole school signs in from one NAT address, and
# locking it would let one pupil's typing lock out every member of staff.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("WARDEN_LOCKOUT_MINUTES", 60))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = env_str("WARDEN_OTP_ISSUER", "Warden")
# django-otp's own back-off refuses every code for a second after a wrong one, so a
# mistyped code made the right one fail; Warden's second_factor_verify throttles instead.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# Warden is written in English only and has no translations: without the translation
# machinery each page skips a thread-local look-up per date, URL and form label (formats
# still come from LANGUAGE_CODE's locale).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# The largest file any page accepts; a larger one is refused and nothing of it is kept
# (warden.core.uploads). Bigger lists are imported with the `warden` command.
WARDEN_UPLOAD_MAX_BYTES = env_int("WARDEN_UPLOAD_MAX_MB", 100) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "warden.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

globals().update(parse_email_url(env_str("EMAIL_URL") or f"file://{VAR_DIR / 'mail'}"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "warden@localhost")
# How people's browsers reach Warden: links in e-mails (signing links) and the block page
# the filtering helpers redirect to.
WARDEN_BASE_URL = (env_str("WARDEN_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

# A breached-password list (one password a line) the password check refuses, if given.
WARDEN_BREACHED_PASSWORDS_FILE = env_str("WARDEN_BREACHED_PASSWORDS_FILE")

# Filtering (warden.monitoring.conf reads these): where snapshots live, whether the helper
# may fail open (never by default), how often it looks for a new snapshot, and the folders
# the lists page may read UT1 directories from (empty: anywhere).
WARDEN_FILTER_DIR = Path(env_str("WARDEN_FILTER_DIR") or VAR_DIR / "filtering")
# The group Squid's filter helper runs as (often "proxy"): it may read the snapshots.
WARDEN_FILTER_GROUP = env_str("WARDEN_FILTER_GROUP")
if WARDEN_FILTER_GROUP:
    share_with_group(WARDEN_FILTER_DIR, WARDEN_FILTER_GROUP, below=VAR_DIR)
WARDEN_FILTER_FAIL_OPEN = env_bool("WARDEN_FILTER_FAIL_OPEN", False)
WARDEN_FILTER_CHECK_INTERVAL = float(env_str("WARDEN_FILTER_CHECK_INTERVAL") or "2")
WARDEN_FILTER_IMPORT_ROOTS = env_list("WARDEN_FILTER_IMPORT_ROOTS", [])
# Bounds on a list update (docs/operations.md): download and unpacked sizes in MB, seconds.
WARDEN_FILTER_DOWNLOAD_MB = float(env_str("WARDEN_FILTER_DOWNLOAD_MB") or "512")
WARDEN_FILTER_UNPACKED_MB = float(env_str("WARDEN_FILTER_UNPACKED_MB") or "4096")
WARDEN_FILTER_DOWNLOAD_SECONDS = float(env_str("WARDEN_FILTER_DOWNLOAD_SECONDS") or "1800")
WARDEN_FILTER_DOWNLOAD_TIMEOUT = float(env_str("WARDEN_FILTER_DOWNLOAD_TIMEOUT") or "60")

TASKS = {"default": {"BACKEND": env_str("WARDEN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Audit checkpoints (warden.core.audit_checkpoints): signed with WARDEN_AUDIT_KEY, or a key
# derived from SECRET_KEY; written every WARDEN_AUDIT_CHECKPOINT_MINUTES to an append-only
# file, and e-mailed to the SIROs when WARDEN_AUDIT_CHECKPOINT_EMAIL is on.
WARDEN_AUDIT_KEY = env_str("WARDEN_AUDIT_KEY")
WARDEN_AUDIT_CHECKPOINT_FILE = Path(
    env_str("WARDEN_AUDIT_CHECKPOINT_FILE") or VAR_DIR / "audit-checkpoints"
)
WARDEN_AUDIT_CHECKPOINT_MINUTES = env_int("WARDEN_AUDIT_CHECKPOINT_MINUTES", 60)
WARDEN_AUDIT_CHECKPOINT_EMAIL = env_bool("WARDEN_AUDIT_CHECKPOINT_EMAIL", False)

# Backups (warden.backups, docs/operations.md): `warden backup` encrypts to the age public
# keys in WARDEN_BACKUP_RECIPIENT; `warden restore` decrypts with the secret key in
# WARDEN_BACKUP_IDENTITY (or a file named by WARDEN_BACKUP_IDENTITY_FILE), which the running
# site never needs. With WARDEN_BACKUP_DIR set the worker writes a backup there nightly and
# keeps the newest WARDEN_BACKUP_KEEP.
WARDEN_BACKUP_DIR = env_str("WARDEN_BACKUP_DIR")
WARDEN_BACKUP_RECIPIENT = env_list("WARDEN_BACKUP_RECIPIENT", [])
WARDEN_BACKUP_IDENTITY = env_str("WARDEN_BACKUP_IDENTITY")
WARDEN_BACKUP_KEEP = env_int("WARDEN_BACKUP_KEEP", 14)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_4xx": {"()": "warden.core.log_filters.OneLineClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # A 403 or 404 is one line with its reason; tracebacks are for server errors.
        "django.request": {"filters": ["one_line_4xx"]},
    },
}
