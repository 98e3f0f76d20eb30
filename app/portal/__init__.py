"""The porteur's space: own parcours, séances, orientations, questionnaires."""

from flask import Blueprint

bp = Blueprint("portal", __name__, template_folder="templates", url_prefix="/portal")

from app.portal import views  # noqa: E402,F401
