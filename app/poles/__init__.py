"""Poles (tenants), their settings and their thematics."""

from flask import Blueprint

bp = Blueprint("poles", __name__, template_folder="templates")

from app.poles import views  # noqa: E402,F401
