"""Account operations. They flush; the caller commits."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.auth import tokens
from app.auth.models import LoginFailure, User
from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.core.audit import record_audit
from app.core.mail import render_mail, send_mail
from app.core.models import utcnow
from app.core.permissions import REGIONAL, ROLES
from app.core.urls import absolute_url
from app.extensions import db
from app.poles.models import Pole


class AccountError(ValueError):
    pass


class AccountExistsElsewhere(AccountError):
    """The address has an account outside the inviting pole.

    The inviting admin must not learn it (the address is someone else's business): callers
    answer exactly as for a sent invitation; the owner of the account is told by e-mail.
    """


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


@dataclass
class LoginResult:
    user: User | None
    throttled: bool = False


DUMMY_HASH_KEY = "passerelle_dummy_password_hash"


def make_dummy_hash(app) -> None:
    """One hash made at start-up, checked for unknown addresses: the same work as a real check."""
    with app.app_context():
        app.extensions[DUMMY_HASH_KEY] = hash_password(secrets.token_urlsafe(24))


def _dummy_hash() -> str:
    return current_app.extensions[DUMMY_HASH_KEY]


def failure_key(email: str) -> str:
    """The login_failures key of a submitted address: an HMAC, so the table holds no address."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def _locked(failures: LoginFailure | None) -> bool:
    cfg = current_app.config
    if failures is None or failures.failure_count < cfg["ACCOUNT_MAX_FAILED_LOGINS"]:
        return False
    return utcnow() - failures.last_failed_at < timedelta(minutes=cfg["ACCOUNT_LOCK_MINUTES"])


def _count_failure(key: str) -> bool:
    """Count one failed login for `key`; True when this failure locks the address."""
    cfg = current_app.config
    now = utcnow()
    failures = db.session.get(LoginFailure, key, with_for_update=True)
    if failures is None:
        # Forget the addresses nobody has mistyped for a day (they only fill the table).
        db.session.execute(delete(LoginFailure).where(LoginFailure.last_failed_at < now - timedelta(days=1)))
        try:
            with db.session.begin_nested():
                failures = LoginFailure(key=key, failure_count=0, last_failed_at=now)
                db.session.add(failures)
        except IntegrityError:  # another request counted the first failure meanwhile
            failures = db.session.get(LoginFailure, key, with_for_update=True, populate_existing=True)
    elif now - failures.last_failed_at >= timedelta(minutes=cfg["ACCOUNT_LOCK_MINUTES"]):
        failures.failure_count, failures.locked_at = 0, None  # an old series: start again
    failures.failure_count += 1
    failures.last_failed_at = now
    if failures.failure_count >= cfg["ACCOUNT_MAX_FAILED_LOGINS"] and failures.locked_at is None:
        failures.locked_at = now
        return True
    return False


def clear_failures(email: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == failure_key(email)))


def _end_read_transaction() -> None:
    """End a transaction that has only read, so no lock is held during the slow hash check.

    On SQLite a writing request's transaction takes the database write lock when it begins
    (app.core.database); argon2 takes a good fraction of a second, during which every other
    writer would wait. Nothing is pending at this point, so ending the transaction loses nothing.
    """
    if not (db.session.new or db.session.dirty or db.session.deleted):
        db.session.commit()


def authenticate(email: str, password: str) -> LoginResult:
    """Check credentials, counting failures per submitted address in the database.

    Whatever the address (an account, an inactive or invited one, none), the same work is done
    and the same answer given: one argon2 check (against a dummy hash made at start-up when
    there is no usable one), one failure counted for the address, and after
    ACCOUNT_MAX_FAILED_LOGINS failures, 429 for ACCOUNT_LOCK_MINUTES. The owner of a locked
    account is e-mailed a reset link, which logs in whatever the lock.
    """
    key = failure_key(email)
    user = find_user_by_email(email)
    password_hash = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    throttled = _locked(db.session.get(LoginFailure, key))
    _end_read_transaction()
    pole_id = user.pole_id if user is not None else None
    if throttled:
        if user is None:
            record_audit("login.throttled", changes={"reason": "unknown_account"})
        else:
            record_audit("login.throttled", user, pole_id=pole_id)
        return LoginResult(None, throttled=True)
    password_ok = verify_password(password_hash, password)  # slow on purpose: no lock held
    if user is None or not user.active or not user.password_hash or not password_ok:
        newly_locked = _count_failure(key)
        if user is None:
            record_audit("login.failure", changes={"reason": "unknown_account"})
        else:
            record_audit("login.failure", user, pole_id=pole_id, actor_id=user.id)
            if newly_locked and user.active:
                _tell_owner_of_lock(user)
        return LoginResult(None)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    clear_failures(email)
    user.failed_login_count = 0
    user.last_failed_login_at = None
    if user.mfa_enabled_at is not None:
        # Not logged in yet: the second step (app.auth.mfa.check_second_factor) records the success.
        record_audit("login.password_ok", user, pole_id=user.pole_id, actor_id=user.id)
        return LoginResult(user)
    user.last_login_at = utcnow()
    record_audit("login.success", user, pole_id=user.pole_id, actor_id=user.id)
    return LoginResult(user)


def _tell_owner_of_lock(user: User) -> None:
    cfg = current_app.config
    link = absolute_url("auth.reset_password", token=tokens.make_token(user, tokens.PASSWORD_RESET))
    send_mail(
        user.email,
        "Connexion à votre compte Passerelle bloquée",
        render_mail(
            "account_locked",
            max_failures=cfg["ACCOUNT_MAX_FAILED_LOGINS"],
            lock_minutes=cfg["ACCOUNT_LOCK_MINUTES"],
            hours=cfg["PASSWORD_RESET_MAX_AGE_HOURS"],
            link=link,
        )[0],
        pole_id=user.pole_id,
        kind="login_locked",
    )
    record_audit("login.locked", user, pole_id=user.pole_id)


def set_password(user: User, password: str) -> None:
    """Set a new password (policy checked), ending every existing session."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_login_count = 0
    clear_failures(user.email)  # a reset link logs in a locked account
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
    """Kept for existing callers: every e-mailed link is built from BASE_URL, never the Host header."""
    return absolute_url(endpoint, **values)


def invitation_link(user: User) -> str:
    return absolute_url("auth.accept_invitation", token=tokens.make_token(user, tokens.INVITATION))


def invite_user(
    email: str, role: str, pole: Pole | None, *, full_name: str = "", send: bool = True
) -> tuple[User, str]:
    """Create an account without password and email its invitation link (valid 72 h).

    Raises AccountExistsElsewhere, after e-mailing the owner, when the address already has an
    account outside `pole`.
    """
    existing = find_user_by_email(email)
    if existing is not None and (pole is None or existing.pole_id != pole.id):
        _tell_owner_of_invitation_elsewhere(existing, pole, send=send)
        raise AccountExistsElsewhere(f"Un compte existe déjà pour {normalise_email(email)}.")
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


def _tell_owner_of_invitation_elsewhere(existing: User, pole: Pole | None, *, send: bool) -> None:
    pole_name = pole.name if pole else "Passerelle"
    # Journaled on the owner's side only: the inviting pole's journal says nothing either.
    record_audit(
        "user.invitation_elsewhere",
        existing,
        {"inviting_pole_id": pole.id if pole else None},
        pole_id=existing.pole_id,
    )
    if not send:
        return
    send_mail(
        existing.email,
        f"Invitation de {pole_name} sur Passerelle",
        render_mail("invitation_elsewhere", pole_name=pole_name, login_link=absolute_url("auth.login"))[0],
        pole_id=existing.pole_id,
        kind="invitation",
    )


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
    link = absolute_url("auth.reset_password", token=tokens.make_token(user, tokens.PASSWORD_RESET))
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
