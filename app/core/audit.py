"""The audit journal: who did what to which record, when (UTC).

The journal says which fields changed, never what a free text said: `journal_value` keeps
numbers, booleans, dates and short codes (statuses, kinds, formats…) and replaces any other
text by FREE_TEXT, whatever the caller passes. Names, e-mails, phones, notes, titles,
comments, places and search terms therefore never reach the journal (issue 19, point 1).
"""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import IdMixin, UTCDateTime, utcnow
from app.extensions import db

# Fields never written to the journal, whatever the record.
SECRET_FIELDS = {"password", "password_hash", "token", "totp_secret", "calendar_token"}

# What the journal writes instead of a free-text value: the field changed, its content is not kept.
FREE_TEXT = "…"
# Records describing the pole's own set-up, which hold no one's personal data: their names
# (a thematic, a parcours and its stages, a funding programme) are kept as written.
SETUP_TYPES = frozenset({"Pole", "Thematic", "PathwayTemplate", "Stage", "FundingProgramme"})
# Fields whose values are codes from a fixed list (or amounts): kept when they look like one.
CODE_FIELDS = frozenset(
    {
        "action",
        "archives",
        "channel",
        "decline_reason",
        "direction",
        "endpoint",
        "etape",
        "financing_amount",
        "format",
        "from_status",
        "gender",
        "intended_legal_form",
        "kind",
        "method",
        "mfa",
        "modality",
        "month",
        "outcome",
        "partenaire",
        "partner_stages",
        "pole",
        "purpose",
        "reason",
        "report",
        "role",
        "round",
        "siret",
        "status",
        "target_type",
        "thematique",
        "to_status",
        "type",
        "via",
        "view",
    }
)
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*\Z")
_NUMBER = re.compile(r"-?\d{1,14}(?:\.\d{1,4})?\Z")
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}(?:-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?\Z"
)


class AuditEvent(IdMixin, db.Model):
    __tablename__ = "audit_events"
    # Anonymisation looks up the entries about given records.
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

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


def journal_value(key: str, value: Any, keep_text: bool = False) -> Any:
    """What the journal may keep of `value`, recorded under field `key`.

    Numbers, booleans, None and dates are kept; a text only when it is a date, or a short
    code (or an amount) under a field of CODE_FIELDS or a per-record entry (a record id as
    key). Any other text becomes FREE_TEXT (an empty text stays empty). `keep_text` (records
    of SETUP_TYPES) keeps texts as written. Lists and dicts are walked."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): journal_value(str(k), v, keep_text) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [journal_value(key, v, keep_text) for v in value]
    text = _clean(value)
    if keep_text or not text or _ISO_DATE.match(text):
        return text
    is_code = len(text) <= 64 and (_CODE.match(text) or _NUMBER.match(text))
    if is_code and (key in CODE_FIELDS or key.isdigit()):
        return text
    return FREE_TEXT


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
    """The column values of the audit event `record_audit` would add (target already flushed).

    `changes` goes through `journal_value`: only field names survive for free texts."""
    unwrap = getattr(target, "_get_current_object", None)
    if unwrap is not None:  # e.g. current_user: journal the user, not werkzeug's LocalProxy
        target = unwrap()
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    if pole_id is None and target is not None:
        pole_id = getattr(target, "pole_id", None)
    if pole_id is None and has_request_context() and current_user.is_authenticated:
        pole_id = current_user.pole_id
    target_type = type(target).__name__ if target is not None else None
    cleaned = None
    if changes:
        keep_text = target_type in SETUP_TYPES
        cleaned = {
            str(k): journal_value(str(k), v, keep_text) for k, v in changes.items() if k not in SECRET_FIELDS
        }
    return {
        "action": action,
        "target_type": target_type,
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
