"""Séances, attendance, agenda, calendar feeds and public workshops."""

from flask import Blueprint

bp = Blueprint("sessions", __name__, template_folder="templates", url_prefix="/sessions")

from app.sessions import views  # noqa: E402,F401
