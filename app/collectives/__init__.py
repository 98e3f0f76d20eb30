"""Collectives and their memberships."""

from flask import Blueprint

bp = Blueprint("collectives", __name__, template_folder="templates", url_prefix="/collectives")

from app.collectives import views  # noqa: E402,F401
