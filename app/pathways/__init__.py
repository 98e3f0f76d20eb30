"""Parcours templates and their stages."""

from flask import Blueprint

bp = Blueprint("pathways", __name__, template_folder="templates", url_prefix="/pathways")

from app.pathways import views  # noqa: E402,F401
