"""The audit journal: who did what to which record, when (UTC)."""

from datetime import datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Integer, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import IdMixin, UTCDateTime, utcnow
from app.extensions import db

# Fields never written to the journal, whatever the record.
SECRET_FIELDS = {"password", "password_hash", "token", "totp_secret", "calendar_token"}


class AuditEvent(IdMixin, db.Model):
    __tablename__ = "audit_events"

    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    pole_id: Mapped[int | None] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[dict | None] = mapped_column(JSON)


def _clean(value: Any) -> Any:
    """Make a value JSON-safe and neutralise CR/LF (log injection)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple | set):
        return [_clean(v) for v in value]
    return str(value).replace("\r", " ").replace("\n", " ")[:500]


def record_audit(
    action: str,
    target: Any = None,
    changes: dict[str, Any] | None = None,
    *,
    pole_id: int | None = None,
    actor_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session (flushed with the caller's transaction)."""
    event = AuditEvent(**audit_values(action, target, changes, pole_id=pole_id, actor_id=actor_id))
    db.session.add(event)
    return event


def audit_values(
    action: str,
    target: Any = None,
    changes: dict[str, Any] | None = None,
    *,
    pole_id: int | None = None,
    actor_id: int | None = None,
) -> dict[str, Any]:
    """The column values of the audit event `record_audit` would add (target already flushed)."""
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    if pole_id is None and target is not None:
        pole_id = getattr(target, "pole_id", None)
    if pole_id is None and has_request_context() and current_user.is_authenticated:
        pole_id = current_user.pole_id
    cleaned = None
    if changes:
        cleaned = {k: _clean(v) for k, v in changes.items() if k not in SECRET_FIELDS}
    return {
        "action": action,
        "target_type": type(target).__name__ if target is not None else None,
        "target_id": getattr(target, "id", None),
        "changes": cleaned,
        "pole_id": pole_id,
        "actor_id": actor_id,
    }


def record_audits(values: list[dict[str, Any]]) -> None:
    """Write many audit events (from `audit_values`) in one executemany, in list order."""
    if values:
        db.session.execute(insert(AuditEvent), values)


def diff_fields(obj: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Set `data` on `obj` and return {field: [old, new]} for the fields that changed."""
    changed = {}
    for key, new in data.items():
        old = getattr(obj, key)
        if old != new:
            changed[key] = [_clean(old), _clean(new)]
            setattr(obj, key, new)
    return changed
