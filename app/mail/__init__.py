"""E-mails the app sends: the outbox drained by `flask mail send`, séance reminders with their
calendar invitations and opt-out, the monthly e-mails (DESIGN.md §8)."""

from flask import Blueprint

bp = Blueprint("mail", __name__, template_folder="templates", url_prefix="/courriels")

from app.mail import views  # noqa: E402,F401


@bp.record_once
def _register_anonymiser(_state) -> None:
    # Registered when the app is built (not at import: privacy imports half the domains).
    from app.mail.services import anonymise_mails
    from app.privacy.services import ANONYMISERS

    if anonymise_mails not in ANONYMISERS:
        ANONYMISERS.append(anonymise_mails)
