"""Orientations (referrals) to partner structures, followed to their outcome."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, template_folder="templates", url_prefix="/referrals")

from app.referrals import views  # noqa: E402,F401
