"""Accompaniment dossiers moving through a parcours."""

from flask import Blueprint

bp = Blueprint("accompaniments", __name__, template_folder="templates", url_prefix="/accompaniments")

from app.accompaniments import views  # noqa: E402,F401
