"""Security headers, idle/absolute session timeouts, the MFA enrolment gate and the pole scope."""

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, logout_user

from app.core.models import utcnow
from app.core.scoping import clear_pole_scope, set_pole_scope

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

# A user who must enrol in MFA (app.auth.mfa.needs_enrolment) can reach only these pages.
MFA_GATE_EXEMPT = {"auth.mfa_setup", "auth.logout", "main.set_language"}


def init_security(app: Flask) -> None:
    @app.before_request
    def _session_timeouts_and_scope():
        if request.endpoint in ("static", "main.healthz"):
            return None
        if current_user.is_authenticated:
            now = int(utcnow().timestamp())
            idle = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
            absolute = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
            last_seen = session.get("last_seen", 0)
            login_at = session.get("login_at", 0)
            if now - last_seen > idle or now - login_at > absolute:
                logout_user()
                session.clear()
                set_pole_scope(None)
                flash(_("Votre session a expiré : reconnectez-vous."), "warning")
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            session["last_seen"] = now
            set_pole_scope(current_user.pole_id)
            if request.endpoint not in MFA_GATE_EXEMPT:
                from app.auth.mfa import needs_enrolment  # late import: auth builds on core

                if needs_enrolment(current_user):
                    return redirect(url_for("auth.mfa_setup"))
        else:
            set_pole_scope(None)
        return None

    @app.teardown_request
    def _clear_request_state(_exc):
        # The app context (and so `g`) outlives the request when one was already pushed,
        # as in tests and CLI-driven requests: forget this request's user and scope.
        clear_pole_scope()
        from flask import g

        g.pop("_login_user", None)
        refresh()  # Flask-Babel caches the locale and time zone on the app context

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "same-origin"
        h["X-Frame-Options"] = "DENY"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config.get("SESSION_COOKIE_SECURE"):
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static" and (
            current_user.is_authenticated or response.status_code >= 400 or request.method != "GET"
        ):
            h["Cache-Control"] = "no-store"
        return response
