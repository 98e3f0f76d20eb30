"""Configuration classes, read from the environment (and an optional `.env` file)."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

DEV_SECRET_KEY = "dev-only-not-secret"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class ConfigurationError(RuntimeError):
    """The environment does not describe a configuration the app can safely start with."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'passerelle.sqlite'}"
    # Accept the usual Heroku/libpq spellings and route them through psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.") from None


def secret_key_problem(key: str) -> str | None:
    """Why `key` cannot sign production sessions and links, or None when it is strong enough."""
    if not key:
        return "SECRET_KEY is not set."
    if key == DEV_SECRET_KEY:
        return "SECRET_KEY is the development value."
    if len(key) < 16:
        return "SECRET_KEY is shorter than 16 characters."
    if len(set(key)) < 8:
        return "SECRET_KEY repeats too few distinct characters."
    return None


def trusted_hosts(base_url: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The Host names requests may carry: BASE_URL's, the extra ones, and loopback for a loopback BASE_URL."""
    hosts = [urlsplit(base_url).hostname or ""] + list(extra)
    if hosts[0] in LOOPBACK_HOSTS:
        hosts += LOOPBACK_HOSTS
    return list(dict.fromkeys(h.lower() for h in hosts if h))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    # Sessions: signed cookie, checked against the user's session version on each request.
    SESSION_COOKIE_NAME = "passerelle_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_MAX_HOURS", "12")))
    IDLE_TIMEOUT_MINUTES = int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30"))

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Long reports add up precomputed per-month figures (app/reports/figures.py); false reads
    # every record instead (same results, slower): a switch for diagnosis.
    PRECOMPUTED_FIGURES = os.environ.get("PRECOMPUTED_FIGURES", "1") not in ("0", "false", "no")
    # At most this many stale (pole, month) figures are recomputed by one request.
    PRECOMPUTED_FIGURES_BUDGET = int(os.environ.get("PRECOMPUTED_FIGURES_BUDGET", "24"))
    # … and stops starting new ones after this many seconds.
    PRECOMPUTED_FIGURES_BUDGET_SECONDS = float(os.environ.get("PRECOMPUTED_FIGURES_BUDGET_SECONDS", "1"))

    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024

    # Throttling of failed logins: per client address (the rate limiter's storage, shared through
    # Redis when RATELIMIT_STORAGE_URI is redis://…) and per submitted e-mail (database table).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    # Failed logins allowed per client address (app.auth.views); a browser where an account
    # logged in before (device cookie) is not stopped by its address's count for that account.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    DEVICE_COOKIE_NAME = "passerelle_device"
    DEVICE_COOKIE_DAYS = 180
    ACCOUNT_MAX_FAILED_LOGINS = int(os.environ.get("ACCOUNT_MAX_FAILED_LOGINS", "5"))
    ACCOUNT_LOCK_MINUTES = int(os.environ.get("ACCOUNT_LOCK_MINUTES", "15"))

    # Multi-factor authentication (TOTP). When MFA_ENFORCED, admins, regional coordinators (and
    # the staff of a pole with `mfa_required_for_staff`) must enrol before using the app. Users
    # who enrolled are always asked for their code, whatever this flag says.
    MFA_ENFORCED = _env_bool("MFA_ENFORCED", True)
    MFA_ISSUER = os.environ.get("MFA_ISSUER", "Passerelle")
    MFA_MAX_FAILED = int(os.environ.get("MFA_MAX_FAILED", "5"))
    MFA_PENDING_MINUTES = 5  # time allowed between the password and the code

    # The audit journal keeps this many months (`flask audit purge`).
    AUDIT_RETENTION_MONTHS = int(os.environ.get("AUDIT_RETENTION_MONTHS", "12"))
    # Persons with no activity for this many months are listed for anonymisation
    # (`flask privacy retention`, page "Durée de conservation").
    PRIVACY_RETENTION_MONTHS = int(os.environ.get("PRIVACY_RETENTION_MONTHS", "36"))

    INVITATION_MAX_AGE_HOURS = 72
    PASSWORD_RESET_MAX_AGE_HOURS = 2

    # Argon2id cost; the defaults follow argon2-cffi's RFC 9106 "low memory" profile.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "passerelle@localhost")
    # The outbox worker (`flask mail send`): retries back off from BASE to MAX seconds and stop
    # after MAX_ATTEMPTS (the mail is then marked failed).
    MAIL_TIMEOUT_SECONDS = int(os.environ.get("MAIL_TIMEOUT_SECONDS", "15"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "10"))
    MAIL_RETRY_BASE_SECONDS = int(os.environ.get("MAIL_RETRY_BASE_SECONDS", "60"))
    MAIL_RETRY_MAX_SECONDS = int(os.environ.get("MAIL_RETRY_MAX_SECONDS", str(6 * 3600)))
    MAIL_BATCH_SIZE = int(os.environ.get("MAIL_BATCH_SIZE", "20"))
    MAIL_WORKER_INTERVAL_SECONDS = int(os.environ.get("MAIL_WORKER_INTERVAL_SECONDS", "10"))

    # The public address (scheme, host, optional path prefix): every absolute link (e-mails,
    # calendar feed address, PDFs) is built from it (app.core.urls.absolute_url), never from
    # the request's Host header. Requests whose Host is neither BASE_URL's host nor one of
    # EXTRA_TRUSTED_HOSTS (env TRUSTED_HOSTS, comma-separated) answer 400 (Flask's
    # TRUSTED_HOSTS, derived from both when the app is created).
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    EXTRA_TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS")
    # Number of reverse proxies in front of the app (1 behind nginx): their X-Forwarded-For and
    # X-Forwarded-Proto are then believed (werkzeug ProxyFix). 0: no proxy, nothing believed.
    PROXY_FIX_HOPS = _env_int("PROXY_FIX_HOPS", 0)

    @classmethod
    def init_app(cls, app) -> None:
        """Checks and settings made when the app is created, from the environment of that moment."""


class DevelopmentConfig(Config):
    DEBUG = False  # the debugger is never on by default: `make run` may be reachable
    # `make run` serves the demo on the loopback address: its printed logins must work at once.
    # Production enforces MFA unless MFA_ENFORCED=false is set explicitly.
    MFA_ENFORCED = _env_bool("MFA_ENFORCED", False)


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    BASE_URL = "http://localhost"  # the test client's host
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or _database_url()
    WTF_CSRF_ENABLED = False
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    MAIL_SERVER = ""
    # Off so that the `admin` fixture + `login_as` keep working; MFA tests switch it on
    # with `monkeypatch.setitem(app.config, "MFA_ENFORCED", True)`.
    MFA_ENFORCED = False
    # Tests count recomputed months; a slow machine must not cut them short.
    PRECOMPUTED_FIGURES_BUDGET_SECONDS = 60.0


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-passerelle_session"
    DEVICE_COOKIE_NAME = "__Host-passerelle_device"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def init_app(cls, app) -> None:
        """Refuse to start without a strong secret key or without a public https BASE_URL.

        Both are read from the environment when the app is created (not when this module was
        imported), so the key the operator gives at start-up is the one checked and used.
        """
        key = os.environ.get("SECRET_KEY", "")
        problem = secret_key_problem(key)
        if problem:
            raise ConfigurationError(
                f"{problem} Production needs SECRET_KEY: a random value of at least 16 characters, "
                'e.g. python3 -c "import secrets; print(secrets.token_urlsafe(48))".'
            )
        base_url = os.environ.get("BASE_URL", "").strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ConfigurationError(
                "BASE_URL must be the public https:// address in production "
                f"(got {base_url or 'nothing'!r}), "
                "e.g. BASE_URL=https://passerelle.example.org"
            )
        app.config["SECRET_KEY"] = key
        app.config["BASE_URL"] = base_url


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    """The configuration PASSERELLE_ENV names (development when unset); an unknown name stops."""
    variable = "PASSERELLE_ENV" if os.environ.get("PASSERELLE_ENV") else "FLASK_ENV"
    name = (os.environ.get(variable) or "development").strip()
    if name not in CONFIGS:
        raise ConfigurationError(
            f"Unknown {variable}={name!r}: expected one of {', '.join(CONFIGS)}. "
            "Refusing to start rather than fall back to the development settings."
        )
    return CONFIGS[name]
