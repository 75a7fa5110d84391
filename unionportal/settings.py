"""Settings for Union Portal: every knob comes from the environment.

With no environment at all the portal runs on one machine with no servers
(SQLite under var/, Celery on kombu's SQLAlchemy transport over a SQLite file,
console e-mail). Production sets DATABASE_URL, REDIS_URL, EMAIL_URL and the
variables listed in README.md.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (written by `make run` for development) fills in what the
# environment leaves unset; real environment variables always win.
ENV_FILE = Path(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    env.read_env(ENV_FILE)

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Core ----------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# With DEBUG on, Django's technical 404 and 500 pages instead of the portal's
# (unionportal.error_pages); tracebacks go to the console either way.
TECHNICAL_ERROR_PAGES = env.bool("DJANGO_TECHNICAL_ERROR_PAGES", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105


def secret_key_problem(key: str) -> str | None:
    """Return why a secret key is unfit for production, or None if it is fit."""
    if not key:
        return "DJANGO_SECRET_KEY is not set."
    if key == DEV_SECRET_KEY or key.startswith("django-insecure"):
        return "DJANGO_SECRET_KEY is the development key."
    if len(key) < 50 or len(set(key)) < 5:
        return "DJANGO_SECRET_KEY is too weak: use at least 50 characters, varied."
    return None


if DEBUG:
    SECRET_KEY = SECRET_KEY or DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    problem = secret_key_problem(SECRET_KEY)
    if problem:
        raise ImproperlyConfigured(
            f"{problem} Generate one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(64))' and set it in the environment, "
            "or set DJANGO_DEBUG=true for local development."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is empty: list the host names the portal "
            "answers to, comma-separated (e.g. congdoan.example.vn)."
        )

INSTALLED_APPS = [
    # django.contrib.admin, with the staff home as the admin's index.
    "unionportal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "unionportal.apps.LoginLocksConfig",  # django-axes
    "csp",
    "import_export",
    "django_celery_beat",
    "treebeard",
    "members",
    "learning",
    "inspections",
    "feedback",
    "unionportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "unionportal.middleware.PortalLanguageMiddleware",
    # The Vietnamese 404 and 500 with DEBUG on too (TECHNICAL_ERROR_PAGES below).
    "unionportal.error_pages.DebugErrorPagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "unionportal.middleware.StaffSecondFactorMiddleware",
    "unionportal.middleware.PersonalPagesNoStoreMiddleware",
    # Last, so that it turns a lockout flagged during the view into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "unionportal.urls"
WSGI_APPLICATION = "unionportal.wsgi.application"
ASGI_APPLICATION = "unionportal.asgi.application"

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
                "unionportal.context_processors.portal",
            ],
        },
    },
]

# Data ----------------------------------------------------------------------

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica of the primary for the heavy reports (members.db):
# optional; docs/deploy.md says when to add one. Tests mirror it on default.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner settings for each session. random_page_cost 1.1 (PostgreSQL's
    # default of 4 assumes spinning disks) lets the care radar and searches
    # join through indexes instead of scanning the register (docs/benchmarks.md).
    # An empty PG_SESSION_OPTIONS leaves the server's configuration alone.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env.str(
        "PG_SESSION_OPTIONS", default="-c random_page_cost=1.1"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"

REDIS_URL = env.str("REDIS_URL", default="")

if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # Shared between the web process and the worker, unlike local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Celery --------------------------------------------------------------------

CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL",
    default=REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}",
)
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=REDIS_URL or f"db+sqlite:///{VAR_DIR / 'celery-results.sqlite3'}",
)
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis redelivers an unacknowledged task after this long: longer than
        # any task.
        "visibility_timeout": 2 * 3600,
        # A broker that does not answer fails a publish in seconds, instead of
        # holding the web request that queued the task (kombu waits forever).
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Four queues, so that a big HRM import or a long analysis never delays a
# reminder: "reminders" (notifications, their deliveries, activation e-mails),
# "imports" (HRM files, read whole), "analysis" (long computations: video
# renditions, programme lists, retention, text analysis) and "default" (the
# rest). A worker started without --queues takes all four (the Procfile's);
# production runs one worker a queue or group of queues (docs/deploy.md).
# Every task of the project is routed here by name; tests/unionportal checks it.
CELERY_TASK_DEFAULT_QUEUE = "default"
QUEUE_TASKS = {
    "reminders": [
        "members.tasks.reminder_due",
        "members.tasks.deliveries_send",
        "members.tasks.deliveries_release",
        "members.tasks.account_activation_send",
        "feedback.tasks.survey_action_notify",
    ],
    "imports": [
        "members.tasks.import_run_execute",
        "members.tasks.import_drop_dir_scan",
    ],
    "analysis": [
        "members.tasks.programmes_refresh_members",
        "members.tasks.programmes_refresh_unit",
        "members.tasks.programmes_refresh_all",
        "members.tasks.retention_run",
        "learning.tasks.video_rendition_make",
        "feedback.tasks.survey_analysis_run",
    ],
    "default": [
        "members.tasks.import_files_purge",
        "members.tasks.import_files_erase",
        "learning.tasks.assignments_sync",
        "learning.tasks.quests_check",
        "learning.tasks.quests_check_for_member",
        "learning.tasks.streaks_settle",
        "unionportal.tasks.worker_heartbeat",
    ],
}
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in QUEUE_TASKS]
CELERY_TASK_ROUTES = {
    task: {"queue": queue} for queue, tasks in QUEUE_TASKS.items() for task in tasks
}
# A worker that has not reported for this long is shown as down on /healthz.
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=120)

# E-mail --------------------------------------------------------------------

# EMAIL_URL is smtp://user:password@host:587/?tls=True (or smtps://, consolemail://).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Seconds an SMTP server may keep a socket operation waiting (Django's default
# waits forever): a hung server fails the send, which is retried with backoff,
# instead of holding a chunk until its 60 s hard time limit (members.tasks).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL",
    default="Công đoàn Thông tin và Truyền thông <no-reply@localhost>",
)
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("Admin", a) for a in env.list("DJANGO_ADMINS", default=[])]

# Accounts ------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out (account, address) before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Công đoàn] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Per address, and per key: for a password the key is one account from one
    # address (members.adapters.AccountAdapter), never the account alone, which
    # let anyone lock a member out; for the two-step code it is the account.
    # The lock of one account from one address is django-axes' (AXES_* below).
    "login_failed": "10/m/ip,20/15m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "signup": "20/m/ip",
    # The public certificate check (learning): enough for a QR scan, not a sweep.
    "certificate_verify": "30/m/ip",
}
# How many reverse proxies in front of the portal append to X-Forwarded-For:
# the client is the address the outermost of them saw; whatever a client
# writes into the header itself is ignored. 0: no proxy, REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Two-factor authentication (allauth.mfa): required before the admin of
# superusers and of staff whose permissions open personal data
# (members.second_factor, unionportal.middleware), optional for other staff.
MFA_ADAPTER = "members.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# One step either side of the current 30 s, for phones whose clock drifts.
MFA_TOTP_TOLERANCE = 1
# Days such staff may use the admin without it, from their first admin visit
# that needed it; superusers get none. 0: set it up at the first visit.
MFA_STAFF_GRACE_DAYS = env.int("MFA_STAFF_GRACE_DAYS", default=14)

# Lockout of one account from one address after repeated failed passwords
# (django-axes, on every authenticate() call: the portal's and the admin's
# login are the same page). Never permanent: it lifts after the cool-off.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "unionportal.login_guard.login_username"
AXES_CLIENT_IP_CALLABLE = "unionportal.login_guard.client_ip"
AXES_LOCKOUT_CALLABLE = "unionportal.login_guard.lockout_response"
AXES_RESET_ON_SUCCESS = True
# A try during the lock (even with the right password) is refused and not
# recorded: the lock ends AXES_COOLOFF_TIME after the failure that set it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Keep failures only: successful logins are not a log the union needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "login", "email"]
AXES_VERBOSE = False

# Internationalisation ------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "thirdparty"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["unionportal.formats"]

# Static files --------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [
    # Pico CSS, installed by npm from package.json.
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Uploaded files (lesson videos, HRM files, evidence…): on this machine's disk
# ("local", MEDIA_ROOT), or, when several web nodes serve, in an
# S3-compatible bucket through django-storages ("s3"): private objects, read
# through short-lived signed links (docs/deploy.md).
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE == "s3":
    if not env.str("MEDIA_S3_BUCKET", default=""):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("MEDIA_S3_BUCKET"),
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("MEDIA_S3_SECRET_KEY", default="") or None,
            "location": env.str("MEDIA_S3_PREFIX", default=""),
            # Private objects: never public-read, never overwritten by name.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": env.int("MEDIA_S3_LINK_SECONDS", default=3600),
            "signature_version": "s3v4",
        },
    }
elif MEDIA_STORAGE != "local":
    raise ImproperlyConfigured("MEDIA_STORAGE is local or s3.")
# Lesson videos go through a view that checks who may watch; behind nginx it
# hands the file back with X-Accel-Redirect to this internal location (or the
# header named here, e.g. X-Sendfile), so the web server serves the ranges.
MEDIA_ACCEL_REDIRECT = env.str("MEDIA_ACCEL_REDIRECT", default="")
MEDIA_ACCEL_HEADER = env.str("MEDIA_ACCEL_HEADER", default="X-Accel-Redirect")

# Security ------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
    else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer checks each node over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/web)?$"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF or language cookie: forms carry the token.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: no inline script, style or event handler anywhere; data: images
# for Pico's icons and the TOTP QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # Lessons may play a video hosted elsewhere (Lesson.video_url).
        "media-src": [SELF, *env.list("CSP_MEDIA_HOSTS", default=[])],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[])

# Logging -------------------------------------------------------------------

# Every handler masks national IDs and phone numbers (members.logging); error
# reports go through its AdminEmailHandler, and Django's own unmasked console
# handlers are replaced.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "members.logging.PersonalDataFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        },
        "mail_admins": {
            "class": "members.logging.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-axes logs every successful login at INFO; failures are warnings.
        "axes": {"level": "WARNING"},
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["console"], "propagate": False},
    },
}

# Portal --------------------------------------------------------------------

PORTAL_NAME = env.str("PORTAL_NAME", default="Công đoàn Thông tin và Truyền thông")
# Seconds for which the QR code of a member's e-card stays valid.
ECARD_TOKEN_MAX_AGE = env.int("ECARD_TOKEN_MAX_AGE", default=86400)

# Notifications ---------------------------------------------------------------

# Channels besides the portal inbox (members.channels). A listed channel that
# lacks its settings is off: Web Push needs the VAPID keys below.
NOTIFICATION_CHANNELS = env.list("NOTIFICATION_CHANNELS", default=["email", "webpush"])
# No e-mail or push between these local hours; held until the quiet time ends.
NOTIFICATION_QUIET_START = env.int("NOTIFICATION_QUIET_START", default=21)
NOTIFICATION_QUIET_END = env.int("NOTIFICATION_QUIET_END", default=7)
# The port `make run` serves on (Procfile); e-mail links follow it by default.
WEB_PORT = env.int("WEB_PORT", default=8000)
# The address links in e-mails point to.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default=f"http://127.0.0.1:{WEB_PORT}")
# A care case with no visit for this many days is reminded to the care officers.
CARE_UNVISITED_DAYS = env.int("CARE_UNVISITED_DAYS", default=14)

# Web Push --------------------------------------------------------------------

# The channel of members.channels.WebPushChannel. The portal's VAPID key pair,
# base64url (`manage.py webpush_keys` makes one; `make run` writes a
# development pair into .env). Without both keys Web Push is off: no channel,
# and the settings page offers no switch. The subject is the contact push
# services write to about problems (mailto: or https://); by default the
# address of DEFAULT_FROM_EMAIL.
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="")
# Hosts a subscription's endpoint may point to (a name matches itself and its
# subdomains): the browsers' push services. The portal POSTs to these from its
# workers, so an address a member made up must not reach the internal network.
WEBPUSH_ENDPOINT_HOSTS = env.list(
    "WEBPUSH_ENDPOINT_HOSTS",
    default=[
        "fcm.googleapis.com",  # Chrome, Edge on Android, Samsung, Opera, Cốc Cốc
        "android.googleapis.com",
        "push.services.mozilla.com",  # Firefox
        "notify.windows.com",  # Edge on Windows
        "push.apple.com",  # Safari
    ],
)
# Seconds a push message waits for a phone that is offline before it is dropped.
WEBPUSH_TTL = env.int("WEBPUSH_TTL", default=24 * 3600)
# Seconds to connect to a push service and to wait for its answer; a timeout
# is retried with backoff like an SMTP hang-up.
WEBPUSH_TIMEOUT = env.float("WEBPUSH_TIMEOUT", default=10.0)

# HRM imports -----------------------------------------------------------------

# Larger uploads are refused before anything is parsed.
HRM_IMPORT_MAX_BYTES = env.int("HRM_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# What reading one workbook may hold (members.hrm.xlsx_scan): 160 MB keeps a
# worker under 300 MB and fits an 82,000-row export of about 20 columns; a
# worker with memory to spare may take wider files with a larger budget.
HRM_IMPORT_READ_MAX_BYTES = env.int(
    "HRM_IMPORT_READ_MAX_BYTES", default=160 * 1024 * 1024
)
# Scheduled imports pick new files from <IMPORT_DROP_DIR>/<employer code>/.
IMPORT_DROP_DIR = Path(env.str("IMPORT_DROP_DIR", default=str(VAR_DIR / "hrm-drop")))
# Stored HRM files (and resolved held rows' cells) are deleted this many days
# after their last run (0: never).
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=90)
# Members who left are de-identified this many days later (0: never).
MEMBER_RETENTION_DAYS = env.int("MEMBER_RETENTION_DAYS", default=5 * 365)
