"""Login (with its MFA step), logout, password reset, invitations and the admin's user list."""

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse as parse_limit
from sqlalchemy import select

from app.auth import bp, mfa, services, tokens
from app.auth.forms import (
    ROLE_LABELS,
    ChangePasswordForm,
    EmptyForm,
    ForgotPasswordForm,
    InviteUserForm,
    LoginForm,
    MfaCodeForm,
    MfaConfirmForm,
    NewPasswordForm,
    PasswordConfirmForm,
)
from app.auth.models import User, UserSession
from app.auth.passwords import verify_password
from app.core.audit import record_audit
from app.core.models import utcnow
from app.core.permissions import admin_required
from app.core.redirects import safe_next
from app.extensions import db, limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def start_session(user: User) -> None:
    """Log `user` in on this browser, registering the session so it can be listed and ended."""
    session.clear()
    record = UserSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        session_version=user.session_version,
        user_agent=(request.user_agent.string or "")[:200],
    )
    db.session.add(record)
    db.session.commit()
    login_user(user)
    session.permanent = True
    now = int(utcnow().timestamp())
    session["sid"] = record.id
    session["login_at"] = now
    session["last_seen"] = now


MFA_PENDING = "mfa_pending"


def begin_login(user: User, next_url: str | None):
    """After a correct password: log in, or hold a "pending MFA" marker until the code is checked."""
    if user.mfa_enabled_at is None:
        start_session(user)
        return redirect(next_url or url_for("main.home"))
    session.clear()
    session[MFA_PENDING] = {
        "uid": user.id,
        "v": user.session_version,
        "at": int(utcnow().timestamp()),
        "next": next_url,
    }
    return redirect(url_for("auth.mfa_verify"))


def _pending_mfa_user() -> tuple[User | None, str | None]:
    pending = session.get(MFA_PENDING)
    if not isinstance(pending, dict):
        return None, None
    max_age = current_app.config["MFA_PENDING_MINUTES"] * 60
    if int(utcnow().timestamp()) - int(pending.get("at", 0)) > max_age:
        session.pop(MFA_PENDING, None)
        return None, None
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.active or user.session_version != pending.get("v") or not user.mfa_enabled_at:
        session.pop(MFA_PENDING, None)
        return None, None
    return user, safe_next(pending.get("next"))


# --- Per-address limit of failed logins -------------------------------------------------------
#
# The client address comes from ProxyFix (PROXY_FIX_HOPS): behind nginx, each user has their own.
# Only failures count. An address over LOGIN_RATE_LIMIT failures is answered 429 without any
# password check (it guards against spraying one password over many accounts) — except for a
# browser that carries the device cookie of the account it names: a browser where that account
# logged in before, so its owner is never locked out by someone else's failures from the same
# address. The counters live in the rate limiter's storage (Redis when RATELIMIT_STORAGE_URI says
# so: shared by every worker and server). The per-e-mail counter (app.auth.services) guards one
# account whatever the address.

ADDRESS_SCOPE = "login-failures"
DEVICE_MAX_ACCOUNTS = 5


def _address_limit():
    return parse_limit(current_app.config["LOGIN_RATE_LIMIT"])


def _address_counter(method: str) -> bool:
    """`test` or `hit` the address's counter; True (not blocked) when limits are off or unreachable.

    The counters hold only what can be lost: if Redis is down, logins go on (the per-e-mail
    counter in the database still guards each account) and the outage is logged.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    try:
        return getattr(limiter.limiter, method)(_address_limit(), ADDRESS_SCOPE, prefix, get_remote_address())
    except Exception:
        current_app.logger.exception("Login rate limit storage unreachable")
        return True


def _address_blocked() -> bool:
    return not _address_counter("test")


def _count_address_failure() -> None:
    _address_counter("hit")


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="passerelle-device")


def _device_accounts() -> list[int]:
    """Ids of the accounts that logged in on this browser (signed cookie), most recent first."""
    raw = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not raw:
        return []
    max_age = current_app.config["DEVICE_COOKIE_DAYS"] * 86400
    try:
        ids = _device_serializer().loads(raw, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _known_device_for(email: str) -> bool:
    ids = _device_accounts()
    if not ids:
        return False
    user = services.find_user_by_email(email)
    return user is not None and user.id in ids


def _remember_device(response, user: User):
    ids = [user.id] + [i for i in _device_accounts() if i != user.id]
    cfg = current_app.config
    response.set_cookie(
        cfg["DEVICE_COOKIE_NAME"],
        _device_serializer().dumps(ids[:DEVICE_MAX_ACCOUNTS]),
        max_age=cfg["DEVICE_COOKIE_DAYS"] * 86400,
        secure=cfg["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        if _address_blocked() and not _known_device_for(form.email.data):
            db.session.rollback()
            abort(429)
        result = services.authenticate(form.email.data, form.password.data)
        if result.throttled:
            db.session.commit()
            abort(429)
        if result.user is None:
            db.session.commit()
            _count_address_failure()
            flash(_("Adresse e-mail ou mot de passe incorrect."), "error")
            return render_template("auth/login.html", form=form), 200
        db.session.commit()
        response = begin_login(result.user, safe_next(request.args.get("next")))
        return _remember_device(response, result.user)
    return render_template("auth/login.html", form=form)


@bp.route("/login/mfa", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
def mfa_verify():
    """Second login step: the user is not logged in until a valid code is given."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user, next_url = _pending_mfa_user()
    if user is None:
        flash(_("Votre connexion a expiré : saisissez à nouveau votre mot de passe."), "warning")
        return redirect(url_for("auth.login"))
    form = MfaCodeForm()
    if form.validate_on_submit():
        result = mfa.check_second_factor(user, form.code.data)
        db.session.commit()
        if result.throttled:
            abort(429)
        if result.ok:
            start_session(user)
            if result.method == "recovery_code":
                flash(
                    _(
                        "Code de secours accepté. Il vous en reste %(n)d : vous pouvez en générer "
                        "de nouveaux depuis la page « Double authentification ».",
                        n=mfa.recovery_codes_left(user),
                    ),
                    "warning",
                )
            return redirect(next_url or url_for("main.home"))
        form.code.errors.append(_("Code incorrect."))
    return render_template("auth/mfa_verify.html", form=form)


@bp.route("/account/mfa", methods=["GET", "POST"])
@login_required
def mfa_setup():
    """Enrol (a key, its QR code, a first code to confirm), then show the recovery codes once."""
    user = db.session.get(User, current_user.id)
    start_form = EmptyForm(prefix="start")
    confirm_form = MfaConfirmForm(prefix="confirm")
    disable_form = PasswordConfirmForm(prefix="disable")
    codes_form = PasswordConfirmForm(prefix="codes")
    if user.mfa_enabled_at is None:
        if start_form.validate_on_submit() and "start-submit" in request.form:
            mfa.start_enrolment(user)
            db.session.commit()
            return redirect(url_for("auth.mfa_setup"))
        if user.totp_secret and confirm_form.validate_on_submit():
            try:
                codes = mfa.confirm_enrolment(user, confirm_form.code.data)
            except mfa.MfaError as exc:
                confirm_form.code.errors.append(str(exc))
            else:
                db.session.commit()
                return render_template("auth/mfa_recovery_codes.html", codes=codes)
    return render_template(
        "auth/mfa_setup.html",
        user=user,
        required=mfa.mfa_required(user),
        start_form=start_form,
        confirm_form=confirm_form,
        disable_form=disable_form,
        codes_form=codes_form,
        qr=mfa.qr_data_uri(user) if user.totp_secret and user.mfa_enabled_at is None else None,
        secret=mfa.grouped_secret(user.totp_secret) if user.totp_secret else None,
        codes_left=mfa.recovery_codes_left(user),
    )


@bp.route("/account/mfa/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(_login_limit)  # each attempt counts: the password is being checked
def mfa_recovery_codes():
    """Replace the recovery codes (password required); the new ones are shown once."""
    user = db.session.get(User, current_user.id)
    form = PasswordConfirmForm(prefix="codes")
    if (
        user.mfa_enabled_at is not None
        and form.validate_on_submit()
        and verify_password(user.password_hash, form.password.data)
    ):
        codes = mfa.generate_recovery_codes(user)
        record_audit("user.mfa_recovery_codes_renewed", user, pole_id=user.pole_id)
        db.session.commit()
        return render_template("auth/mfa_recovery_codes.html", codes=codes, renewed=True)
    flash(_("Mot de passe incorrect : vos codes de secours n'ont pas changé."), "error")
    return redirect(url_for("auth.mfa_setup"))


@bp.route("/account/mfa/disable", methods=["POST"])
@login_required
@limiter.limit(_login_limit)  # each attempt counts: the password is being checked
def mfa_disable():
    user = db.session.get(User, current_user.id)
    form = PasswordConfirmForm(prefix="disable")
    if form.validate_on_submit() and verify_password(user.password_hash, form.password.data):
        mfa.disable_mfa(user)
        db.session.commit()
        if mfa.mfa_required(user):
            flash(
                _("Double authentification désactivée. Votre rôle l'exige : configurez un nouvel appareil."),
                "warning",
            )
        else:
            flash(_("Double authentification désactivée."), "success")
        return redirect(url_for("auth.mfa_setup"))
    flash(_("Mot de passe incorrect : la double authentification reste active."), "error")
    return redirect(url_for("auth.mfa_setup"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = db.session.get(User, current_user.id)
    user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté·e."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data)
        db.session.commit()
        flash(
            _("Si un compte existe pour cette adresse, un lien de réinitialisation vient d'y être envoyé."),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _set_password_page(purpose: str, token: str, template: str):
    max_age = current_app.config[
        "INVITATION_MAX_AGE_HOURS" if purpose == tokens.INVITATION else "PASSWORD_RESET_MAX_AGE_HOURS"
    ]
    user = tokens.read_token(token, purpose, max_age)
    if user is None:
        return render_template("auth/token_invalid.html", purpose=purpose), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        db.session.commit()
        flash(_("Votre mot de passe est enregistré. Bienvenue !"), "success")
        return begin_login(user, None)  # an enrolled user still gives their code
    return render_template(template, form=form, user=user)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page(tokens.PASSWORD_RESET, token, "auth/reset_password.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_page(tokens.INVITATION, token, "auth/accept_invitation.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("Mot de passe actuel incorrect."))
        else:
            services.set_password(user, form.password.data)
            db.session.commit()
            start_session(user)  # this browser stays logged in; every other session ends
            flash(
                _(
                    "Mot de passe modifié. Vos autres sessions ont été fermées "
                    "(voir « Mes sessions ouvertes »)."
                ),
                "success",
            )
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    form = InviteUserForm()
    if form.validate_on_submit():
        email = services.normalise_email(form.email.data)
        try:
            services.invite_user(email, form.role.data, current_user.pole, full_name=form.full_name.data)
        except services.AccountExistsElsewhere:
            pass  # answered as a sent invitation: another pole's accounts are not disclosed
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
            return render_template("auth/users.html", form=form, users=_pole_users(), role_labels=ROLE_LABELS)
        db.session.commit()
        flash(_("Invitation envoyée à %(email)s.", email=email), "success")
        return redirect(url_for("auth.users"))
    return render_template("auth/users.html", form=form, users=_pole_users(), role_labels=ROLE_LABELS)


def _pole_users() -> list[User]:
    return db.session.scalars(
        select(User).where(User.pole_id == current_user.pole_id).order_by(User.email)
    ).all()


def _pole_user_or_404(user_id: int) -> User:
    user = db.session.scalar(select(User).where(User.id == user_id, User.pole_id == current_user.pole_id))
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_user(user_id: int):
    user = _pole_user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
        return redirect(url_for("auth.users"))
    services.set_active(user, not user.active)
    db.session.commit()
    flash(
        _("Compte réactivé.") if user.active else _("Compte désactivé : ses sessions sont fermées."),
        "success",
    )
    return redirect(url_for("auth.users"))


@bp.route("/users/<int:user_id>/reinvite", methods=["POST"])
@admin_required
def reinvite(user_id: int):
    user = _pole_user_or_404(user_id)
    services.reinvite_user(user)
    db.session.commit()
    flash(_("Nouvelle invitation envoyée à %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.users"))


def _open_sessions(user: User) -> list[UserSession]:
    cutoff = utcnow() - current_app.config["PERMANENT_SESSION_LIFETIME"]
    return db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.session_version == user.session_version,
            UserSession.revoked_at.is_(None),
            UserSession.created_at > cutoff,
        )
        .order_by(UserSession.created_at.desc())
    ).all()


@bp.route("/account/sessions")
@login_required
def sessions():
    """Where am I logged in? Each open session, this one marked, with a button to end it."""
    return render_template(
        "auth/sessions.html", sessions=_open_sessions(current_user), current_sid=session.get("sid")
    )


@bp.route("/account/sessions/end", methods=["POST"])
@login_required
def end_sessions():
    """End one other session (`sid`), or every other one (no `sid`)."""
    target = request.form.get("sid")
    ended = 0
    for record in _open_sessions(current_user):
        if record.id == session.get("sid"):
            continue
        if target and record.id != target:
            continue
        record.revoked_at = utcnow()
        ended += 1
    if ended:
        record_audit("user.sessions_ended", current_user, {"count": ended})
    db.session.commit()
    flash(_("%(n)d session(s) fermée(s).", n=ended), "success")
    return redirect(url_for("auth.sessions"))
