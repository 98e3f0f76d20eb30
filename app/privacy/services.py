"""Personal-data operations. They flush; the caller commits."""

import calendar
from datetime import datetime

from sqlalchemy import delete

from app.core.audit import AuditEvent
from app.core.models import utcnow
from app.extensions import db


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March - 1 month = 28/29 Feb)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def purge_audit(months: int, now: datetime | None = None) -> tuple[int, datetime]:
    """Delete the audit entries older than `months` months; return (count, cutoff)."""
    if months < 1:
        raise ValueError("La durée de conservation doit être d'au moins un mois.")
    cutoff = months_before(now or utcnow(), months)
    result = db.session.execute(
        delete(AuditEvent).where(AuditEvent.occurred_at < cutoff).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount or 0, cutoff
