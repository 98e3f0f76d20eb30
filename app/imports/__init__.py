"""Spreadsheet (CSV) imports: people, structures, collectives — and a registry for more."""

from flask import Blueprint

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/imports")

from app.imports import views  # noqa: E402,F401
