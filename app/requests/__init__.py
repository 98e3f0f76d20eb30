"""Requests (sollicitations): first contacts asking for the accompaniment offer."""

from flask import Blueprint

bp = Blueprint("requests", __name__, template_folder="templates", url_prefix="/requests")

from app.requests import views  # noqa: E402,F401
