"""Signed, expiring, single-use tokens for invitations and password resets.

A token carries the user id and a fingerprint of the current password hash: once the
password is set, every earlier token stops working.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db

INVITATION = "invitation"
PASSWORD_RESET = "password-reset"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"passerelle-{purpose}")


def _fingerprint(user: User) -> str:
    basis = f"{user.password_hash or ''}:{user.session_version}:{user.invited_at}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def read_token(token: str, purpose: str, max_age_hours: int) -> User | None:
    """The user a valid token designates, or None (expired, tampered, already used)."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_hours * 3600)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.scalar(select(User).where(User.id == data.get("u")))
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user
