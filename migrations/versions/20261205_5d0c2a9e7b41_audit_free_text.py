"""audit journal: index on the target, free-text values of existing entries removed

The journal now records which fields changed, never their free-text values (issue 19). This
revision applies the same rule to the entries written before: any text that is not a date or
a short code of a code field becomes "…" (the pole's set-up records keep their names). The
rule is copied here so that the revision keeps doing what it did when the app code changes.

Revision ID: 5d0c2a9e7b41
Revises: 1ed8ac9be223
Create Date: 2026-12-05 17:30:00

"""

import re

import sqlalchemy as sa
from alembic import op

revision = "5d0c2a9e7b41"
down_revision = "1ed8ac9be223"
branch_labels = None
depends_on = None

FREE_TEXT = "…"
SETUP_TYPES = {"Pole", "Thematic", "PathwayTemplate", "Stage", "FundingProgramme"}
CODE_FIELDS = {
    "action", "archives", "channel", "decline_reason", "direction", "endpoint", "etape",
    "financing_amount", "format", "from_status", "gender", "intended_legal_form", "kind",
    "method", "mfa", "modality", "month", "outcome", "partenaire", "partner_stages", "pole",
    "purpose", "reason", "report", "role", "round", "siret", "status", "target_type",
    "thematique", "to_status", "type", "via", "view",
}  # fmt: skip
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*\Z")
_NUMBER = re.compile(r"-?\d{1,14}(?:\.\d{1,4})?\Z")
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}(?:-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?\Z"
)
BATCH = 1000


def _value(key, value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {k: _value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(key, v) for v in value]
    text = str(value)
    if not text or _ISO_DATE.match(text):
        return text
    is_code = len(text) <= 64 and (_CODE.match(text) or _NUMBER.match(text))
    if is_code and (key in CODE_FIELDS or key.isdigit()):
        return text
    return FREE_TEXT


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_target", ["target_type", "target_id"], unique=False)

    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("target_type", sa.String),
        sa.column("changes", sa.JSON),
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(events.c.id, events.c.target_type, events.c.changes)
            .where(events.c.id > last, events.c.changes.is_not(None))
            .order_by(events.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for event_id, target_type, changes in rows:
            if isinstance(changes, dict) and target_type not in SETUP_TYPES:
                cleaned = {k: _value(k, v) for k, v in changes.items()}
                if cleaned != changes:
                    bind.execute(events.update().where(events.c.id == event_id).values(changes=cleaned))
        last = rows[-1][0]


def downgrade():
    # The removed values are gone for good: only the index is dropped.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_target")
