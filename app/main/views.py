"""Home page, health check, language switch."""

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.redirects import safe_next
from app.extensions import db
from app.main import bp

# Each domain may register a home-page section here: (roles, template, context_function).
HOME_SECTIONS: list = []


@bp.route("/")
@login_required
def home():
    sections = []
    for roles, template, context in HOME_SECTIONS:
        if current_user.role in roles:
            sections.append((template, context()))
    return render_template("main/home.html", sections=sections)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok"}, 200


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in ("fr", "en"):
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))
