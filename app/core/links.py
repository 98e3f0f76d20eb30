"""Signed links for people without an account (DESIGN.md §8).

A partner referent answering an orientation, a person confirming a public registration or
opting out of reminders follows a link carrying a random token. Only its SHA-256 is stored,
with what it is for (purpose), the record it acts on (target), who it was sent to and when it
stops working. A link is single-use or reusable until it expires or is revoked; every use is
journaled.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core.audit import record_audit
from app.core.models import IdMixin, UTCDateTime, utcnow
from app.extensions import db


class SignedLink(IdMixin, db.Model):
    """One link sent to one recipient. Not pole-scoped on purpose: it is looked up by token
    from anonymous requests; `pole_id` says whose it is."""

    __tablename__ = "signed_links"

    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    single_use: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (db.Index("ix_signed_links_target", "purpose", "target_type", "target_id"),)


@dataclass(frozen=True)
class LinkCheck:
    link: SignedLink | None
    problem: str | None  # None, "unknown", "expired", "revoked" or "used"

    @property
    def ok(self) -> bool:
        return self.problem is None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _target_key(target: Any) -> tuple[str, int]:
    if target.id is None:
        raise ValueError("the link's target must be flushed first")
    return type(target).__name__, target.id


def issue_link(
    *,
    pole_id: int,
    purpose: str,
    target: Any,
    recipient: str,
    valid_for: timedelta,
    single_use: bool = False,
    revoke_previous: bool = True,
) -> str:
    """Add a link for `target` sent to `recipient`; return the raw token (only its hash is kept)."""
    if revoke_previous:
        revoke_links(purpose=purpose, target=target)
    target_type, target_id = _target_key(target)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        SignedLink(
            pole_id=pole_id,
            purpose=purpose,
            target_type=target_type,
            target_id=target_id,
            recipient=recipient,
            token_hash=_hash(token),
            single_use=single_use,
            created_at=now,
            expires_at=now + valid_for,
            use_count=0,
        )
    )
    db.session.flush()
    return token


def check_link(token: str | None, purpose: str) -> LinkCheck:
    """What a presented token is worth for `purpose` (across poles: the visitor is anonymous)."""
    if not token or len(token) > 200:
        return LinkCheck(None, "unknown")
    link = db.session.execute(
        select(SignedLink)
        .where(SignedLink.token_hash == _hash(token), SignedLink.purpose == purpose)
        .execution_options(all_poles=True)
    ).scalar_one_or_none()
    if link is None:
        return LinkCheck(None, "unknown")
    if link.revoked_at is not None:
        return LinkCheck(link, "revoked")
    if link.single_use and link.used_at is not None:
        return LinkCheck(link, "used")
    if link.expires_at <= utcnow():
        return LinkCheck(link, "expired")
    return LinkCheck(link, None)


def use_link(link: SignedLink) -> None:
    """Record one use of a valid link, in the journal too."""
    now = utcnow()
    link.last_used_at = now
    link.use_count = (link.use_count or 0) + 1
    if link.single_use:
        link.used_at = now
    record_audit(
        "link.used",
        link,
        {"purpose": link.purpose, "target_type": link.target_type, "target_id": link.target_id},
        pole_id=link.pole_id,
    )
    db.session.flush()


def revoke_links(*, purpose: str, target: Any) -> int:
    """Revoke the live links of `purpose` for `target`; return how many were revoked."""
    target_type, target_id = _target_key(target)
    result = db.session.execute(
        update(SignedLink)
        .where(
            SignedLink.purpose == purpose,
            SignedLink.target_type == target_type,
            SignedLink.target_id == target_id,
            SignedLink.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0
