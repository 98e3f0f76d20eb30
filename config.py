"""Configuration classes, read from the environment (and an optional `.env` file)."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


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


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
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

    # Throttling of failed logins: per IP (Flask-Limiter) and per account (database counter).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
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

    # Absolute base URL used in emailed links when no request is at hand (CLI, cron).
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")


class DevelopmentConfig(Config):
    DEBUG = False  # the debugger is never on by default: `make run` may be reachable
    # `make run` serves the demo on the loopback address: its printed logins must work at once.
    # Production enforces MFA unless MFA_ENFORCED=false is set explicitly.
    MFA_ENFORCED = _env_bool("MFA_ENFORCED", False)


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
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
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls) -> None:
        """Refuse to start with a missing or development secret key."""
        key = os.environ.get("SECRET_KEY", "")
        if not key or key == Config.SECRET_KEY or len(key) < 16:
            raise RuntimeError("SECRET_KEY must be set (at least 16 characters) to run in production.")
        cls.SECRET_KEY = key


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}
