"""Passerelle: accompaniment CRM for ESS poles."""

import importlib
import importlib.util
import logging
from importlib.metadata import PackageNotFoundError, version

from flask import Flask, Response, has_request_context, render_template, request, session
from flask_babel import lazy_gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from app.extensions import babel, csrf, db, limiter, login_manager, migrate

# Domain packages, in dependency order. Each has `bp`; it may have `cli.py` (a `register(app)`
# function) and `demo.py` (a `seed(pole, ctx)` function called by `flask demo seed`).
DOMAINS = (
    "main",
    "auth",
    "poles",
    "people",
    "structures",
    "collectives",
    "imports",
    "pathways",
    "requests",
    "accompaniments",
    "sessions",
    "referrals",
    "reports",
    "portal",
    "privacy",
    "mail",
    "demo",
)

try:
    __version__ = version("passerelle")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"


def _config_class():
    from config import config_from_environment

    return config_from_environment()


def existing_domains() -> list[str]:
    return [d for d in DOMAINS if importlib.util.find_spec(f"app.{d}") is not None]


def domain_module(domain: str, name: str):
    """Import `app.<domain>.<name>` when that module exists, else None."""
    if importlib.util.find_spec(f"app.{domain}.{name}") is None:
        return None
    return importlib.import_module(f"app.{domain}.{name}")


def create_app(config_class=None) -> Flask:
    config_class = config_class or _config_class()
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config_class)
    if hasattr(config_class, "init_app"):
        config_class.init_app(app)  # production: refuses a weak SECRET_KEY or a non-https BASE_URL
    app.config["VERSION"] = __version__
    _configure_hosts_and_proxy(app)
    logging.basicConfig(level=logging.INFO)

    _init_extensions(app)
    _register_domains(app)
    _register_error_handlers(app)
    _register_template_helpers(app)

    from app.core.security import init_security

    init_security(app)
    # First of all before_request functions: nothing (session, rate limiter, scope) runs for a
    # request whose Host header is not ours.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)
    return app


def _refuse_untrusted_host():
    """A plain 400 for a Host outside TRUSTED_HOSTS (no page: links cannot be built for it)."""
    if isinstance(request.routing_exception, SecurityError):
        return Response(
            "Requête refusée : cette adresse de serveur n'est pas celle de l'application.\n",
            status=400,
            mimetype="text/plain",
        )
    return None


def _configure_hosts_and_proxy(app: Flask) -> None:
    """Refuse foreign Host headers (Flask's TRUSTED_HOSTS) and believe exactly PROXY_FIX_HOPS proxies."""
    from config import ConfigurationError, trusted_hosts

    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(
            app.config["BASE_URL"], app.config.get("EXTRA_TRUSTED_HOSTS") or ()
        )
    hops = app.config.get("PROXY_FIX_HOPS") or 0
    if not isinstance(hops, int) or hops < 0:
        raise ConfigurationError(f"PROXY_FIX_HOPS must be 0 (no proxy) or the number of proxies: {hops!r}")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address and scheme as the proxies saw them; the Host header is the one
        # nginx passes on (`proxy_set_header Host $host`), checked against TRUSTED_HOSTS.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=0)


def _select_locale() -> str:
    if not has_request_context():
        return "fr"
    lang = session.get("lang")
    return lang if lang in ("fr", "en") else "fr"


def _select_timezone() -> str | None:
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.pole is not None:
        return current_user.pole.timezone
    return None


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    from app.core.models import render_migration_item

    migrate.init_app(app, db, render_as_batch=True, compare_type=True, render_item=render_migration_item)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    from app.core import i18n

    i18n.install()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    from app.core.database import configure_engine

    with app.app_context():
        configure_engine(app, db.engine)

    @login_manager.user_loader
    def load_user(user_id: str):
        from app.auth.models import User, UserSession

        try:
            uid, version_str = user_id.split(":", 1)
            uid_int, session_version = int(uid), int(version_str)
        except (ValueError, AttributeError):
            return None
        user = db.session.get(User, uid_int)
        if user is None or not user.active or user.session_version != session_version:
            return None
        # The browser's registered session must still be open (ended from another device?).
        record = db.session.get(UserSession, session.get("sid") or "")
        if record is None or record.user_id != user.id or record.revoked_at is not None:
            return None
        return user


def _register_domains(app: Flask) -> None:
    for domain in existing_domains():
        module = importlib.import_module(f"app.{domain}")
        bp = getattr(module, "bp", None)
        if bp is not None:
            app.register_blueprint(bp)
        for name in ("models",):
            domain_module(domain, name)
        cli = domain_module(domain, "cli")
        if cli is not None and hasattr(cli, "register"):
            cli.register(app)
    from app.core import audit, links  # noqa: F401  (model registration)


def _register_error_handlers(app: Flask) -> None:
    messages = {
        400: _("La requête est invalide ou le formulaire a expiré. Rechargez la page et réessayez."),
        403: _("Vous n'avez pas accès à cette page."),
        404: _("Cette page n'existe pas ou n'est pas accessible."),
        405: _("Cette action n'est pas permise ici."),
        413: _("Le fichier envoyé est trop volumineux."),
        429: _("Trop de tentatives. Patientez quelques minutes avant de réessayer."),
        500: _("Une erreur inattendue s'est produite. L'équipe technique a été prévenue."),
    }

    def render_error(code: int):
        if code >= 500:
            # An unexpected failure may leave half-done work in the session: drop it. Client
            # errors (404 of a scoped lookup, 400, 429) write nothing, and views commit once.
            db.session.rollback()
        return render_template("errors/error.html", code=code, message=messages.get(code)), code

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc):
        return render_error(400)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        if code in messages:
            return render_error(code)
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return render_error(500)


def _register_template_helpers(app: Flask) -> None:
    from app.core import formatting

    formatting.register(app)
