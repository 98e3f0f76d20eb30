"""User accounts."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, TimestampMixin, UTCDateTime, utcnow
from app.core.permissions import STAFF
from app.extensions import db
from app.poles.models import Pole


class User(IdMixin, TimestampMixin, UserMixin, db.Model):
    """A login. Belongs to one pole, except the regional coordinator (pole_id NULL)."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    pole_id: Mapped[int | None] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by logout, password change and deactivation: every older cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A holder is linked to their person record, a partner to their structure.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    structure_id: Mapped[int | None] = mapped_column(
        ForeignKey("structures.id", ondelete="SET NULL"), index=True
    )

    # Multi-factor authentication (TOTP). A secret without `mfa_enabled_at` is an enrolment in
    # progress; `mfa_recovery_codes` holds {"salt": …, "hashes": [sha256…]} of the unused codes.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # refuses a replayed code
    mfa_recovery_codes: Mapped[dict | None] = mapped_column(JSON)
    failed_mfa_count: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_mfa_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pole: Mapped[Pole | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Invalidate every session cookie issued so far for this user."""
        self.session_version = (self.session_version or 0) + 1

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(db.Model):
    """One logged-in browser: lets a user see where they are logged in and end it."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(db.Model):
    """Failed logins for one submitted e-mail address, whether or not an account has it.

    Keyed by an HMAC of the normalised address (app.auth.services.failure_key), so the table
    neither says which addresses have accounts nor keeps the addresses typed. Lives in the
    database so that every worker and server counts together.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set once per lock
