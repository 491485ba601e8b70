"""Referral Engine settings: every value comes from the environment (12-factor).

With nothing set, the product runs on SQLite at var/referral-engine.sqlite3 and prints e-mail to the console.
A bad value fails loudly with ImproperlyConfigured naming the variable. Any variable may instead be read from
a file named by NAME_FILE (for secrets mounted by an orchestrator).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REFERRAL_ENGINE_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_path}: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = env(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name) or default).split(",") if item.strip()]


def _secret_key() -> str:
    # Without SECRET_KEY a random key is generated once and kept in var/, so a single-machine install is
    # secure by default and sessions survive restarts. Deployments set SECRET_KEY or SECRET_KEY_FILE.
    key = env("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return key
    key_file = VAR_DIR / "secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Created private in one step (a write then a chmod leaves it readable by others for a moment), and
        # exclusively, so a second process starting at the same time keeps the first one's key.
        try:
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = (env("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "referral_engine.core",
    "referral_engine.workspaces",
    "referral_engine.relationships",
    "referral_engine.partners",
    "referral_engine.referrals",
    "referral_engine.engagement",
    "referral_engine.feedback",
    "referral_engine.insights",
    "referral_engine.propensity",
    "referral_engine.integrations",
    "referral_engine.intake",
    "referral_engine.asking",
    "referral_engine.journeys",
    "referral_engine.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "referral_engine.workspaces.access.WorkspaceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out during sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "referral_engine.core.context_processors.shell",
            ],
        },
    },
]


def _database() -> dict:
    url = env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'referral-engine.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL this product supports: {exc}"
        ) from exc
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades that fail.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
        config["TEST"] = {"NAME": env("TEST_SQLITE_NAME") or ""}
    elif engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point to SQLite or PostgreSQL")
    elif not config["NAME"]:
        # Otherwise the first query fails, far from here, with a message that does not name the variable.
        raise ImproperlyConfigured("DATABASE_URL must name the database: postgres://user@host:5432/NAME")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")

AUTH_USER_MODEL = "workspaces.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out client is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_TTL_DAYS = 14

# Repeated failed sign-ins: after AXES_FAILURE_LIMIT failures for one e-mail address from one IP address,
# that pair is locked out for AXES_COOLOFF_MINUTES. A successful sign-in clears the count.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Sign-in forms post the e-mail as "username" (Django's AuthenticationForm); axes would otherwise look for
# USERNAME_FIELD ("email") and count every failure against no one.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "referral_engine.workspaces.views.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "referral_engine.workspaces.views.locked_out"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _email() -> dict:
    url = env("EMAIL_URL") or "console:"
    try:
        config = dj_email_url.parse(url)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"EMAIL_URL is not an e-mail URL: {exc}") from exc
    if "EMAIL_BACKEND" not in config:
        # dj-email-url returns no backend for a scheme it does not know (the value is not echoed: it may hold
        # a password).
        raise ImproperlyConfigured("EMAIL_URL must start with smtp://, smtps://, submission:// or console:")
    return config


_email_config = _email()
EMAIL_BACKEND = _email_config["EMAIL_BACKEND"]
EMAIL_HOST = _email_config["EMAIL_HOST"]
EMAIL_PORT = _email_config["EMAIL_PORT"]
EMAIL_HOST_USER = _email_config["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email_config["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email_config["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email_config["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email_config["EMAIL_TIMEOUT"] or 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "Referral Engine <no-reply@localhost>"

# Background work goes through Django's Tasks API. The database queue needs no extra server; with REDIS_URL
# set, tasks go to Redis (django-tasks-rq, run by RQ's worker). An explicit TASKS_BACKEND wins over both.
DATABASE_TASKS_BACKEND = "django_tasks_db.DatabaseBackend"
REDIS_TASKS_BACKEND = "django_tasks_rq.RQBackend"
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    # The value is not echoed: it may hold a password.
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND") or (REDIS_TASKS_BACKEND if REDIS_URL else DATABASE_TASKS_BACKEND),
        "QUEUES": ["default"],
    }
}
# django-rq's view of Redis, read only when the Redis backend is in use. "auto": the backend is only ever called
# from transaction.on_commit callbacks already, so nothing is held back until a request ends.
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}
RQ = {"COMMIT_MODE": "auto"}
if TASKS["default"]["BACKEND"] == REDIS_TASKS_BACKEND:
    # The backend's system check requires django_rq, which also shows the queues in the back office.
    INSTALLED_APPS.append("django_rq")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Propensity to refer (docs/propensity.md): below this many positive examples the model is not trained and the
# ask lists rank by the referral profile rules; the training set is capped at this many contact-snapshot pairs.
PROPENSITY_MIN_POSITIVES = env_int("PROPENSITY_MIN_POSITIVES", 50)
PROPENSITY_MAX_EXAMPLES = env_int("PROPENSITY_MAX_EXAMPLES", 2_000_000)

# Programme insights (docs/programme.md): an insight that takes at least this many seconds to compute is stored and
# served for up to an hour, and the scheduler recomputes it every half hour; quicker ones are computed on read.
PROGRAMME_STORE_SLOWER_THAN = env_float("PROGRAMME_STORE_SLOWER_THAN", 2.0)

# API: largest page a client may ask for.
API_MAX_PAGE_SIZE = 500

# The public referral form (/r/<code>/, see docs/referral-links.md): referrals accepted per client address per
# workspace in a window, per link per day, and the largest body read. The client address is REMOTE_ADDR; behind
# TRUSTED_PROXY_COUNT reverse proxies it is read from X-Forwarded-For instead (each proxy must append to it).
REFERRAL_FORM_IP_LIMIT = env_int("REFERRAL_FORM_IP_LIMIT", 5)
REFERRAL_FORM_IP_WINDOW_MINUTES = env_int("REFERRAL_FORM_IP_WINDOW_MINUTES", 10)
REFERRAL_FORM_LINK_DAILY_LIMIT = env_int("REFERRAL_FORM_LINK_DAILY_LIMIT", 50)
REFERRAL_FORM_MAX_BYTES = env_int("REFERRAL_FORM_MAX_BYTES", 16 * 1024)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

UNFOLD = {
    "SITE_TITLE": "Referral Engine",
    "SITE_HEADER": "Referral Engine",
    "SITE_SYMBOL": "handshake",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "WARNING"},
}
