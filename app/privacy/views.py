"""Privacy pages: the audit journal (RGPD rights and retention come with their own issue)."""

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import User
from app.core.audit import AuditEvent
from app.core.formatting import pole_zone
from app.core.pagination import paginate
from app.core.permissions import admin_required
from app.core.text import like_pattern
from app.extensions import db
from app.privacy import bp
from app.privacy.forms import AuditFilterForm

AUDIT_PER_PAGE = 50


def _day_start_utc(day) -> datetime:
    """Midnight of `day` in the pole's time zone, as UTC."""
    return datetime.combine(day, time.min, tzinfo=pole_zone()).astimezone(UTC)


@bp.route("/journal")
@admin_required
def audit():
    """The pole's audit journal, newest first, filtered by user, record, action and period."""
    pole_id = current_user.pole_id
    users = db.session.scalars(select(User).where(User.pole_id == pole_id).order_by(User.email)).all()
    target_types = db.session.scalars(
        select(AuditEvent.target_type)
        .where(AuditEvent.pole_id == pole_id, AuditEvent.target_type.is_not(None))
        .distinct()
        .order_by(AuditEvent.target_type)
    ).all()
    form = AuditFilterForm(users, list(target_types), formdata=request.args)
    stmt = select(AuditEvent).where(AuditEvent.pole_id == pole_id)
    filtered = bool(request.args) and form.validate()
    if filtered:
        if form.user.data:
            stmt = stmt.where(AuditEvent.actor_id == int(form.user.data))
        if form.action.data and form.action.data.strip():
            pattern = like_pattern(form.action.data.strip()).lstrip("%")  # a prefix match
            stmt = stmt.where(AuditEvent.action.like(pattern, escape="\\"))
        if form.target_type.data:
            stmt = stmt.where(AuditEvent.target_type == form.target_type.data)
        if form.target_id.data:
            stmt = stmt.where(AuditEvent.target_id == form.target_id.data)
        if form.date_from.data:
            stmt = stmt.where(AuditEvent.occurred_at >= _day_start_utc(form.date_from.data))
        if form.date_to.data:
            stmt = stmt.where(AuditEvent.occurred_at < _day_start_utc(form.date_to.data + timedelta(days=1)))
    page = paginate(stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()), AUDIT_PER_PAGE)
    actors = {u.id: u for u in users}
    missing = {e.actor_id for e in page.items if e.actor_id and e.actor_id not in actors}
    if missing:  # e.g. the regional coordinator, who belongs to no pole
        actors.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(missing)))})
    return render_template("privacy/audit.html", form=form, page=page, actors=actors)
