"""Route decorators for login and role. Object-level checks live in the scoped queries."""

from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

ADMIN = "admin"
ADVISOR = "advisor"
HOLDER = "holder"
PARTNER = "partner"
REGIONAL = "regional"
ROLES = (ADMIN, ADVISOR, HOLDER, PARTNER, REGIONAL)
STAFF = (ADMIN, ADVISOR)


def _record_denial() -> None:
    """Journal the refusal, committed now: the 404 handler rolls the session back."""
    from app.core.audit import record_audit
    from app.extensions import db

    record_audit("access.denied", changes={"endpoint": request.endpoint, "method": request.method})
    db.session.commit()


def roles_required(*roles: str) -> Callable:
    """Require a logged-in user with one of `roles`; others get 404 (existence not disclosed)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                _record_denial()
                abort(404)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # read by the route sweep
        return wrapped

    return decorator


staff_required = roles_required(*STAFF)
admin_required = roles_required(ADMIN)
