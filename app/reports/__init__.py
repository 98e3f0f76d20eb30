"""Monthly report, funder indicators and the regional view."""

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")

from app.reports import views  # noqa: E402,F401
