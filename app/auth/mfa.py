"""Multi-factor authentication: TOTP (RFC 6238) with single-use recovery codes.

The secret is stored on the user; `mfa_enabled_at` is set once a first code confirms the
enrolment. Recovery codes are stored as HMAC-SHA256 digests under a per-user salt (they are
random, 50 bits each: a slow hash adds nothing) and each one works once. Wrong codes are
counted per account (`failed_mfa_count`), on top of the per-IP limiter on the views.
These functions flush nothing themselves beyond attribute changes; the caller commits.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import segno
from flask import current_app

from app.auth.models import User
from app.core.audit import record_audit
from app.core.models import utcnow
from app.core.permissions import ADMIN, REGIONAL, STAFF

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
TOTP_STEP_SECONDS = 30


class MfaError(ValueError):
    pass


def mfa_required(user: User) -> bool:
    """Whether this user must have MFA: admins and regional always, staff when their pole asks."""
    if not current_app.config.get("MFA_ENFORCED", True):
        return False
    if user.role in (ADMIN, REGIONAL):
        return True
    return bool(user.role in STAFF and user.pole is not None and user.pole.mfa_required_for_staff)


def needs_enrolment(user: User) -> bool:
    return mfa_required(user) and user.mfa_enabled_at is None


def normalise_code(code: str | None) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


# --- enrolment ---------------------------------------------------------------------------


def start_enrolment(user: User) -> str:
    """Give the user a fresh secret (not active until `confirm_enrolment`)."""
    if user.mfa_enabled_at is not None:
        raise MfaError("La double authentification est déjà activée.")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config.get("MFA_ISSUER", "Passerelle")
    )


def qr_data_uri(user: User) -> str:
    """The provisioning URI as an inline SVG QR code (data: URI, allowed by the CSP)."""
    return segno.make(provisioning_uri(user), error="m").svg_data_uri(scale=5, border=2)


def grouped_secret(secret: str) -> str:
    """JBSW Y3DP EHPK 3PXP: easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Check a first code against the pending secret, enable MFA, return the recovery codes."""
    if user.mfa_enabled_at is not None:
        raise MfaError("La double authentification est déjà activée.")
    if not user.totp_secret:
        raise MfaError("Aucune clé en attente : recommencez l'activation.")
    if not verify_totp(user, code):
        raise MfaError("Code incorrect : vérifiez l'heure de votre téléphone et saisissez le code affiché.")
    user.mfa_enabled_at = utcnow()
    user.failed_mfa_count = 0
    user.last_failed_mfa_at = None
    codes = generate_recovery_codes(user)
    record_audit("user.mfa_enabled", user, pole_id=user.pole_id, actor_id=user.id)
    return codes


def disable_mfa(user: User, *, via: str = "account") -> None:
    """Remove the secret and the recovery codes: by the user ("account") or an operator ("cli")."""
    user.totp_secret = None
    user.mfa_enabled_at = None
    user.totp_last_step = None
    user.mfa_recovery_codes = None
    user.failed_mfa_count = 0
    user.last_failed_mfa_at = None
    record_audit(
        "user.mfa_disabled",
        user,
        {"via": via},
        pole_id=user.pole_id,
        actor_id=user.id if via == "account" else None,
    )


# --- codes -------------------------------------------------------------------------------


def verify_totp(user: User, code: str) -> bool:
    """A 6-digit code of the previous, current or next 30 s step, never one already used."""
    code = normalise_code(code)
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = utcnow()
    for offset in (-1, 0, 1):
        moment = now + timedelta(seconds=offset * TOTP_STEP_SECONDS)
        if hmac.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # replay of a code already accepted
            user.totp_last_step = step
            return True
    return False


def _digest(salt: str, code: str) -> str:
    return hmac.new(bytes.fromhex(salt), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def generate_recovery_codes(user: User) -> list[str]:
    """Ten new codes (the old ones stop working); only their digests are kept."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    salt = secrets.token_hex(16)
    user.mfa_recovery_codes = {"salt": salt, "hashes": [_digest(salt, c) for c in codes]}
    return codes


def recovery_codes_left(user: User) -> int:
    return len((user.mfa_recovery_codes or {}).get("hashes", []))


def use_recovery_code(user: User, code: str) -> bool:
    """Accept an unused recovery code once, removing it."""
    stored = user.mfa_recovery_codes or {}
    salt, hashes = stored.get("salt"), list(stored.get("hashes", []))
    if not salt or len(normalise_code(code)) != 10:
        return False
    digest = _digest(salt, code)
    match = None
    for candidate in hashes:
        if hmac.compare_digest(candidate, digest):
            match = candidate
    if match is None:
        return False
    hashes.remove(match)
    user.mfa_recovery_codes = {"salt": salt, "hashes": hashes}  # new object: JSON change tracked
    return True


# --- second login step -------------------------------------------------------------------


@dataclass
class MfaResult:
    ok: bool
    throttled: bool = False
    method: str | None = None


def mfa_throttled(user: User) -> bool:
    cfg = current_app.config
    if (user.failed_mfa_count or 0) < cfg["MFA_MAX_FAILED"] or not user.last_failed_mfa_at:
        return False
    return utcnow() - user.last_failed_mfa_at < timedelta(minutes=cfg["ACCOUNT_LOCK_MINUTES"])


def check_second_factor(user: User, code: str) -> MfaResult:
    """The login's second step: a TOTP code or a recovery code, with the per-account counter."""
    if mfa_throttled(user):
        record_audit("login.mfa_throttled", user, pole_id=user.pole_id, actor_id=user.id)
        return MfaResult(False, throttled=True)
    method = None
    if verify_totp(user, code):
        method = "totp"
    elif use_recovery_code(user, code):
        method = "recovery_code"
    if method is None:
        user.failed_mfa_count = (user.failed_mfa_count or 0) + 1
        user.last_failed_mfa_at = utcnow()
        record_audit("login.mfa_failure", user, pole_id=user.pole_id, actor_id=user.id)
        return MfaResult(False)
    user.failed_mfa_count = 0
    user.last_failed_mfa_at = None
    user.last_login_at = utcnow()
    record_audit(
        "login.success",
        user,
        {"mfa": method, "recovery_codes_left": recovery_codes_left(user)},
        pole_id=user.pole_id,
        actor_id=user.id,
    )
    return MfaResult(True, method=method)
