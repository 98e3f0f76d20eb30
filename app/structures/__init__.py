"""Structures and the partner directory (annuaire)."""

from flask import Blueprint

bp = Blueprint("structures", __name__, template_folder="templates", url_prefix="/structures")

from app.structures import views  # noqa: E402,F401
