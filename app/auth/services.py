"""Account operations. They flush; the caller commits."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import func, select

from app.auth import tokens
from app.auth.models import User
from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.core.audit import record_audit
from app.core.mail import render_mail, send_mail
from app.core.models import utcnow
from app.core.permissions import REGIONAL, ROLES
from app.extensions import db
from app.poles.models import Pole


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


@dataclass
class LoginResult:
    user: User | None
    throttled: bool = False


def account_throttled(user: User) -> bool:
    cfg = current_app.config
    if user.failed_login_count < cfg["ACCOUNT_MAX_FAILED_LOGINS"] or not user.last_failed_login_at:
        return False
    return utcnow() - user.last_failed_login_at < timedelta(minutes=cfg["ACCOUNT_LOCK_MINUTES"])


def _end_read_transaction() -> None:
    """End a transaction that has only read, so no lock is held during the slow hash check.

    On SQLite a writing request's transaction takes the database write lock when it begins
    (app.core.database); argon2 takes a good fraction of a second, during which every other
    writer would wait. Nothing is pending at this point, so ending the transaction loses nothing.
    """
    if not (db.session.new or db.session.dirty or db.session.deleted):
        db.session.commit()


def authenticate(email: str, password: str) -> LoginResult:
    """Check credentials, keeping the per-account failure counter in the database."""
    user = find_user_by_email(email)
    password_hash = user.password_hash if user is not None else None
    throttled = user is not None and account_throttled(user)
    _end_read_transaction()
    if user is None:
        # Same work as a real check, so timing does not reveal which emails exist.
        verify_password(hash_password("timing-equaliser-password"), password)
        record_audit("login.failure", changes={"reason": "unknown_account"})
        return LoginResult(None)
    if throttled:
        record_audit("login.throttled", user, pole_id=user.pole_id)
        return LoginResult(None, throttled=True)
    password_ok = verify_password(password_hash, password)  # slow on purpose: no lock held
    if not user.active or not password_ok:
        user.failed_login_count = (user.failed_login_count or 0) + 1
        user.last_failed_login_at = utcnow()
        record_audit("login.failure", user, pole_id=user.pole_id, actor_id=user.id)
        return LoginResult(None)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_login_count = 0
    user.last_failed_login_at = None
    if user.mfa_enabled_at is not None:
        # Not logged in yet: the second step (app.auth.mfa.check_second_factor) records the success.
        record_audit("login.password_ok", user, pole_id=user.pole_id, actor_id=user.id)
        return LoginResult(user)
    user.last_login_at = utcnow()
    record_audit("login.success", user, pole_id=user.pole_id, actor_id=user.id)
    return LoginResult(user)


def set_password(user: User, password: str) -> None:
    """Set a new password (policy checked), ending every existing session."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_login_count = 0
    user.end_sessions()
    record_audit("user.password_set", user, pole_id=user.pole_id, actor_id=user.id)


def create_user(
    email: str,
    role: str,
    pole: Pole | None,
    *,
    full_name: str = "",
    password: str | None = None,
) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"Adresse e-mail invalide : {email!r}")
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu : {role} (attendu : {', '.join(ROLES)})")
    if role == REGIONAL and pole is not None:
        raise AccountError("Un compte régional n'appartient à aucun pôle.")
    if role != REGIONAL and pole is None:
        raise AccountError("Ce rôle demande un pôle.")
    if find_user_by_email(email) is not None:
        raise AccountError(f"Un compte existe déjà pour {email}.")
    user = User(
        email=email,
        role=role,
        pole_id=pole.id if pole else None,
        full_name=(full_name or "").strip(),
        invited_at=utcnow(),
        session_version=1,
        failed_login_count=0,
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    if password is not None:
        set_password(user, password)
    record_audit("user.create", user, {"email": email, "role": role}, pole_id=user.pole_id)
    return user


def _external_url(endpoint: str, **values) -> str:
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:  # outside a request: build from BASE_URL
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return url_for(endpoint, _external=True, **values)


def invitation_link(user: User) -> str:
    return _external_url("auth.accept_invitation", token=tokens.make_token(user, tokens.INVITATION))


def invite_user(
    email: str, role: str, pole: Pole | None, *, full_name: str = "", send: bool = True
) -> tuple[User, str]:
    """Create an account without password and email its invitation link (valid 72 h)."""
    user = create_user(email, role, pole, full_name=full_name)
    link = invitation_link(user)
    if send:
        hours = current_app.config["INVITATION_MAX_AGE_HOURS"]
        pole_name = pole.name if pole else "Passerelle"
        send_mail(
            user.email,
            f"Invitation à rejoindre {pole_name} sur Passerelle",
            render_mail("invitation", pole_name=pole_name, hours=hours, link=link)[0],
            pole_id=user.pole_id,
            kind="invitation",
        )
    return user, link


def reinvite_user(user: User) -> str:
    """A fresh invitation link (the previous ones stop working)."""
    user.invited_at = utcnow()
    link = invitation_link(user)
    send_mail(
        user.email,
        "Votre invitation Passerelle",
        render_mail("reinvitation", link=link)[0],
        pole_id=user.pole_id,
        kind="invitation",
    )
    record_audit("user.reinvite", user)
    return link


def send_password_reset(email: str) -> None:
    """Email a reset link when the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    link = _external_url("auth.reset_password", token=tokens.make_token(user, tokens.PASSWORD_RESET))
    hours = current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"]
    send_mail(
        user.email,
        "Réinitialisation de votre mot de passe Passerelle",
        render_mail("password_reset", hours=hours, link=link)[0],
        pole_id=user.pole_id,
        kind="password_reset",
    )
    record_audit("user.password_reset_requested", user, pole_id=user.pole_id, actor_id=user.id)


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate an account; deactivation ends its sessions at once."""
    if user.active == active:
        return
    user.active = active
    if not active:
        user.end_sessions()
    record_audit("user.activate" if active else "user.deactivate", user)
