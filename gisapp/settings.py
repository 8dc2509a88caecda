"""Damrong GIS settings: one module, every value read from the environment.

DJANGO_ENV picks the safety level: ``development`` (the default, for ``./damrong run`` and the
test suite) allows a fixed development SECRET_KEY and DEBUG; anything else (``production``)
refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

import base64
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gisapp.env import env_bool, env_header, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str("DJANGO_ENV", "development")
DEVELOPMENT = DJANGO_ENV in ("development", "test")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV is not development")
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105
# Old keys still accepted after a rotation (sessions, signed values, sealed queued e-mails).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

DEBUG = env_bool("DEBUG", DEVELOPMENT)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEVELOPMENT else []
)
if not DEVELOPMENT and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV is not development")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    # OpenAPI 3 schema (/api/schema/) and its docs page (/api/docs/) with Swagger UI from our
    # own static files (the sidecar package ships them with their licences).
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The job queue (e-mail now; snapshots, OCR, exports, webhooks later): PostgreSQL only.
    "procrastinate.contrib.django",
    "axes",
    "boundaries",
    "layers",
    "api",
    "maps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body: an over-size request is a 413, never a 400 or 500.
    "maps.errors.RequestSizeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "maps.middleware.ThaiFirstLocaleMiddleware",
    "maps.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "layers.middleware.SessionTimeoutMiddleware",
    "layers.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a login refused for too many failures into our lock-out page.
    "axes.middleware.AxesMiddleware",
    # Last, so that its process_exception runs first: application errors raised by views
    # become the Thai error page (or the API's JSON).
    "maps.errors.ApplicationErrorMiddleware",
]
# People never see Django's technical 400 page, even with DEBUG on (maps/errors.py).
DEFAULT_EXCEPTION_REPORTER = "maps.errors.ErrorPageReporter"
CSRF_FAILURE_VIEW = "maps.errors.csrf_failure"

ROOT_URLCONF = "gisapp.urls"
WSGI_APPLICATION = "gisapp.wsgi.application"
ASGI_APPLICATION = "gisapp.asgi.application"

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
            ],
        },
    },
]

# PostGIS is the only database, in development, tests, CI and production.
DATABASE_URL = env_str("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/damrong")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
# The test database is made from template0 in UTF-8 (its LC_CTYPE is the cluster's, which
# ./damrong creates as C.UTF-8): pg_trgm finds no trigram in Thai under the C locale, and the
# migration that adds it refuses such a database (layers/dbcheck.py).
DATABASES["default"]["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
if DATABASES["default"]["ENGINE"] != "django.contrib.gis.db.backends.postgis":
    raise ImproperlyConfigured(f"DATABASE_URL must use the postgis:// scheme, got {DATABASE_URL!r}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "layers.Officer"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Thai first; English through Django's i18n (the language switcher sets the cookie).
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
if DEVELOPMENT:
    # WhiteNoise serves from the finders in development but warns on every request when the
    # collectstatic folder is missing; an empty one is harmless.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
if env_str("EMAIL_FILE_PATH"):  # the file backend: one file per message, for trials
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "damrong-gis@localhost")
# E-mail leaves the request: a worker sends it (layers/services/mail.py). A transient SMTP
# failure is retried this many times, after base**1, base**2, ... seconds (5: 5 s ... 4.3 h).
MAIL_MAX_RETRIES = env_int("MAIL_MAX_RETRIES", 6)
MAIL_RETRY_BACKOFF_SECONDS = env_int("MAIL_RETRY_BACKOFF_SECONDS", 5)
# Links in notification e-mails point here (the address officers open the site at).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# The job queue (Procrastinate): tables in the same PostgreSQL database, tasks in
# ``<app>/tasks.py``, the worker is ``./damrong worker``. Finished jobs are forgotten after
# JOBS_KEEP_DAYS, failed ones (listed in the admin until then) after JOBS_KEEP_FAILED_DAYS.
PROCRASTINATE_WORKER_DEFAULTS = {
    # On SIGTERM (deploys, docker stop) a running job may finish for this long; it is then
    # aborted (the admin lists it, and its Retry Job action runs it again).
    "shutdown_graceful_timeout": env_int("WORKER_SHUTDOWN_GRACEFUL_TIMEOUT", 30),
}
# Webhooks to other systems (layers/services/webhooks.py): a failed delivery is retried this
# many times after base**1, base**2, ... seconds (4 and 8: 4 s ... 18 h, about a day in all),
# each attempt waiting at most WEBHOOK_TIMEOUT_SECONDS for the subscriber's answer.
WEBHOOK_MAX_RETRIES = env_int("WEBHOOK_MAX_RETRIES", 8)
WEBHOOK_RETRY_BACKOFF_SECONDS = env_int("WEBHOOK_RETRY_BACKOFF_SECONDS", 4)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Open311 GeoReport v2's discovery document (/open311/discovery.json): who to ask, and how a
# partner system gets an api_key.
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")
OPEN311_KEY_SERVICE = env_str("OPEN311_KEY_SERVICE", "")
JOBS_KEEP_DAYS = env_int("JOBS_KEEP_DAYS", 7)
JOBS_KEEP_FAILED_DAYS = env_int("JOBS_KEEP_FAILED_DAYS", 90)

# --- Accounts that resist guessing -----------------------------------------------------------
# Failed logins (the citizen-ID login and the admin login) are counted by django-axes per
# account (the typed citizen ID, normalised) and per address. An account is locked after
# LOGIN_FAILURE_LIMIT failures; an address after LOGIN_FAILURE_LIMIT_PER_ADDRESS: much higher,
# because a district office reaches us through one NAT address and a few typos of its staff
# must not lock the whole office, while one address trying many accounts (password spraying)
# is still stopped. Both locks last LOCKOUT_MINUTES after the failure that caused them; the
# failures of an account from an address are forgotten when it logs in from there.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 15)
# Password-reset e-mails asked for one address / from one client address within LOCKOUT_MINUTES.
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 20)
# How long a password-reset link works.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 30) * 60
# Behind a reverse proxy every request comes from the proxy: name how many proxies append to
# X-Forwarded-For so that the client's own address is counted (0: REMOTE_ADDR as is).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

AXES_HANDLER = "layers.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=LOCKOUT_MINUTES)
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "layers.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "layers.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "maps.views.accounts.lockout_response"
# A locked-out try is not counted: the waiting time shown stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Citizen IDs and addresses stay out of the logs (axes masks these in its log lines).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "email"]
AXES_VERBOSE = False

# Sessions: an officer idle this long is logged out; no session outlives a working day.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 10)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600

REST_FRAMEWORK = {
    # The browser's session first (CSRF on writes), then personal API tokens
    # (``Authorization: Token <key>`` or ``Bearer <key>``) for QGIS, GDAL and scripts.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
}

# Personal API tokens (layers/services/tokens.py): the expiry offered by default and the
# longest allowed, working tokens per officer, and how often the last-used time is written.
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
API_TOKEN_MAX_PER_OFFICER = env_int("API_TOKEN_MAX_PER_OFFICER", 20)
API_TOKEN_TOUCH_SECONDS = env_int("API_TOKEN_TOUCH_SECONDS", 300)
if not 1 <= API_TOKEN_DEFAULT_DAYS <= API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("API_TOKEN_DEFAULT_DAYS must be between 1 and API_TOKEN_MAX_DAYS")

# The OpenAPI 3 schema (api/schema.py): every DRF view is described from its serializers and
# ``extend_schema``; errors and authentication are added to every operation there.
SPECTACULAR_SETTINGS = {
    "TITLE": "Damrong GIS API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Names of the small choice sets several components share.
    "ENUM_NAME_OVERRIDES": {
        "FeatureTypeEnum": ["Feature"],
        "FeatureCollectionTypeEnum": ["FeatureCollection"],
        "PointTypeEnum": ["Point"],
        "AreaGeometryTypeEnum": ["Polygon", "MultiPolygon"],
        "CaseActionEnum": "layers.services.workflow.ACTIONS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess",
    ],
    # Swagger UI from our static files (works offline); no call to the online validator.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
}

# Where the boundary data lives: by default the simplified national layers shipped with the
# project (gzipped GeoJSON, boundaries/data/README.md); set it to another folder of the same
# files or to an HDX COD-AB download (folder or zip) for full resolution. See README.
BOUNDARIES_DATA_DIR = Path(env_str("BOUNDARIES_DATA_DIR") or BASE_DIR / "boundaries" / "data")
# Vertices per piece of the subdivided lookup table (ST_Subdivide max_vertices).
BOUNDARIES_SUBDIVIDE_MAX_VERTICES = env_int("BOUNDARIES_SUBDIVIDE_MAX_VERTICES", 64)
# Point look-ups read the lookup pieces from an in-process index (boundaries/point_index.py)
# when they are at most this many vertices in all (the national GeoJSON: 0.7 M, about 50 MB a
# process; this default, about 110 MB); above it, or with 0, every look-up is one PostGIS
# query instead.
BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES = env_int(
    "BOUNDARIES_LOOKUP_IN_PROCESS_MAX_VERTICES", 1_500_000
)
# How often (seconds) a process asks PostGIS whether the pieces changed since it read them
# (one tiny query); a boundary load elsewhere reaches every process within this time.
BOUNDARIES_LOOKUP_RECHECK_SECONDS = env_int("BOUNDARIES_LOOKUP_RECHECK_SECONDS", 10)

# --- Duplicates (issue 8) ---------------------------------------------------------------------
# A place candidate whose score (0..1: distance, time apart, sub-category, Thai description
# similarity; layers/selectors/duplicates.py) is at least this is marked "likely" (chosen on
# the labelled set: bench/README.md, "duplicates.py"; decisions kept in DuplicateDecision let it
# be tuned on real labels later). The radius
# and time window are per main category (Category.duplicate_radius_m / duplicate_window_days).
DUPLICATE_LIKELY_THRESHOLD = float(env_str("DUPLICATE_LIKELY_THRESHOLD", "0.35"))
# The key of the HMAC-SHA256 through which citizen IDs and phone numbers are compared across
# cases (layers/identity.py). Changing it means computing the stored hashes again
# (manage.py person_hashes --all). Like SECRET_KEY: required outside development.
PERSON_MATCH_KEY = env_str("PERSON_MATCH_KEY")
if not PERSON_MATCH_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "PERSON_MATCH_KEY must be set when DJANGO_ENV is not development"
        )
    PERSON_MATCH_KEY = "development-only-person-match-key"  # noqa: S105
# The anti-corruption channel (issue 11, seed 000). The tipster's name and contact are kept
# encrypted with this Fernet key (32 url-safe base64 bytes: ``python -c "from
# cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``); older keys go to
# ANTICORRUPTION_KEY_FALLBACKS while ``manage.py`` re-encrypts (layers/tipcrypto.py). Like
# SECRET_KEY: required outside development. Losing it loses every tipster's contact.
ANTICORRUPTION_KEY = env_str("ANTICORRUPTION_KEY")
if not ANTICORRUPTION_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "ANTICORRUPTION_KEY must be set when DJANGO_ENV is not development"
        )
    ANTICORRUPTION_KEY = "ZGV2ZWxvcG1lbnQtb25seS1hbnRpY29ycnVwdGlvbiE="  # noqa: S105
ANTICORRUPTION_KEY_FALLBACKS = env_list("ANTICORRUPTION_KEY_FALLBACKS", [])
for _key in (ANTICORRUPTION_KEY, *ANTICORRUPTION_KEY_FALLBACKS):
    try:
        _ok = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except (ValueError, TypeError):
        _ok = False
    if not _ok:
        raise ImproperlyConfigured(
            "ANTICORRUPTION_KEY (and each of ANTICORRUPTION_KEY_FALLBACKS) must be a Fernet key: "
            "32 bytes in url-safe base64, e.g. from "
            "python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
        )
# Tips filed from one client address within an hour; wrong PINs for one tracking number (and,
# higher, from one address) within ANTICORRUPTION_LOCK_MINUTES before the number is locked.
ANTICORRUPTION_FILINGS_PER_HOUR = env_int("ANTICORRUPTION_FILINGS_PER_HOUR", 5)
ANTICORRUPTION_WRONG_PINS = env_int("ANTICORRUPTION_WRONG_PINS", 10)
ANTICORRUPTION_WRONG_PINS_PER_ADDRESS = env_int("ANTICORRUPTION_WRONG_PINS_PER_ADDRESS", 30)
ANTICORRUPTION_LOCK_MINUTES = env_int("ANTICORRUPTION_LOCK_MINUTES", 30)
# The intake form's live check of a person (GET /api/people/matches/), per officer (counted in
# Django's cache: the default in-process cache counts per server process).
PERSON_MATCH_RATE = env_str("PERSON_MATCH_RATE", "60/min")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"person_match": PERSON_MATCH_RATE}

# Maps: the boundaries are the base map and pages work offline, so there is no tile layer
# unless MAP_TILE_URL names one (e.g. an in-house tile server: https://tiles.example/{z}/{x}/{y}.png);
# it is then an optional layer under the boundaries. Attribution as the tile licence requires.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")

# Maps: a base map of tiles under the boundaries, OpenStreetMap's standard tiles by default
# (their usage policy: https://operations.osmfoundation.org/policies/tiles/). Set MAP_TILE_URL
# to another {z}/{x}/{y} address (an in-house tile server), or to empty for none: the
# boundaries are then the base map, and every map works with no internet either way (a
# layer switcher offers "no base map"). Attribution as the tile licence requires.
OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_TILE_URL = env_str("MAP_TILE_URL", OSM_TILE_URL)
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION",
    "© OpenStreetMap contributors" if MAP_TILE_URL == OSM_TILE_URL else "",
)
MAP_TILE_MAX_ZOOM = env_int("MAP_TILE_MAX_ZOOM", 19)
# A self-hosted base map for networks without the internet: an MBTiles file (SQLite, raster
# PNG/JPEG/WebP tiles) served by us at /tiles/base/{z}/{x}/{y}.png and offered (and shown
# first) in the layer switcher. Empty: none.
MAP_TILE_MBTILES = env_str("MAP_TILE_MBTILES", "")
# Area search (/api/boundaries/search): requests per officer per minute.
BOUNDARY_SEARCH_PER_MINUTE = env_int("BOUNDARY_SEARCH_PER_MINUTE", 60)
# Complaint points drawn on a province map (the most recent first); the page says how many
# it left out and links the full GeoJSON export.
MAP_MAX_POINTS = env_int("MAP_MAX_POINTS", 5000)
# The dashboards keep an area's grouped figures this long (per process, Django's cache), so that
# changing the metric or going back and forth costs no query; 0 = always count afresh.
DASHBOARD_FIGURES_CACHE_SECONDS = env_int("DASHBOARD_FIGURES_CACHE_SECONDS", 300)

# Analysts' exports (layers/services/exports.py): a selection of at most this many rows is
# written in the request; larger ones go to the job queue, and their files are kept this long.
EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 20000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 72)
# Vector tiles (/tiles/{layer}/{z}/{x}/{y}.pbf): features per tile at most, the deepest zoom,
# and how long rendered tiles stay in the cache table (a changed complaint or boundary gives
# new cache keys at once; this only bounds the table).
TILES_MAX_FEATURES = env_int("TILES_MAX_FEATURES", 10000)
TILES_MAX_ZOOM = env_int("TILES_MAX_ZOOM", 22)
TILES_CACHE_HOURS = env_int("TILES_CACHE_HOURS", 24)

# Attachments on a case: photos and scanned documents.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
# The largest multipart request (a note or an intake with its files): every file at its limit,
# plus the form's fields. Larger requests are refused with 413 before they are read.
ATTACHMENT_MAX_FILES = env_int("ATTACHMENT_MAX_FILES", 10)
REQUEST_MAX_UPLOAD_BYTES = env_int(
    "REQUEST_MAX_UPLOAD_BYTES",
    ATTACHMENT_MAX_BYTES * ATTACHMENT_MAX_FILES + DATA_UPLOAD_MAX_MEMORY_SIZE,
)

# Personal data never goes to logs: the formatter below logs no request bodies, and our own
# log calls name cases by tracking number only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Say they registered the tasks, at every start of every command.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
        # axes tells every failure and clean-up at INFO; its warnings (a failure, a lock) remain.
        "axes": {"level": "WARNING"},
        # The PDF reports: WeasyPrint tells each layout step, fontTools each font it subsets.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Production sits behind a TLS-terminating proxy (nginx, a load balancer): see README
# "Production". ``manage.py check --deploy`` passes with no warning on these defaults.
if not DEVELOPMENT:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
# The header by which the proxy says the browser came over HTTPS, e.g.
# ``X-Forwarded-Proto: https``. Only when a proxy sets it (and strips it from clients):
# otherwise anyone could claim HTTPS. Without it, SSL redirect behind a proxy loops.
SECURE_PROXY_SSL_HEADER = env_header("SECURE_PROXY_SSL_HEADER")

# Debian/Ubuntu install GDAL and GEOS where GeoDjango finds them; these allow overriding.
if env_str("GDAL_LIBRARY_PATH"):
    GDAL_LIBRARY_PATH = env_str("GDAL_LIBRARY_PATH")
if env_str("GEOS_LIBRARY_PATH"):
    GEOS_LIBRARY_PATH = env_str("GEOS_LIBRARY_PATH")

# Debian 12 ships GDAL 3.6; the only spatial files we open are the boundary data from a path
# the operator chose (BOUNDARIES_DATA_DIR), never user uploads, so the advisory does not apply.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- The citizen's side (issue 11): online filing, tracking ------------------------------------
# Complaints filed online from one address, and with one phone number, within the window; the
# next one is refused with a Thai message (a district office or a school may share an address).
PUBLIC_FILING_PER_ADDRESS = env_int("PUBLIC_FILING_PER_ADDRESS", 20)
PUBLIC_FILING_PER_PHONE = env_int("PUBLIC_FILING_PER_PHONE", 5)
PUBLIC_FILING_WINDOW_HOURS = env_int("PUBLIC_FILING_WINDOW_HOURS", 24)
# Wrong tracking PINs for one tracking number before it is locked, and for how long.
TRACKING_PIN_FAILURE_LIMIT = env_int("TRACKING_PIN_FAILURE_LIMIT", 10)
TRACKING_PIN_LOCK_MINUTES = env_int("TRACKING_PIN_LOCK_MINUTES", 60)
# Wrong number/PIN pairs from one client address within the same window, whatever the
# numbers (someone walking through many numbers); the next try from there is refused.
TRACKING_FAILURES_PER_ADDRESS = env_int("TRACKING_FAILURES_PER_ADDRESS", 50)
# Point look-ups and area searches by the public (the filing page), per address per minute.
PUBLIC_LOOKUP_PER_MINUTE = env_int("PUBLIC_LOOKUP_PER_MINUTE", 60)
# How the tracking PIN reaches a complainant who left a phone number: a class with
# ``send(*, phone, message)`` (layers/services/pin_senders.py). The default tells nobody (no
# SMS gateway configured); development prints to the console; the tests keep an outbox.
TRACKING_SMS_SENDER = env_str(
    "TRACKING_SMS_SENDER",
    "layers.services.pin_senders.ConsoleSmsSender"
    if DEVELOPMENT
    else "layers.services.pin_senders.NoSmsSender",
)
# How long complaints and the complainant's data are kept (said on the filing form's consent,
# under the PDPA: purpose and retention).
PUBLIC_RETENTION_YEARS = env_int("PUBLIC_RETENTION_YEARS", 10)
# Scanned documents (issue 12): the size of one upload, the pages read at most, and the
# reading on the job queue (layers/services/documents.py): Tesseract (Debian's tesseract-ocr
# and tesseract-ocr-tha) in Thai and English at OCR_DPI, PDF pages rendered by poppler's
# pdftoppm; a page is turned upright when Tesseract's orientation confidence reaches
# OCR_ROTATE_MIN_CONFIDENCE.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
DOCUMENT_MAX_PAGES = env_int("DOCUMENT_MAX_PAGES", 50)
OCR_TESSERACT_CMD = env_str("OCR_TESSERACT_CMD", "tesseract")
OCR_PDFTOPPM_CMD = env_str("OCR_PDFTOPPM_CMD", "pdftoppm")
OCR_LANGUAGES = env_str("OCR_LANGUAGES", "tha+eng")
OCR_DPI = env_int("OCR_DPI", 300)
PAGE_IMAGE_DPI = env_int("PAGE_IMAGE_DPI", 100)
OCR_PAGE_TIMEOUT_SECONDS = env_int("OCR_PAGE_TIMEOUT_SECONDS", 180)
OCR_ROTATE_MIN_CONFIDENCE = env_int("OCR_ROTATE_MIN_CONFIDENCE", 5)
