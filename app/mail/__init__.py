"""E-mails the app sends: the outbox drained by `flask mail send`, séance reminders with their
calendar invitations and opt-out, the monthly e-mails (DESIGN.md §8)."""

from flask import Blueprint

bp = Blueprint("mail", __name__, template_folder="templates", url_prefix="/courriels")

from app.mail import views  # noqa: E402,F401
