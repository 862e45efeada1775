"""Fokus settings, read from the environment.

Profiles (FOKUS_PROFILE):
- "demo" (default): SQLite file under FOKUS_DATA_DIR, a fixed demo secret.
- "production": needs FOKUS_SECRET_KEY (at least 50 characters, not the demo's),
  DATABASE_URL pointing to PostgreSQL, FOKUS_ALLOWED_HOSTS and the CPR keys, and refuses
  to start without them; HTTPS-only cookies, HSTS, and DEBUG off. `fokus check --deploy`
  runs against this profile in `make test`. docs/configuration.md goes through it.

The demo's database is SQLite unless DATABASE_URL says otherwise
(e.g. postgres://fokus@127.0.0.1:5432/fokus).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from fokus.lib.crypto import secret as _secret
from fokus.lib.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PROFILE = env_str("FOKUS_PROFILE", "demo")
if PROFILE not in {"demo", "production"}:
    raise ImproperlyConfigured("FOKUS_PROFILE must be 'demo' or 'production'")
PRODUCTION = PROFILE == "production"

DATA_DIR = Path(env_str("FOKUS_DATA_DIR", str(BASE_DIR / "var")))

# Off unless asked for: a debug page can show personal data.
DEBUG = env_bool("FOKUS_DEBUG", False)
# The demo's fixed key: public (it is in this file), so the production profile refuses it.
DEMO_SECRET_KEY = "demo-only-not-secret-" + "x" * 40  # noqa: S105 - demo profile only
MIN_SECRET_KEY_LENGTH = 50
_MAKE_A_KEY = ("e.g. the output of `python -c 'import secrets; "
               "print(secrets.token_urlsafe(50))'` (docs/configuration.md)")
SECRET_KEY = _secret("FOKUS_SECRET_KEY")  # or FOKUS_SECRET_KEY_FILE
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "FOKUS_SECRET_KEY must be set in the production profile (or FOKUS_SECRET_KEY_FILE "
            f"naming a file that holds it): {MIN_SECRET_KEY_LENGTH} or more random characters, "
            f"{_MAKE_A_KEY}")
    SECRET_KEY = DEMO_SECRET_KEY
elif PRODUCTION and SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured(
        "FOKUS_SECRET_KEY is the demo's key, which anyone can read in Fokus's source: set a "
        f"key of your own, {_MAKE_A_KEY}")
elif PRODUCTION and len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
    raise ImproperlyConfigured(
        f"FOKUS_SECRET_KEY is {len(SECRET_KEY)} characters long: the production profile needs "
        f"at least {MIN_SECRET_KEY_LENGTH} random characters, {_MAKE_A_KEY}")
ALLOWED_HOSTS = env_list("FOKUS_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("FOKUS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "fokus.lib.task_queue.TaskQueueConfig",  # django_tasks_db, named in Danish
    "axes",  # throttles password guessing at the login (see AXES_* below)
    "fokus.accounts",
    "fokus.cases",
    "fokus.instruments",
    "fokus.ratings",
    "fokus.audit",
    "fokus.insights",
    "fokus.signin",
    "fokus.privacy",
    "fokus.demo",
    "fokus.interchange",
    "fokus.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response, static files and errors included
    # (see "Content Security Policy (issue 11)" below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fokus.ratings.kiosk.KioskMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: turns a locked-out login into the login page with its message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fokus.urls"
WSGI_APPLICATION = "fokus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fokus" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# The production profile runs on PostgreSQL only: never a quiet fallback to the demo's SQLite
# file (see "Production configuration (issue 12)" below). No message names the URL itself:
# it may hold the database's password.
_database_url = env_str("DATABASE_URL").strip()
if PRODUCTION and not _database_url:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set in the production profile, pointing to PostgreSQL, e.g. "
        "postgres://fokus@db.kommune.example:5432/fokus (docs/configuration.md)")
try:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url or f"sqlite:///{DATA_DIR / 'fokus.sqlite3'}",
            conn_max_age=60,
        )
    }
except (ValueError, KeyError):
    raise ImproperlyConfigured(
        "DATABASE_URL is not a database URL Fokus understands; "
        "e.g. postgres://fokus@db.kommune.example:5432/fokus") from None
if PRODUCTION and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        f"DATABASE_URL must point to PostgreSQL in the production profile, not "
        f"{_database_url.split(':', 1)[0]!r}: e.g. postgres://fokus@db.kommune.example:5432/fokus "
        "(the embedded SQLite is for the demo only)")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # One writer at a time: wait for the lock instead of failing a rating save.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Background tasks (Django's tasks interface, the django-tasks backport): the database
# backend by default, so the embedded default needs no other server; the worker is
# `fokus worker` (`make worker`; `make demo` starts one beside the server). It renders each case's graph ahead after a rating
# (fokus/insights/tasks.py). FOKUS_TASKS_BACKEND may name another backend, e.g.
# django_tasks.backends.immediate.ImmediateBackend (run in the request, no worker).
TASKS = {
    "default": {
        "BACKEND": env_str("FOKUS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Access log chain (issue 11). The access log is hash-chained (fokus/audit/chain.py,
# docs/access-log.md). `fokus audit export-head` (daily: cron or a systemd timer) appends
# the chain's head to FOKUS_ACCESS_LOG_HEAD_FILE, which the municipality's log service
# collects to a place Fokus cannot rewrite; `fokus audit verify --against FILE` checks it.
# `fokus audit prune` deletes entries older than FOKUS_ACCESS_LOG_KEEP_MONTHS (at least 6,
# the Danish Data Protection Agency's usual minimum; the municipality's own rule decides).
FOKUS_ACCESS_LOG_HEAD_FILE = Path(env_str("FOKUS_ACCESS_LOG_HEAD_FILE",
                                          str(DATA_DIR / "access-log-heads.txt")))
_keep = env_str("FOKUS_ACCESS_LOG_KEEP_MONTHS", "60").strip() or "60"
if not _keep.isdigit() or int(_keep) < 6:
    raise ImproperlyConfigured(
        f"FOKUS_ACCESS_LOG_KEEP_MONTHS must be a whole number of months, at least 6, not {_keep!r}")
FOKUS_ACCESS_LOG_KEEP_MONTHS = int(_keep)
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
# Where the accessibility statement sends people who find a barrier (an e-mail address
# or a web form of the municipality); the statement says whom to ask when it is unset.
FOKUS_ACCESSIBILITY_CONTACT = env_str("FOKUS_ACCESSIBILITY_CONTACT", "")
# Whom a family writes to about its data (the municipality's data protection contact),
# named on the public privacy notice (/privatliv/) the rating link's page links to.
FOKUS_PRIVACY_CONTACT = env_str("FOKUS_PRIVACY_CONTACT", "")
# Where Fokus is reached from outside (scheme and host, e.g. https://fokus.kommune.dk): the
# task worker has no request, so a rating link's reminder carries a link only when it is set.
FOKUS_BASE_URL = env_str("FOKUS_BASE_URL", "")
# FHIR (issue 13, fokus/interchange/fhir.py): the base of the Questionnaires' canonical
# URLs and of the identifier systems in FHIR files. Keep it fixed once files have left:
# a receiving system knows the instruments by these URLs.
FOKUS_FHIR_BASE = (env_str("FOKUS_FHIR_BASE", "")
                   or (f"{FOKUS_BASE_URL.rstrip('/')}/fhir" if FOKUS_BASE_URL
                       else "https://fokus.example/fhir"))
# Retention's archive of closed cases (fokus/privacy/retention.py, docs/retention.md).
FOKUS_ARCHIVE_DIR = Path(env_str("FOKUS_ARCHIVE_DIR", "") or DATA_DIR / "archive")

# Password guessing (django-axes). After FOKUS_LOGIN_ATTEMPTS failed logins for one
# username from one address, that username is refused from that address for
# FOKUS_LOGIN_COOLOFF_MINUTES (each further try starts the wait again). The lock is per
# username *and* address: a lock per username alone would let anyone who knows a
# caseworker's username keep her out of Fokus from everywhere, and a lock per address alone
# would shut a whole office behind one address out after a few colleagues' typos. Behind a
# reverse proxy every request comes from the proxy's address until the proxy is trusted
# (a later part of issue 11); the lock is then per username.
def _env_positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1, not {raw!r}")
    return value


AUTHENTICATION_BACKENDS = [
    "fokus.accounts.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Dashboards suppress groups with fewer series than this (insights/dashboard_access.py).
FOKUS_MIN_GROUP_SIZE = _env_positive_int("FOKUS_MIN_GROUP_SIZE", 5)

# Sending rating links (issue 12, fokus/ratings/tasks.py): the task worker sends a link's
# message; while the mail server or SMS gateway is down it tries again after this many
# seconds, then twice, four times ... as long (1, 2, 4, 8, 16, 32 minutes by default),
# then gives up and the caseworker sees "could not be sent".
FOKUS_SEND_RETRY_SECONDS = _env_positive_int("FOKUS_SEND_RETRY_SECONDS", 60)

AXES_FAILURE_LIMIT = _env_positive_int("FOKUS_LOGIN_ATTEMPTS", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_positive_int("FOKUS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a right password forgets the typos before it
AXES_LOCKOUT_CALLABLE = "fokus.accounts.views.locked_out"  # the login page, with the message
# Fokus's own access log records logins, failures, lockouts and logouts (accounts/actions.py,
# from the signals); axes keeps only the running count of failures, not a second log of its own.
AXES_DISABLE_ACCESS_LOG = True
# No admin pages of axes' tables: they hold what was typed as a username, which may be a
# password typed in the wrong field. `fokus axes_reset_username NAME` lifts a lock early.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False  # the server log names neither the username nor the address

LOGIN_REDIRECT_URL = "insights:home"  # by role: insights.views.case.home
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
# The family screen (the handed-over tablet and a rating link) also speaks these, each
# named in itself; the pages stay Danish and English (fokus/instruments/languages.py).
FAMILY_SCREEN_LANGUAGES = [("da", "Dansk"), ("en", "English"), ("ar", "العربية"),
                           ("tr", "Türkçe"), ("pl", "Polski"), ("uk", "Українська"),
                           ("so", "Soomaali"), ("fa", "فارسی")]
LOCALE_PATHS = [BASE_DIR / "fokus" / "locale"]
TIME_ZONE = "Europe/Copenhagen"
# English pages write dates day first (26 Nov 2026), not in the US order.
FORMAT_MODULE_PATH = "fokus.lib.formats"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
STATICFILES_DIRS = [BASE_DIR / "fokus" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content Security Policy (issue 11)
# Every response carries a strict policy (django-csp, CSPMiddleware above): the browser runs
# only Fokus's own script files and applies only its own style sheets, with no inline
# <script>, <style>, style="" or on*= handler, no eval, no plugins, no framing, and forms
# that post only to Fokus. A template that needs an inline script must use the nonce
# ({{ request.csp_nonce }}; it is added to script-src only on a response that used it):
# none does today. docs/csp.md explains each directive and how to add a page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],  # the family screen's service worker (ratings/screen/sw.js)
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("FOKUS_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Production configuration (issue 12): e-mail (docs/configuration.md). The mail server, its
# port and encryption, the login and the sender come from the environment; the password may
# come from a file (FOKUS_EMAIL_PASSWORD_FILE, the convention of fokus/lib/crypto.py). A bad
# value stops start-up with a message naming the variable (never the password). The demo
# writes mail to the console unless FOKUS_EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = env_str(
    "FOKUS_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)


def _env_port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ImproperlyConfigured(f"{name} must be a port number (1 to 65535), not {raw!r}")
    return int(raw)


def _env_address(name: str, default: str) -> str:
    from email.utils import parseaddr

    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        validate_email(parseaddr(raw)[1])
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name} must be an e-mail address, e.g. fokus@kommune.dk or "
            f"'Fokus <fokus@kommune.dk>', not {raw!r}") from None
    return raw


EMAIL_HOST = env_str("FOKUS_EMAIL_HOST", "").strip() or "localhost"
EMAIL_USE_TLS = env_bool("FOKUS_EMAIL_USE_TLS", False)  # STARTTLS on a plain connection
EMAIL_USE_SSL = env_bool("FOKUS_EMAIL_USE_SSL", False)  # TLS from the first byte
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Set FOKUS_EMAIL_USE_TLS (STARTTLS, usually port 587) or FOKUS_EMAIL_USE_SSL "
        "(implicit TLS, usually port 465), not both")
EMAIL_PORT = _env_port("FOKUS_EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
EMAIL_HOST_USER = env_str("FOKUS_EMAIL_USER", "").strip()
EMAIL_HOST_PASSWORD = _secret("FOKUS_EMAIL_PASSWORD")  # or FOKUS_EMAIL_PASSWORD_FILE
if bool(EMAIL_HOST_USER) != bool(EMAIL_HOST_PASSWORD):
    # Django logs in only with both: one without the other would send unauthenticated.
    raise ImproperlyConfigured(
        "Set both FOKUS_EMAIL_USER and FOKUS_EMAIL_PASSWORD (or FOKUS_EMAIL_PASSWORD_FILE) "
        "for a mail server that needs a login, or neither")
# An unreachable mail server must not hold a worker: give up after this many seconds.
EMAIL_TIMEOUT = _env_positive_int("FOKUS_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = _env_address("FOKUS_EMAIL_FROM", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# (end of "Production configuration (issue 12)")

# The SMS gateway for rating links: the dotted path of a class with send(to, text).
# The demo writes the message to the console; production has none until one is set.
FOKUS_SMS_SENDER = env_str(
    "FOKUS_SMS_SENDER", "" if PRODUCTION else "fokus.ratings.links.ConsoleSmsSender")

# Logs carry no personal data: ids and event names only (see fokus/audit for who read what).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("FOKUS_LOG_LEVEL", "INFO")},
    # The PDF renderer's step-by-step progress ("Step 5 - Creating layout") is noise.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Test runs use a fast hasher (set in tests/conftest.py), never here.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# CPR encryption (issue 11): CPR numbers are encrypted with keys kept outside the
# database (fokus/lib/crypto.py, docs/cpr-encryption.md). FOKUS_CPR_KEYS: Fernet keys,
# comma-separated, the first encrypts and all decrypt (or FOKUS_CPR_KEYS_FILE, one a line).
# FOKUS_CPR_LOOKUP_KEY (or FOKUS_CPR_LOOKUP_KEY_FILE): the key of the hash a person is
# found by. The demo profile without them generates both under FOKUS_DATA_DIR (mode 0600).
from fokus.lib import crypto as _crypto  # noqa: E402

FOKUS_CPR_KEYS = _crypto.secret_list("FOKUS_CPR_KEYS")
FOKUS_CPR_LOOKUP_KEY = _crypto.secret("FOKUS_CPR_LOOKUP_KEY")
_crypto.check_keys(FOKUS_CPR_KEYS, FOKUS_CPR_LOOKUP_KEY)
if PRODUCTION:
    for _name, _value in (("FOKUS_CPR_KEYS", FOKUS_CPR_KEYS),
                          ("FOKUS_CPR_LOOKUP_KEY", FOKUS_CPR_LOOKUP_KEY)):
        if not _value:
            raise ImproperlyConfigured(
                f"{_name} (or {_name}_FILE) must be set in the production profile: the key "
                "CPR numbers are encrypted with is kept outside the database "
                "(docs/cpr-encryption.md)")


# Sign-in (issue 11): single sign-on (SAML 2.0 as KOMBIT's Context Handler sends it, and
# OpenID Connect), the second factor (TOTP) for local accounts, and the sessions' time
# limits. docs/sign-in.md explains every setting.
def _env_json(name: str, default):
    import json

    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be JSON: {exc}") from None


INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "djangosaml2",
                   "mozilla_django_oidc"]
_after_messages = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_after_messages:_after_messages] = [
    "django_otp.middleware.OTPMiddleware",
    "djangosaml2.middleware.SamlSessionMiddleware",
    # Ends a session idle too long or open too long, with a message on the login page.
    "fokus.signin.middleware.SessionTimeoutMiddleware",
    # A local login that has not passed its second factor sees only the TOTP pages.
    "fokus.signin.middleware.SecondFactorMiddleware",
]
# "required": every local account of a role that sees case data or administers
# (policy.needs_second_factor) logs in with a TOTP code; "optional": only those who set one
# up. The demo's password logins ('demo') keep working with "optional".
FOKUS_SECOND_FACTOR = env_str("FOKUS_SECOND_FACTOR", "required" if PRODUCTION else "optional")
if FOKUS_SECOND_FACTOR not in {"required", "optional"}:
    raise ImproperlyConfigured("FOKUS_SECOND_FACTOR must be 'required' or 'optional'")
FOKUS_TOTP_ATTEMPTS = _env_positive_int("FOKUS_TOTP_ATTEMPTS", 5)  # wrong codes end the login
OTP_TOTP_ISSUER = env_str("FOKUS_TOTP_ISSUER", "Fokus")
FOKUS_SESSION_IDLE_MINUTES = _env_positive_int("FOKUS_SESSION_IDLE_MINUTES", 30)
FOKUS_SESSION_MAX_HOURS = _env_positive_int("FOKUS_SESSION_MAX_HOURS", 8)
SESSION_COOKIE_AGE = FOKUS_SESSION_MAX_HOURS * 60 * 60

# Single sign-on. Users come from the municipality's identity provider into one
# organisation (FOKUS_SSO_ORGANISATION, by name); their role and teams come from the
# provider: FOKUS_SSO_ROLES maps a privilege (SAML) or a role claim's value (OIDC) to a
# Fokus role, FOKUS_SSO_TEAMS a constraint (SAML) or a group claim's value (OIDC) to a
# team's name (a value not in it is matched against the teams' names).
FOKUS_SSO_ORGANISATION = env_str("FOKUS_SSO_ORGANISATION", "")
FOKUS_SSO_ROLES = _env_json("FOKUS_SSO_ROLES", {})
FOKUS_SSO_TEAMS = _env_json("FOKUS_SSO_TEAMS", {})

# SAML 2.0 (djangosaml2/pysaml2): on when FOKUS_SAML_IDP_METADATA names the IdP's metadata.
FOKUS_SAML_IDP_METADATA = env_str("FOKUS_SAML_IDP_METADATA", "")
FOKUS_SAML_PRIVILEGES_ATTRIBUTE = env_str("FOKUS_SAML_PRIVILEGES_ATTRIBUTE",
                                          "dk:gov:saml:attribute:Privileges_intermediate")
FOKUS_SAML_TEAM_CONSTRAINT = env_str("FOKUS_SAML_TEAM_CONSTRAINT", "urn:dk:kombit:orgUnit")
FOKUS_SAML_SUBJECT_ATTRIBUTE = env_str(
    "FOKUS_SAML_SUBJECT_ATTRIBUTE", "https://data.gov.dk/model/core/eid/professional/uuid/persistent")
# Fokus's own key pair for SAML (PEM files), and its entity id (default: its metadata's URL).
FOKUS_SAML_KEY_FILE = env_str("FOKUS_SAML_KEY_FILE", "")
FOKUS_SAML_CERT_FILE = env_str("FOKUS_SAML_CERT_FILE", "")
FOKUS_SAML_SP_ENTITY_ID = env_str("FOKUS_SAML_SP_ENTITY_ID", "")
SAML_CONFIG_LOADER = "fokus.signin.saml.saml_config"
SAML_ATTRIBUTE_MAPPING: dict = {}  # the backend reads the assertion itself (signin/saml.py)
SAML_CREATE_UNKNOWN_USER = True
SAML_ACS_FAILURE_RESPONSE_FUNCTION = "fokus.signin.views.sso_refused"
SAML_CSP_HANDLER = ""  # Fokus's own Content Security Policy covers the SAML pages
SAML_SESSION_COOKIE_NAME = "fokus_saml_session"
SAML_SESSION_COOKIE_SAMESITE = "None" if PRODUCTION else "Lax"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_IGNORE_LOGOUT_ERRORS = True

# OpenID Connect (mozilla-django-oidc), e.g. Entra ID: on when FOKUS_OIDC_ISSUER is set.
FOKUS_OIDC_ISSUER = env_str("FOKUS_OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = env_str("FOKUS_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("FOKUS_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("FOKUS_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("FOKUS_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("FOKUS_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("FOKUS_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SCOPES = env_str("FOKUS_OIDC_SCOPES", "openid profile email")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = False
# Which claims carry the user's id, role and teams (Entra ID: "oid", "roles", "groups").
FOKUS_OIDC_SUBJECT_CLAIM = env_str("FOKUS_OIDC_SUBJECT_CLAIM", "sub")
FOKUS_OIDC_ROLES_CLAIM = env_str("FOKUS_OIDC_ROLES_CLAIM", "roles")
FOKUS_OIDC_GROUPS_CLAIM = env_str("FOKUS_OIDC_GROUPS_CLAIM", "groups")
OIDC_AUTHENTICATION_CALLBACK_URL = "signin:oidc_callback"
# The family screen's submissions neither count as the caseworker's activity nor are
# stopped by her expired login: a rating kept on the tablet is delivered after she unlocked.
FOKUS_SESSION_QUIET_VIEWS = ["ratings:kiosk_submit", "ratings:kiosk_service_worker"]
AUTHENTICATION_BACKENDS += ["fokus.signin.saml.SamlBackend", "fokus.signin.oidc.OidcBackend"]
# pysaml2's schema library tells each start that a schema "is already loaded": noise.
LOGGING["loggers"]["xmlschema"] = {"level": "WARNING"}


# Web surface (issue 11): docs/web-surface.md.
# - FOKUS_TRUSTED_PROXIES: the reverse proxies' addresses or networks (comma-separated,
#   e.g. "10.0.0.5,10.1.0.0/24"). Only a request from one of them may say, in
#   X-Forwarded-For and X-Forwarded-Proto, who the client is and whether it came by HTTPS;
#   from anyone else those headers are removed first (TrustedProxyMiddleware).
# - Every response of the application is Cache-Control: no-store (NoStoreMiddleware, after
#   WhiteNoise, whose static files keep their long caching).
# - A request with a control character in its query, form or JSON is refused (400).
# - Rating-link guessing: FOKUS_LINK_GUESSES unknown or expired tokens from one address in
#   FOKUS_LINK_GUESS_WINDOW_MINUTES, then 429 until the window has passed. The count is kept
#   in Django's cache: with several worker processes it must be shared (FOKUS_CACHE).
def _trusted_proxies(raw: list[str]) -> list[str]:
    import ipaddress

    for value in raw:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"FOKUS_TRUSTED_PROXIES: {value!r} is not an address or a network") from None
    return raw


FOKUS_TRUSTED_PROXIES = _trusted_proxies(env_list("FOKUS_TRUSTED_PROXIES"))
if FOKUS_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
MIDDLEWARE.insert(0, "fokus.lib.middleware.TrustedProxyMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
                  "fokus.lib.middleware.NoStoreMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "fokus.lib.middleware.ControlCharacterMiddleware")
AXES_CLIENT_IP_CALLABLE = "fokus.lib.middleware.axes_client_ip"
FOKUS_LINK_GUESSES = _env_positive_int("FOKUS_LINK_GUESSES", 20)
FOKUS_LINK_GUESS_WINDOW_MINUTES = _env_positive_int("FOKUS_LINK_GUESS_WINDOW_MINUTES", 10)
# FOKUS_CACHE: "" (each process its own memory: the demo's one process), "database" (a
# table shared by every process; run `fokus createcachetable` once) or a redis:// URL.
FOKUS_CACHE = env_str("FOKUS_CACHE", "")
if FOKUS_CACHE == "database":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "fokus_cache"}}
elif FOKUS_CACHE.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": FOKUS_CACHE}}
elif FOKUS_CACHE:
    raise ImproperlyConfigured("FOKUS_CACHE must be empty, 'database' or a redis:// URL")
# No link token and no query string in a server log: runserver's access lines
# (django.server), Django's request errors (django.request, django.security) name the
# route with its text arguments redacted, without the query (fokus/lib/logging.py).
LOGGING.setdefault("filters", {})["fokus_redact_paths"] = {
    "()": "fokus.lib.logging.RedactPathsFilter"}
for _logger in ("django.server", "django.request", "django.security.csrf",
                "django.security.DisallowedHost", "django.security.SuspiciousOperation"):
    LOGGING["loggers"].setdefault(_logger, {}).setdefault("filters", []).append(
        "fokus_redact_paths")
# ...and on the console handler, for whatever else reaches it (django.security.*).
LOGGING["handlers"]["console"].setdefault("filters", []).append("fokus_redact_paths")
LOGGING["loggers"]["django.server"].update({
    "handlers": ["django.server"], "level": "INFO", "propagate": False})
LOGGING["handlers"].setdefault("django.server", {
    "level": "INFO", "class": "logging.StreamHandler", "formatter": "django.server"})
LOGGING.setdefault("formatters", {}).setdefault("django.server", {
    "()": "django.utils.log.ServerFormatter",
    "format": "[{server_time}] {message}", "style": "{"})
# (end of "Web surface (issue 11)")

# Operations (issue 12): health, readiness, metrics and structured logs (docs/monitoring.md).
# - /health/live, /health/ready and /metrics (fokus/lib/health.py) are answered before the
#   session middleware (ProbeMiddleware): no login, no cookie, no access-log entry.
# - FOKUS_WORKER_MAX_LAG_SECONDS: readiness fails when a task has waited this long past its
#   run time (no `fokus worker` is taking tasks), or no worker heartbeat is that recent.
# - FOKUS_METRICS_ALLOWED: the addresses or networks that may read /metrics (comma-separated).
# - FOKUS_LOG_FORMAT: "json" (one object a line; production's default) or "text" (the demo's).
#   Every line of a request carries its id (X-Request-ID; an incoming one is kept only from
#   FOKUS_TRUSTED_PROXIES); the request line names the route, never the path or the query.
FOKUS_WORKER_MAX_LAG_SECONDS = _env_positive_int("FOKUS_WORKER_MAX_LAG_SECONDS", 300)
# The task worker's schedule (issue 12; fokus.lib.schedule): `fokus worker` enqueues the
# periodic jobs itself; FOKUS_SCHEDULE_OFF names those it leaves to the municipality's own
# scheduler (comma-separated, e.g. "retention,audit-export-head"; checked by the worker).
FOKUS_SCHEDULE_OFF = env_list("FOKUS_SCHEDULE_OFF")
FOKUS_METRICS_ALLOWED = env_list("FOKUS_METRICS_ALLOWED", "127.0.0.1,::1")
for _value in FOKUS_METRICS_ALLOWED:
    try:
        import ipaddress as _ipaddress

        _ipaddress.ip_network(_value, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"FOKUS_METRICS_ALLOWED: {_value!r} is not an address or a network") from None
FOKUS_LOG_FORMAT = env_str("FOKUS_LOG_FORMAT", "json" if PRODUCTION else "text")
if FOKUS_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("FOKUS_LOG_FORMAT must be 'json' or 'text'")
MIDDLEWARE.insert(MIDDLEWARE.index("fokus.lib.middleware.TrustedProxyMiddleware") + 1,
                  "fokus.lib.health.RequestMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
                  "fokus.lib.health.ProbeMiddleware")
LOGGING["filters"]["fokus_request_id"] = {"()": "fokus.lib.logging.RequestIdFilter"}
LOGGING["formatters"]["fokus_json"] = {"()": "fokus.lib.logging.JsonFormatter"}
LOGGING["formatters"]["fokus_text"] = {"()": "fokus.lib.logging.TextFormatter"}
for _handler in ("console", "django.server"):
    LOGGING["handlers"][_handler].setdefault("filters", []).append("fokus_request_id")
LOGGING["handlers"]["console"]["formatter"] = f"fokus_{FOKUS_LOG_FORMAT}"
if FOKUS_LOG_FORMAT == "json":
    LOGGING["handlers"]["django.server"]["formatter"] = "fokus_json"
    # The request line (fokus.request) replaces runserver's own: same request, no path.
    LOGGING["loggers"]["django.server"]["level"] = "WARNING"
LOGGING["loggers"]["fokus.request"] = {"level": "INFO"}
# (end of "Operations (issue 12)")

# The REST API (issue 13, fokus.api): calls per API token per minute before it is
# answered 429 with Retry-After (counted in the cache: per process with the default
# local-memory cache, shared with FOKUS_CACHE set).
FOKUS_API_RATE_PER_MINUTE = _env_positive_int("FOKUS_API_RATE_PER_MINUTE", 120)
# A control character in an API request is refused as the API's JSON error, not the pages'.
MIDDLEWARE.insert(MIDDLEWARE.index("fokus.lib.middleware.ControlCharacterMiddleware"),
                  "fokus.api.middleware.ApiControlCharacterMiddleware")
