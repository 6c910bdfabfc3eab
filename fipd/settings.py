"""Settings, read from the environment (django-environ); `.env.example` lists every variable."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY est obligatoire hors du mode debug : une chaîne aléatoire d'au moins 50 caractères "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "widget_tweaks",
    "dsfr",
    "fipd",
    "programmation",
]

MIDDLEWARE = [
    "fipd.journal.IdentifiantDeRequete",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "fipd.intergiciels.PasDeCachePourLesPagesConnectees",
    "fipd.intergiciels.BaseIndisponible",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fipd.urls"
WSGI_APPLICATION = "fipd.wsgi.application"
ASGI_APPLICATION = "fipd.asgi.application"

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
                "dsfr.context_processors.site_config",
            ],
        },
    },
]

# Forms render with the project's template engine (its cached loader), not a second engine of their own.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: DATABASE_URL, by default an SQLite file in the project folder.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # select_for_update does nothing on SQLite: IMMEDIATE transactions take the write lock when they begin,
    # so concurrent writers wait (up to the busy timeout) instead of failing (DESIGN.md §3.4).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file, not the shared in-memory database, so that threaded tests lock as production does; one per
    # test process, so that two runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"fipd-test-{os.getpid()}.sqlite3")
    }
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Persistent connections in production (a connection per request costs more than most pages' queries).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "fipd.Utilisateur"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "connexion"
LOGIN_REDIRECT_URL = "accueil"
LOGOUT_REDIRECT_URL = "connexion"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="FIPD Programmation <ne-pas-repondre@fipd.local>")

# Size cap of a programmation file (JSON, CSV, XLSX), in bytes, checked before its content is parsed.
FIPD_TAILLE_MAXIMALE_FICHIER = env.int("FIPD_TAILLE_MAXIMALE_FICHIER", default=10 * 1024 * 1024)
# Where an uploaded spreadsheet waits between its import's preview and its confirmation (an hour at most): a
# folder every web worker of the host shares. Default: « fipd-imports » in the system's temporary directory.
FIPD_DOSSIER_IMPORTS = env.str(
    "FIPD_DOSSIER_IMPORTS", default=os.path.join(tempfile.gettempdir(), "fipd-imports")
)

# Uploaded and generated files (the validated versions' PDFs and their signed scans), through Django's
# storage API: a folder outside the static files, never served directly (the views check the reader's scope).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "medias/"
# Size cap of a signed scan (PDF), in bytes, checked before its content is read (default: 20 Mo).
FIPD_TAILLE_MAXIMALE_SCAN = env.int("FIPD_TAILLE_MAXIMALE_SCAN", default=20 * 1024 * 1024)
# The service's public address, printed (and QR-encoded) on every page of a validated version.
FIPD_URL_PUBLIQUE = env.str("FIPD_URL_PUBLIQUE", default="http://127.0.0.1:8000").rstrip("/")
# Public verification page: requests allowed per address and per minute (beyond: 429).
FIPD_VERIFICATIONS_PAR_MINUTE = env.int("FIPD_VERIFICATIONS_PAR_MINUTE", default=30)

# --- Task queue (Celery, fipd/celery.py) -----------------------------------------------------------------
# With REDIS_URL, tasks go to the Redis broker and a worker runs them (`make serve` starts one). Without it,
# they run in the web process after the commit that asked for them: `make run` needs no Redis.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # unused while eager
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task whose worker died is run again (the tasks are idempotent)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the JSON log lines of LOGGING, as the web process writes them

# The cache (the dashboard, the pages' fragments, the verification page's rate limit): Redis, shared by every
# worker process, when REDIS_URL is set; else each process's memory. Cache keys are read from the database
# (change markers), so a per-process cache is never stale, only colder; the rate limit, though, is then per
# process.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fipd",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}
    )
}

# --- Security (python manage.py check --deploy --fail-level WARNING is clean outside debug) ---------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login throttling, first (django-axes)
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after 5 failures, the account is locked, and so is the address (whatever account it
# tries), for 15 minutes; an administrator unlocks earlier in the admin (« Access attempts ») or with
# « python manage.py axes_reset_username <identifiant> ».
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "comptes/verrouille.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0 if DEBUG else 1)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Sessions end after a working day without activity (each request restarts the count).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): no inline script (the DSFR's scripts carry the request's nonce), no
# inline style, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    # Behind an HTTPS proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

# One JSON object a line, with the request's id (fipd.journal); a 403 or a 404 without traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "requete": {"()": "fipd.journal.AvecRequete"},
        "sans_trace_attendue": {"()": "fipd.journal.SansTraceAttendue"},
    },
    "formatters": {"json": {"()": "fipd.journal.Json"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["requete", "sans_trace_attendue"],
            "formatter": "json",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
