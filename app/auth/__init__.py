"""Users, login, invitations and password reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")


@bp.record_once
def _make_dummy_hash(state) -> None:
    from app.auth.services import make_dummy_hash

    make_dummy_hash(state.app)


from app.auth import views  # noqa: E402,F401
