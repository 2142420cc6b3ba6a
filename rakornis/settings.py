"""Settings for Rakornis, read from the environment.

Everything that differs between a laptop and production comes from environment variables, read through the
small helpers below that fail loudly on a value they cannot parse.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# SITE_DIR holds templates/, static/, locale/ and reference_data/: the checkout, or their copy in an installed package.
from rakornis._site import SITE_DIR

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envurl(name: str) -> str:
    """An absolute http(s) address without a trailing slash (`https://rakornis.example.go.id`), or "" when unset."""
    value = os.environ.get(name, "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name} must be an address such as https://rakornis.example.go.id, got {value!r}")
    return value


def load_env_file(path: Path) -> None:
    """Read KEY=VALUE lines of a `.env` file into the environment; variables already set win."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("\"'"))


# `make run` writes a development .env (DEBUG=true), so `python manage.py ...` works in a checkout as it is.
load_env_file(BASE_DIR / ".env")

DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = "django-insecure-rakornis-development-only"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_tasks_db",
    "axes",
    "rakornis",
    "agencies",
    "programs",
    "meetings",
    "workplans",
    "indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rakornis.middleware.IndonesianByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rakornis.middleware.SessionActivityMiddleware",
    "rakornis.middleware.PrivateCacheMiddleware",
    "rakornis.middleware.RejectNullCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into templates/registration/lockout.html.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rakornis.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "rakornis.fiscal_year.context",
                "programs.notifications.context",
            ],
        },
    },
]

WSGI_APPLICATION = "rakornis.wsgi.application"
ASGI_APPLICATION = "rakornis.asgi.application"

# Database: SQLite in the project when DATABASE_URL is unset; PostgreSQL (or any dj-database-url URL) otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets the web server read while a long import or seed writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failures within AXES_COOLOFF_MINUTES, a username, and
# separately an address, is refused for AXES_COOLOFF_MINUTES after its last failure, on /masuk/ and /admin/login/
# alike (both go through AUTHENTICATION_BACKENDS). Administrators unlock in the admin (Axes > Access attempts:
# delete the row) or with `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS` / `axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# Behind a reverse proxy REMOTE_ADDR is the proxy's: rakornis.signin.client_ip reads X-Forwarded-For as written by
# the TRUSTED_PROXY_COUNT proxies in front of the application (0: none, REMOTE_ADDR is the client).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "rakornis.signin.client_ip"

# Email (Django 6.1's MAILERS; the EMAIL_* settings are deprecated, the environment keeps their names): an SMTP
# relay where EMAIL_HOST is set, else the console (the log). Password reset by email is offered only with a relay;
# otherwise its pages answer 404 and the login page does not offer it. Password change is always available.
_email_host = os.environ.get("EMAIL_HOST", "")
_email_ssl = envbool("EMAIL_USE_SSL", False)
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": envint("EMAIL_PORT", 465 if _email_ssl else 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", not _email_ssl),
                "use_ssl": _email_ssl,
                "timeout": 30,
            },
        }
        if _email_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "") or "rakornis@localhost"
PASSWORD_RESET_ENABLED = bool(_email_host)
# Notifications are also mailed (by the worker, programs.notifications) only where there is a relay.
NOTIFICATION_EMAILS = bool(_email_host)
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 3 * 3600)
# The application's own address, for links in what it sends outside a request (the worker's notification emails):
# `SITE_URL` + the page's path. Unset: the emails name the page's path on the site. `check --deploy` warns when mail
# is sent without it, or when it is not https (rakornis.checks).
SITE_URL = envurl("SITE_URL")

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (rakornis.middleware.SessionActivityMiddleware
# refreshes the expiry at most once a minute), and, with SESSION_EXPIRE_AT_BROWSER_CLOSE, when the browser closes.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_TIMEOUT", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# Internationalisation: Indonesian by default, English available.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [SITE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Makassar")
# Our own formats: `29 Januari 2026` (Django's own Indonesian DATE_FORMAT abbreviates the month).
FORMAT_MODULE_PATH = ["rakornis.formats"]
# Off: Django would put a separator into every integer it shows, a year's included (`TA 2.027` in pages and in the
# admin's columns, filters and read-only fields; no field type or template hook escapes it). Quantities ask for
# theirs: `rupiah`, `intcomma`, `floatformat:"g"`, rakornis.numbers in forms.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
# Where collectstatic writes (and whitenoise serves from); an installed copy sets it, site-packages is no place.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", "") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [SITE_DIR / "static"]
REFERENCE_DATA_DIR = SITE_DIR / "reference_data"
# Uploads waiting for confirmation and the files of background jobs go through Django's storage API, so that web and
# worker processes on different machines share them: the filesystem (MEDIA_ROOT, shared by all processes of one
# machine) by default; with STORAGE_BACKEND=s3 an S3-compatible bucket (MinIO, Ceph, AWS) through django-storages
# (`pip install ".[s3]"`). Private either way: downloads go only through the owner-checked job views. The S3
# credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the machine's role, as boto3
# reads them; they are never written here.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "") or "filesystem"
if STORAGE_BACKEND == "filesystem":
    DEFAULT_STORAGE: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be filesystem or s3, not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# HTTPS: HSTS and the redirect are off by default (a first deployment without a certificate would lock browsers
# out); the production environment in the README turns them on. Behind a TLS-terminating proxy,
# SECURE_PROXY_SSL_HEADER names the header it sets: `HTTP_X_FORWARDED_PROTO` (value `https`) or `NAME,value`.
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
_proxy_ssl_header = envlist("SECURE_PROXY_SSL_HEADER", [])
if len(_proxy_ssl_header) > 2:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be a header name, optionally followed by ',value'.")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], (_proxy_ssl_header[1:] or ["https"])[0]) if _proxy_ssl_header else None

# Content-Security-Policy (Django's own, django.middleware.csp): scripts, styles, images and fonts from this site
# only; no inline script, event handler or style attribute anywhere in templates/ (behaviour in static/js, sizes in
# static/css). The nonce is for the admin, whose changelist carries a <style> with {% csp_nonce_attr %}. data:
# images are Bootstrap's icons (select arrows, the menu button) inside its stylesheet.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# The proposal map (programs map view, static/js/map.js): a tile server URL in Leaflet's form
# (`https://tiles.example.go.id/{z}/{x}/{y}.png`), so an office can use its own tiles, and the attribution its licence
# asks for. Empty (the default): no tiles are fetched and the points are drawn on a blank background with the
# kabupaten/kota extents. The tile host is then allowed in img-src, and nowhere else.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
if MAP_TILE_URL:
    _tile_origin = urlsplit(MAP_TILE_URL.replace("{s}", "a"))
    if _tile_origin.scheme not in {"http", "https"} or not _tile_origin.hostname:
        raise ImproperlyConfigured("MAP_TILE_URL must be an http(s) URL such as https://tile.example/{z}/{x}/{y}.png")
    # `{s}` subdomains (a, b, c.tile.example) are allowed with a wildcard on the parent host.
    _tile_host = _tile_origin.netloc.replace("a.", "*.", 1) if "{s}." in MAP_TILE_URL else _tile_origin.netloc
    SECURE_CSP["img-src"] = [CSP.SELF, "data:", f"{_tile_origin.scheme}://{_tile_host}"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Proposal import (.xlsx): bounds on what an upload may make the server read.
IMPORT_MAX_UPLOAD_BYTES = envint("IMPORT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 20_000)
IMPORT_MAX_UNCOMPRESSED_BYTES = envint("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
# ... and on the work it makes the worker do (programs/xlsx/importer/reading.py): a small zip can hold millions of
# shared strings or cells, and a parse past its CPU seconds is refused too.
IMPORT_MAX_SHARED_STRINGS = envint("IMPORT_MAX_SHARED_STRINGS", 200_000)
IMPORT_MAX_CELLS = envint("IMPORT_MAX_CELLS", 1_000_000)
IMPORT_MAX_SHEET_ROWS = envint("IMPORT_MAX_SHEET_ROWS", 100_000)
IMPORT_MAX_PART_BYTES = envint("IMPORT_MAX_PART_BYTES", 8 * 1024 * 1024)
IMPORT_MAX_PARSE_SECONDS = envint("IMPORT_MAX_PARSE_SECONDS", 30)
# Supporting documents of a proposal (PDF, JPEG, PNG, XLSX): the largest file accepted.
DOCUMENT_MAX_UPLOAD_BYTES = envint("DOCUMENT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Uploads: an .xlsx above FILE_UPLOAD_MAX_MEMORY_SIZE spills to a temporary file rather than memory; the import
# view refuses a request body above IMPORT_MAX_UPLOAD_BYTES before reading it. Other bodies keep Django's bound.
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# Files the application writes: uploads waiting for confirmation (imports/) and finished background exports
# (jobs/). Never served directly: downloads go through views that check the owner.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "") or BASE_DIR / "media")

# Background work (Django's tasks framework): the database backend and its worker, `manage.py run_worker`.
# An export or import of more rows than EXCEL_BACKGROUND_THRESHOLD runs there, with a progress page; so does the check
# of every uploaded workbook. A running job stamps a heartbeat every JOB_HEARTBEAT_SECONDS; one without a stamp for
# JOB_LEASE_SECONDS lost its worker and is retried once or failed (programs/jobs.py).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "") or "django_tasks_db.DatabaseBackend"}}
EXCEL_BACKGROUND_THRESHOLD = envint("EXCEL_BACKGROUND_THRESHOLD", 5_000)
JOB_HEARTBEAT_SECONDS = envint("JOB_HEARTBEAT_SECONDS", 15)
JOB_LEASE_SECONDS = envint("JOB_LEASE_SECONDS", 60)
