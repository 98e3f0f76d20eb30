"""Personal data: RGPD rights, retention, anonymisation."""

from flask import Blueprint

bp = Blueprint("privacy", __name__, template_folder="templates", url_prefix="/privacy")

from app.privacy import views  # noqa: E402,F401
