"""Password hashing (argon2id) and the password policy."""

import unicodedata
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "core/data/common-passwords.txt"


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def normalise(password: str) -> str:
    """NFKC so that the same password typed on two keyboards hashes the same."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher().hash(normalise(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, normalise(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    try:
        text = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        return frozenset()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    """The reason a password is refused, in French, or None when it is acceptable."""
    password = normalise(password or "")
    if len(password) < MIN_LENGTH:
        return str(_l("Le mot de passe doit contenir au moins %(n)d caractères.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Le mot de passe ne doit pas dépasser %(n)d caractères.", n=MAX_LENGTH))
    if password.lower() in common_passwords():
        return str(_l("Ce mot de passe est trop courant : choisissez-en un autre."))
    return None
