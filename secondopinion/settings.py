"""Settings for every way Second Opinion runs, read from the environment in one place.

With nothing set the app runs embedded: SQLite, files, mail and the Celery broker all under var/.
`DJANGO_ENV=production` switches on the hardening that `manage.py check --deploy` asks for.
Every variable is listed in README.md (Configuration).
"""

import secrets
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment; in development, one generated once into var/."""
    if key := env.str("SECRET_KEY", default=""):
        return key
    if PRODUCTION:
        raise environ.ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address used in emails and links sent outside the app (provider links, notifications).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The name every email signs with and puts in its subject (never the host name).
SERVICE_NAME = env.str("SERVICE_NAME", default="Second Opinion")

INSTALLED_APPS = [
    # The Django admin, opened only after allauth's sign-in with two-factor authentication.
    "secondopinion.accounts.admin_config.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "secondopinion.accounts",
    "secondopinion.audit",
    "secondopinion.notifications",
    "cases",
    "records",
    "specialists",
    "review",
    "messaging",
    "referrals",
    "outcomes",
    "data_rights",
    "backoffice",
]

MIDDLEWARE = [
    # First, so that every response carries it: static files, redirects, error pages.
    "secondopinion.headers.cross_origin_resource_policy_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their cache lifetimes, everything else is no-store.
    "secondopinion.headers.no_store_middleware",
    "secondopinion.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session, before CommonMiddleware (Django's order): the cookie's or the browser's
    # language; AccountLanguageMiddleware below puts a signed-in person's own choice over it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "secondopinion.accounts.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "secondopinion.headers.permissions_policy_middleware",
    "allauth.account.middleware.AccountMiddleware",
    "secondopinion.accounts.middleware.StaffMFAMiddleware",
    "secondopinion.accounts.middleware.IdleSessionMiddleware",
    "secondopinion.errors.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "secondopinion.urls"
FORM_RENDERER = "secondopinion.forms.FormRenderer"
WSGI_APPLICATION = "secondopinion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # A person's name isolated for direction inside our sentences (|isolated), and what
            # our code kept as Words, in the reader's language (|spoken).
            "builtins": ["secondopinion.templatetags.people", "secondopinion.templatetags.words"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "secondopinion.accounts.context_processors.roles",
                "secondopinion.languages.language_choices",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: each gunicorn (sync) worker and Celery process keeps its connection
# for up to 10 minutes instead of opening one per request (about 7 ms each under gunicorn). A
# psycopg pool (OPTIONS={"pool": ...}) would pay off with threads or ASGI; one sync worker runs
# one request at a time, so one kept connection per process is the whole pool it needs, and it
# adds no idle connections beyond the processes that exist. DATABASE_CONN_MAX_AGE=0 turns it off
# (for example behind PgBouncer in transaction mode). SQLite opens a file: nothing to keep.
_persistent = 0 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 600
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=_persistent)
# A kept connection is checked before each request uses it: after a database restart the first
# request reconnects instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Parameters bound by the server, so that psycopg prepares a statement the connection has run five
# times: PostgreSQL then plans it once per connection, not at each request (the case page's own
# query took 4 ms to plan and 0.3 ms to run). Off behind a pooler that cannot keep prepared
# statements (PgBouncer in transaction mode): DATABASE_SERVER_SIDE_BINDING=0.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_SERVER_SIDE_BINDING", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker process in the tests sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
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

# django-allauth: email login, mandatory verification, MFA for staff (enforced in accounts).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "secondopinion.accounts.forms.SignupDetailsForm"
ACCOUNT_ADAPTER = "secondopinion.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SERVICE_NAME}] "
# Tell people by email when their password, email addresses or two-factor authentication change.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Behind reverse proxies (a load balancer, nginx): how many of ours append to X-Forwarded-For, or
# the one header a proxy of ours overwrites with the client's address. Sign-in and referral limits
# and the audit log read the client's address through them (accounts/client_ip.py). 0 and unset:
# forwarded headers are ignored and the address is the connection's own.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Second Opinion"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION

# Languages (README, Languages): English is the default and the fallback for any code we do not
# offer. A visitor's choice is kept in Django's language cookie; a signed-in person's on their
# account (accounts.middleware.AccountLanguageMiddleware), which wins over the cookie. Each name
# is written in its own language, as the switch shows it.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Number separators as US Spanish readers write them (secondopinion/formats/es).
FORMAT_MODULE_PATH = ["secondopinion.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Static files come from npm packages (node_modules) and static/; WhiteNoise serves them.
STATIC_URL = "/static/"
# collectstatic's target (used in production images); in development WhiteNoise reads the finders.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/uswds/css", NODE_MODULES / "@uswds/uswds/dist/css"),
    ("vendor/uswds/js", NODE_MODULES / "@uswds/uswds/dist/js"),
    ("vendor/uswds/fonts", NODE_MODULES / "@uswds/uswds/dist/fonts"),
    ("vendor/uswds/img", NODE_MODULES / "@uswds/uswds/dist/img"),
    ("vendor/htmx", NODE_MODULES / "htmx.org/dist"),
    ("vendor/uppy", NODE_MODULES / "uppy/dist"),
    # Uppy's own texts in other languages (records/partials/uploader.html loads the page's).
    ("vendor/uppy-locales", NODE_MODULES / "@uppy/locales/dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js/dist"),
    # The record viewers (templates/records/partials/viewer.html): pdf.js with its worker, fonts
    # and image decoders, and dwv for DICOM with its decoder workers (dist/assets/workers,
    # found next to dwv.min.js) and konva (konva.min.js), the one library it needs on the page.
    ("vendor/pdfjs/build", NODE_MODULES / "pdfjs-dist/build"),
    ("vendor/pdfjs/wasm", NODE_MODULES / "pdfjs-dist/wasm"),
    ("vendor/pdfjs/standard_fonts", NODE_MODULES / "pdfjs-dist/standard_fonts"),
    ("vendor/pdfjs/cmaps", NODE_MODULES / "pdfjs-dist/cmaps"),
    ("vendor/dwv", NODE_MODULES / "dwv/dist"),
    ("vendor/konva", NODE_MODULES / "konva"),
]
WHITENOISE_USE_FINDERS = not PRODUCTION

# Uploaded records and generated reports: a private folder under var/ (never under the web
# root, never served by the static handler), or S3-compatible object storage.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = None
S3_BUCKET = env.str("S3_BUCKET", default="")


def s3_storage(*, bucket: str, endpoint_url=None, access_key="", secret_key="", region=None):
    """django-storages' S3 backend for the private bucket: every object private, reads through
    the app (or a presigned URL valid 60 s), never overwritten in place."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "access_key": access_key,
            "secret_key": secret_key,
            "region_name": region,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
        },
    }


if S3_BUCKET:
    private_storage = s3_storage(
        bucket=S3_BUCKET,
        endpoint_url=env.str("S3_ENDPOINT_URL", default="") or None,
        access_key=env.str("S3_ACCESS_KEY_ID", default=""),
        secret_key=env.str("S3_SECRET_ACCESS_KEY", default=""),
        region=env.str("S3_REGION", default="") or None,
    )
else:
    private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": private_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads above this size go to a temporary file, never held whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
RECORD_MAX_UPLOAD_BYTES = env.int("RECORD_MAX_UPLOAD_BYTES", default=2 * 1024**3)
# Resumable (tus) uploads: the browser sends each file in requests of RECORD_UPLOAD_CHUNK_BYTES;
# each is stored at once in the configured storage (S3 multipart upload parts; with local
# storage, written in place in the upload's data file in RECORD_UPLOAD_DIR, a folder every web
# node must share, as MEDIA_ROOT), and the offset is kept in the database, so any node takes the
# next chunk (records/upload_parts.py). Unfinished uploads expire.
RECORD_UPLOAD_DIR = Path(env.str("RECORD_UPLOAD_DIR", default=str(VAR_DIR / "uploads")))
RECORD_UPLOAD_CHUNK_BYTES = env.int("RECORD_UPLOAD_CHUNK_BYTES", default=50 * 1024 * 1024)
RECORD_UPLOAD_EXPIRY_HOURS = env.int("RECORD_UPLOAD_EXPIRY_HOURS", default=24)
# Quotas on unfinished resumable uploads, so one account or one provider link cannot hold the
# disk: how many may be open at once, and the bytes they declare together, per uploader (a
# signed-in user, or one records request's link) and per case.
RECORD_OPEN_UPLOADS_PER_UPLOADER = env.int("RECORD_OPEN_UPLOADS_PER_UPLOADER", default=20)
RECORD_OPEN_UPLOADS_PER_CASE = env.int("RECORD_OPEN_UPLOADS_PER_CASE", default=30)
RECORD_OPEN_UPLOAD_BYTES_PER_UPLOADER = env.int(
    "RECORD_OPEN_UPLOAD_BYTES_PER_UPLOADER", default=8 * 1024**3
)
RECORD_OPEN_UPLOAD_BYTES_PER_CASE = env.int(
    "RECORD_OPEN_UPLOAD_BYTES_PER_CASE", default=16 * 1024**3
)
# Virus scanning: clamd on a Unix socket or TCP. Neither set: files are marked "not scanned".
# /readyz answers 503 ("draining") while this file exists, so the load balancer sends the node no
# new requests before it stops (deploy/: the web unit creates it on stop; empty: never drains).
READINESS_DRAIN_FILE = env.str("READINESS_DRAIN_FILE", default="")
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=120)
# Records requests: how long a provider's link works, and when they are reminded.
RECORDS_REQUEST_LINK_DAYS = env.int("RECORDS_REQUEST_LINK_DAYS", default=14)
RECORDS_REQUEST_REMINDER_DAYS = env.int("RECORDS_REQUEST_REMINDER_DAYS", default=3)
RECORDS_REQUEST_MAX_REMINDERS = env.int("RECORDS_REQUEST_MAX_REMINDERS", default=2)

# Email: written to var/mail/ in development; SMTP or any django-anymail backend in production.
MAIL_DIR = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")))


def mailer(backend: str) -> dict:
    """A MAILERS entry for `backend`, with the options that backend takes from the environment."""
    options: dict = {}
    if backend == "django.core.mail.backends.filebased.EmailBackend":
        options = {"file_path": str(MAIL_DIR)}
    elif backend == "django.core.mail.backends.smtp.EmailBackend":
        options = {
            "host": env.str("EMAIL_HOST", default="localhost"),
            "port": env.int("EMAIL_PORT", default=25),
            "username": env.str("EMAIL_HOST_USER", default=""),
            "password": env.str("EMAIL_HOST_PASSWORD", default=""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=False),
            "timeout": 10,
        }
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {
    "default": mailer(
        env.str(
            "EMAIL_BACKEND",
            default="django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.filebased.EmailBackend",
        )
    )
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Second Opinion <no-reply@localhost>")
# Where people can write to a person. When set, emails carry it as Reply-To and say so; when
# empty, emails come from the no-reply sender and never invite a reply.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="")
ANYMAIL = env.json("ANYMAIL", default={})

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/, a real
# broker that needs no server. Never task_always_eager: a real worker runs in every mode.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_QUEUE_DIR = Path(env.str("CELERY_QUEUE_DIR", default=str(VAR_DIR / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    for folder in ("queue", "processed", "results", "control"):
        (CELERY_QUEUE_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # kombu's, writing each message whole before a worker can see it (secondopinion/broker.py).
    CELERY_BROKER_TRANSPORT = "secondopinion.broker.Transport"
    CELERY_RESULT_BACKEND = f"file://{CELERY_QUEUE_DIR / 'results'}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="secondopinion")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
# Side effects are fire-and-forget: nothing waits on a task's result. Asking for results made
# every enqueue subscribe to Redis for them, so with Redis down a page hung ~20 s per task while
# Celery retried. Tasks whose result is awaited say ignore_result=False (the ping).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker logs through LOGGING below (its redaction filter included) instead of replacing the
# root logger's handlers with its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly: the outbox keeps the work, so a request never hangs on the broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule itself is not configuration: it lives with the Celery app (celery.py).
# The metrics page shows figures at most this old (the beat task refreshes them sooner).
METRICS_MAX_AGE_SECONDS = env.int("METRICS_MAX_AGE_SECONDS", default=300)

# Attempt limits (sign-in, password reset, referrals) and used TOTP codes live in the cache. On
# Redis it degrades instead of failing: with Redis down, sign-in still works, each process counting
# in its own memory until Redis answers again (secondopinion/cache.py). Short socket timeouts so
# that an unreachable Redis costs a request well under a second.
# CACHE_URL puts the cache on another Redis than the broker's (by default the same REDIS_URL).
CACHE_URL = env.str("CACHE_URL", default=REDIS_URL)
CACHES = {
    "default": {
        "BACKEND": "secondopinion.cache.ResilientRedisCache",
        "LOCATION": CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Security headers everywhere; the production block adds what needs HTTPS.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    # The nonce is used by one tag only: the viewers' import map (records/partials/viewer.html),
    # which a browser reads only inline; pages without it send no nonce.
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60)
# The age is an inactivity timeout: IdleSessionMiddleware renews it (at most once a minute, so a
# page does not write the session table on every request).
SESSION_SAVE_EVERY_REQUEST = False
# Specialists and coordinators are signed out sooner: their sessions reach many patients' records.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=15 * 60)
# What someone was typing when the idle sign-out came is kept this long for them to come back to.
FORM_DRAFT_DAYS = env.int("FORM_DRAFT_DAYS", default=30)

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Every handler redacts secrets and search terms from paths (secondopinion/logging.py); Django's
# own loggers (its 404 warnings, runserver's access log) hand their lines to the root's handler
# instead of the unfiltered ones Django configures for them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "secondopinion.audit.middleware.RequestIdLogFilter"},
        "redact_secrets": {"()": "secondopinion.logging.RedactSecrets"},
        "without_document_text": {"()": "secondopinion.logging.WithoutDocumentText"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint's warnings quote the report's text (a name's glyph no font has): not kept.
        "weasyprint": {"level": "WARNING", "filters": ["without_document_text"]},
        "fontTools": {"level": "WARNING"},
    },
}

# Product settings.
OFFER_RESPONSE_HOURS = env.int("OFFER_RESPONSE_HOURS", default=48)
# Coordinators see open offers whose answer is due within this many hours as about to expire.
OFFER_EXPIRY_WARNING_HOURS = env.int("OFFER_EXPIRY_WARNING_HOURS", default=12)
# Conflict-of-interest screening: a specialist who worked at the patient's treating hospital
# within this many years is not matched with the case.
COI_AFFILIATION_YEARS = env.int("COI_AFFILIATION_YEARS", default=5)
# Coordinators see licences that expire within this many days.
LICENCE_EXPIRY_WARNING_DAYS = env.int("LICENCE_EXPIRY_WARNING_DAYS", default=60)
# After delivery the patient may ask this many follow-up questions within this many days; the
# case closes when the window ends.
FOLLOW_UP_MAX_QUESTIONS = env.int("FOLLOW_UP_MAX_QUESTIONS", default=3)
FOLLOW_UP_DAYS = env.int("FOLLOW_UP_DAYS", default=30)
# A link that lets the patient's own doctor download the report once works for this many days.
REPORT_SHARE_DAYS = env.int("REPORT_SHARE_DAYS", default=7)
# SLA watch (hourly): the specialist is reminded this many working days before the review is
# due; the patient when a question has waited this many working days for their answer.
SLA_REMINDER_WORKING_DAYS_BEFORE = env.int("SLA_REMINDER_WORKING_DAYS_BEFORE", default=1)
SLA_ANSWER_REMINDER_WORKING_DAYS = env.int("SLA_ANSWER_REMINDER_WORKING_DAYS", default=3)


def _service_levels() -> dict[str, int]:
    """Working days per step of a case (the expected dates on its timeline); SERVICE_LEVELS in
    the environment is JSON that overrides some or all, e.g. {"review": 7}."""
    levels = {"triage": 2, "matching": 2, "offer": 2, "review": 10, "quality_check": 1}
    overrides = env.json("SERVICE_LEVELS", default={})
    unknown = set(overrides) - set(levels)
    if unknown or not all(type(days) is int and days >= 0 for days in overrides.values()):
        raise environ.ImproperlyConfigured(
            f"SERVICE_LEVELS takes whole numbers of working days for {sorted(levels)}."
        )
    return levels | overrides


SERVICE_LEVELS = _service_levels()
# A delivered opinion (and the case behind it) is kept at least this many days after delivery
# before a patient's deletion request can be carried out.
DATA_RETENTION_DAYS = env.int("DATA_RETENTION_DAYS", default=30)
