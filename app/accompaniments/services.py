"""Dossier operations: open, edit, move through the parcours, change status; the timeline.

Functions flush; the caller commits.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accompaniments.models import (
    STATUSES,
    Accompaniment,
    AccompanimentStatusChange,
    StageTransition,
)
from app.core.audit import _clean, record_audit
from app.core.dates import pole_today  # noqa: F401  (re-exported)
from app.core.models import utcnow
from app.extensions import db
from app.pathways.models import PathwayTemplate, Stage
from app.poles.models import Pole

CLOSED_STATUSES = ("closed", "abandoned")

# Status actions: name -> (statuses it applies to, resulting status).
STATUS_ACTIONS = {
    "suspend": (("active",), "suspended"),
    "reopen": (("suspended", "closed", "abandoned"), "active"),
    "close": (("active", "suspended"), "closed"),
    "abandon": (("active", "suspended"), "abandoned"),
}


class AccompanimentError(ValueError):
    pass


# Kept under the name this domain's modules import.
local_today = pole_today


def _pole_of(accompaniment: Accompaniment) -> Pole | None:
    return db.session.get(Pole, accompaniment.pole_id)


def first_stage(template: PathwayTemplate | None) -> Stage | None:
    if template is None:
        return None
    return next((s for s in template.stages if s.active), None)


def _check_beneficiary(data: dict[str, Any]) -> None:
    if (data.get("person") is None) == (data.get("collective") is None):
        raise AccompanimentError(
            _("Choisissez la personne ou le collectif accompagné : l'un des deux, pas les deux.")
        )


DOSSIER_FIELDS = (
    "title",
    "summary",
    "sector",
    "intended_legal_form",
    "modality",
    "objectives",
    "started_on",
    "financing_obtained",
    "financing_amount",
)


def _normalise_financing(data: dict[str, Any]) -> None:
    if "financing_obtained" in data and not data.get("financing_obtained"):
        data["financing_amount"] = None


def default_title(template: PathwayTemplate | None, number: int) -> str:
    """The title of a dossier opened without one: its parcours and its number, never a name
    (a person's name in a title survives in agendas and calendar feeds, issue 19)."""
    if template is not None:
        return _("%(template)s — dossier %(number)d", template=template.name, number=number)
    return _("Dossier %(number)d", number=number)


def create_accompaniment(pole: Pole, data: dict[str, Any], by=None, request=None) -> Accompaniment:
    """Open a dossier at the template's first stage; the opening is recorded in both histories.

    `data`: person or collective, template, referent, funding_programme, thematics (objects) and
    the plain fields of DOSSIER_FIELDS. Without a title, the dossier gets `default_title`.
    """
    _check_beneficiary(data)
    data = dict(data)
    untitled = not (data.get("title") or "").strip()
    if untitled:
        data["title"] = "…"  # replaced by the default title once the dossier has its number
    _normalise_financing(data)
    started_on = data.get("started_on") or local_today(pole)
    template = data.get("template")
    stage = first_stage(template)
    acc = Accompaniment(
        pole_id=pole.id,
        person=data.get("person"),
        collective=data.get("collective"),
        request_id=request.id if request is not None else None,
        template=template,
        current_stage=stage,
        referent=data.get("referent"),
        funding_programme=data.get("funding_programme"),
        thematics=list(data.get("thematics") or []),
        status="active",
        **{k: data.get(k) for k in DOSSIER_FIELDS if k != "started_on"},
        started_on=started_on,
    )
    acc.title = acc.title.strip()
    if acc.financing_obtained is None:
        acc.financing_obtained = False
    db.session.add(acc)
    db.session.flush()
    if untitled:
        acc.title = default_title(template, acc.id)
    by_id = getattr(by, "id", None)
    db.session.add(
        AccompanimentStatusChange(
            pole_id=pole.id,
            accompaniment_id=acc.id,
            from_status=None,
            to_status="active",
            changed_on=started_on,
            by_id=by_id,
            comment=None,
        )
    )
    if stage is not None:
        db.session.add(
            StageTransition(
                pole_id=pole.id,
                accompaniment_id=acc.id,
                from_stage_id=None,
                to_stage_id=stage.id,
                transitioned_on=started_on,
                by_id=by_id,
            )
        )
    db.session.flush()
    record_audit(
        "accompaniment.create",
        acc,
        {"title": acc.title, "person_id": acc.person_id, "collective_id": acc.collective_id},
    )
    return acc


def update_accompaniment(acc: Accompaniment, data: dict[str, Any], by=None) -> dict:
    """Edit a dossier; changing its template moves it to the new template's first stage."""
    _check_beneficiary(data)
    data = dict(data)
    _normalise_financing(data)
    changes: dict[str, list] = {}

    def _set(name: str, new: Any, shown: Any = None) -> None:
        old = getattr(acc, name)
        if old != new:
            changes[name] = [_clean(shown(old) if shown else old), _clean(shown(new) if shown else new)]
            setattr(acc, name, new)

    for key in DOSSIER_FIELDS:
        if key in data:
            _set(key, data[key])
    ident = lambda o: getattr(o, "id", None)  # noqa: E731
    for key in ("person", "collective", "referent", "funding_programme"):
        if key in data:
            _set(key, data[key], ident)
    if "thematics" in data:
        new_ids = sorted(t.id for t in data["thematics"])
        old_ids = sorted(t.id for t in acc.thematics)
        if new_ids != old_ids:
            changes["thematics"] = [old_ids, new_ids]
            acc.thematics = list(data["thematics"])
    template = data.get("template")
    if "template" in data and ident(template) != acc.template_id:
        if acc.status in CLOSED_STATUSES:
            raise AccompanimentError(_("Rouvrez le dossier avant de changer son modèle de parcours."))
        changes["template"] = [acc.template_id, ident(template)]
        acc.template = template
        stage = first_stage(template)
        if stage is not None and (acc.current_stage is None or acc.current_stage.template_id != template.id):
            _record_transition(
                acc, stage, local_today(_pole_of(acc)), by, _("Changement de modèle de parcours")
            )
    if changes:
        db.session.flush()
        record_audit("accompaniment.update", acc, changes)
    return changes


def _record_transition(
    acc: Accompaniment, stage: Stage, on: date, by, comment: str | None
) -> StageTransition:
    transition = StageTransition(
        pole_id=acc.pole_id,
        accompaniment_id=acc.id,
        from_stage_id=acc.current_stage_id,
        to_stage_id=stage.id,
        transitioned_on=on,
        by_id=getattr(by, "id", None),
        comment=comment or None,
    )
    db.session.add(transition)
    acc.current_stage = stage
    db.session.flush()
    return transition


def move_to_stage(
    acc: Accompaniment, stage: Stage, on: date | None = None, by=None, comment: str | None = None
) -> StageTransition:
    """Move a dossier to another stage of its template, keeping the transition."""
    today = local_today(_pole_of(acc))
    on = on or today
    if acc.status in CLOSED_STATUSES:
        raise AccompanimentError(_("Ce dossier est clos ou abandonné : rouvrez-le avant de changer d'étape."))
    if stage.template_id != acc.template_id or stage.pole_id != acc.pole_id:
        raise AccompanimentError(_("Cette étape n'appartient pas au parcours du dossier."))
    if not stage.active:
        raise AccompanimentError(_("Cette étape est désactivée."))
    if stage.id == acc.current_stage_id:
        raise AccompanimentError(_("Le dossier est déjà à cette étape."))
    if on > today:
        raise AccompanimentError(_("La date du changement d'étape ne peut pas être dans le futur."))
    if on < acc.started_on:
        raise AccompanimentError(_("La date du changement d'étape précède l'ouverture du dossier."))
    previous = acc.current_stage_id
    transition = _record_transition(acc, stage, on, by, comment)
    record_audit(
        "accompaniment.stage", acc, {"from_stage_id": previous, "to_stage_id": stage.id, "on": on.isoformat()}
    )
    return transition


def change_status(
    acc: Accompaniment,
    action: str,
    on: date | None = None,
    by=None,
    comment: str | None = None,
    *,
    end_reason: str | None = None,
    end_review: str | None = None,
    financing_obtained: bool | None = None,
    financing_amount=None,
) -> AccompanimentStatusChange:
    """Suspend, reopen, close or abandon a dossier; each change is kept in its history."""
    if action not in STATUS_ACTIONS:
        raise AccompanimentError(_("Action inconnue."))
    allowed_from, to_status = STATUS_ACTIONS[action]
    if acc.status not in allowed_from:
        raise AccompanimentError(_("Cette action n'est pas possible pour un dossier dans cet état."))
    today = local_today(_pole_of(acc))
    on = on or today
    if on > today:
        raise AccompanimentError(_("La date ne peut pas être dans le futur."))
    if on < acc.started_on:
        raise AccompanimentError(_("La date précède l'ouverture du dossier."))
    end_reason = (end_reason or "").strip() or None
    end_review = (end_review or "").strip() or None
    if action == "close" and (not end_reason or not end_review):
        raise AccompanimentError(
            _("Pour clore le dossier, indiquez le motif de fin et le bilan de l'accompagnement.")
        )
    from_status = acc.status
    changes: dict[str, Any] = {"status": [from_status, to_status]}
    if to_status in CLOSED_STATUSES:
        acc.ended_on = on
        acc.end_reason = end_reason
        if end_review:
            acc.end_review = end_review
        if financing_obtained is not None:
            acc.financing_obtained = bool(financing_obtained)
            acc.financing_amount = financing_amount if financing_obtained else None
            changes["financing_obtained"] = acc.financing_obtained
        comment = comment or end_reason
    elif action == "reopen":
        acc.ended_on = None
        acc.end_reason = None
    acc.status = to_status
    change = AccompanimentStatusChange(
        pole_id=acc.pole_id,
        accompaniment_id=acc.id,
        from_status=from_status,
        to_status=to_status,
        changed_on=on,
        by_id=getattr(by, "id", None),
        comment=(comment or "").strip() or None,
    )
    db.session.add(change)
    db.session.flush()
    record_audit("accompaniment.status", acc, changes)
    return change


# --- Dossier page -----------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    on: date | datetime
    kind: str
    template: str
    obj: Any

    @property
    def day(self) -> date:
        """The entry's day, in the pole's time zone for datetimes."""
        if isinstance(self.on, datetime):
            from app.core.formatting import pole_zone

            return self.on.astimezone(pole_zone()).date() if self.on.tzinfo else self.on.date()
        return self.on

    @property
    def sort_key(self) -> tuple[date, float]:
        # Within a day, dated entries (transitions, status changes) come before timed ones.
        return (self.day, self.on.timestamp() if isinstance(self.on, datetime) else 0.0)


# Each provider: fn(accompaniment) -> list of (date or aware datetime, kind, template_name, obj).
# Séances, orientations and evaluations append theirs at import of their module; each provider
# must run a fixed number of queries (load what its template shows). The template is included
# in the dossier page with `entry` (a TimelineEntry: .on, .day, .kind, .obj) in its context.
TIMELINE_PROVIDERS: list[Callable[[Accompaniment], list[tuple]]] = []


def _transitions(acc: Accompaniment) -> list[tuple]:
    rows = db.session.scalars(
        select(StageTransition)
        .where(StageTransition.accompaniment_id == acc.id)
        .options(
            joinedload(StageTransition.from_stage),
            joinedload(StageTransition.to_stage),
            joinedload(StageTransition.by),
        )
        .order_by(StageTransition.transitioned_on, StageTransition.id)
    ).all()
    return [(t.transitioned_on, "stage", "accompaniments/_timeline_stage.html", t) for t in rows]


def _status_changes(acc: Accompaniment) -> list[tuple]:
    rows = db.session.scalars(
        select(AccompanimentStatusChange)
        .where(AccompanimentStatusChange.accompaniment_id == acc.id)
        .options(joinedload(AccompanimentStatusChange.by))
        .order_by(AccompanimentStatusChange.changed_on, AccompanimentStatusChange.id)
    ).all()
    return [(c.changed_on, "status", "accompaniments/_timeline_status.html", c) for c in rows]


TIMELINE_PROVIDERS.extend([_status_changes, _transitions])


def timeline_entries(acc: Accompaniment) -> list[TimelineEntry]:
    """Every provider's entries for a dossier, oldest first (stable within a day)."""
    entries = [TimelineEntry(*item) for provider in TIMELINE_PROVIDERS for item in provider(acc)]
    return sorted(entries, key=lambda e: e.sort_key)


def stage_progress(acc: Accompaniment) -> list[tuple[Stage, str]]:
    """The template's stages with 'done', 'current' or 'next' against the dossier's stage."""
    if acc.template is None:
        return []
    current = acc.current_stage
    result = []
    for stage in acc.template.stages:
        if not stage.active and (current is None or stage.id != current.id):
            continue
        if current is None:
            state = "next"
        elif stage.id == current.id:
            state = "current"
        elif (stage.position, stage.id) < (current.position, current.id):
            state = "done"
        else:
            state = "next"
        result.append((stage, state))
    return result


def next_session(acc: Accompaniment):
    """The next planned séance serving this dossier, or None."""
    from app.sessions.models import AccompanimentSession, session_accompaniments

    return db.session.scalar(
        select(AccompanimentSession)
        .join(session_accompaniments, session_accompaniments.c.session_id == AccompanimentSession.id)
        .where(
            session_accompaniments.c.accompaniment_id == acc.id,
            AccompanimentSession.starts_at > utcnow(),
        )
        .order_by(AccompanimentSession.starts_at)
        .limit(1)
    )


# --- Advisor home ----------------------------------------------------------------------------

HOME_DOSSIERS_LIMIT = 100
HOME_REQUESTS_LIMIT = 20


@dataclass
class DossierRow:
    accompaniment: Accompaniment
    last_session_on: date | None
    first_session_on: date | None
    request_received_on: date | None
    stalled: bool

    @property
    def days_to_first_session(self) -> int | None:
        """Days from the request (or the opening when there was none) to the first séance."""
        if self.first_session_on is None:
            return None
        start = self.request_received_on or self.accompaniment.started_on
        return (self.first_session_on - start).days


def session_dates(accompaniment_ids: list[int]) -> dict[int, tuple[datetime | None, datetime | None]]:
    """{dossier id: (first, last) séance held so far}, in ONE aggregate query."""
    from app.sessions.models import AccompanimentSession, session_accompaniments

    if not accompaniment_ids:
        return {}
    link = session_accompaniments.c
    rows = db.session.execute(
        select(
            link.accompaniment_id,
            func.min(AccompanimentSession.starts_at),
            func.max(AccompanimentSession.starts_at),
        )
        .join(AccompanimentSession, AccompanimentSession.id == link.session_id)
        .where(link.accompaniment_id.in_(accompaniment_ids), AccompanimentSession.starts_at <= utcnow())
        .group_by(link.accompaniment_id)
    ).all()
    return {acc_id: (first, last) for acc_id, first, last in rows}


def _as_utc_datetime(value) -> datetime | None:
    """Aggregates skip the column type on SQLite: turn what comes back into an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def advisor_dashboard(user, pole: Pole) -> dict[str, Any]:
    """My active dossiers (stage, last séance, stalled flag, delay to first séance) and pending requests."""
    from app.requests.models import Request

    today = local_today(pole)
    zone = ZoneInfo(pole.timezone)
    rows = db.session.execute(
        select(Accompaniment, Request.received_on)
        .outerjoin(Request, Request.id == Accompaniment.request_id)
        .where(
            Accompaniment.pole_id == pole.id,
            Accompaniment.referent_id == user.id,
            Accompaniment.status == "active",
        )
        .options(
            joinedload(Accompaniment.current_stage),
            joinedload(Accompaniment.person),
            joinedload(Accompaniment.collective),
        )
        .order_by(Accompaniment.started_on.desc(), Accompaniment.id.desc())
        .limit(HOME_DOSSIERS_LIMIT)
    ).all()
    dates = session_dates([acc.id for acc, _received in rows])
    stalled_limit = today - timedelta(days=pole.stalled_after_days)
    dossiers = []
    for acc, received_on in rows:
        first, last = (_as_utc_datetime(v) for v in dates.get(acc.id, (None, None)))
        first_on = first.astimezone(zone).date() if first else None
        last_on = last.astimezone(zone).date() if last else None
        reference = last_on or acc.started_on
        dossiers.append(DossierRow(acc, last_on, first_on, received_on, reference < stalled_limit))
    pending_limit = today - timedelta(days=pole.request_pending_alert_days)
    pending = db.session.scalars(
        select(Request)
        .where(Request.pole_id == pole.id, Request.outcome == "pending")
        .options(joinedload(Request.person), joinedload(Request.collective))
        .order_by(Request.received_on, Request.id)
        .limit(HOME_REQUESTS_LIMIT)
    ).all()
    return {
        "dossiers": dossiers,
        "stalled_count": sum(1 for d in dossiers if d.stalled),
        "stalled_after_days": pole.stalled_after_days,
        "pending_requests": [(r, r.received_on < pending_limit) for r in pending],
        "pending_alert_days": pole.request_pending_alert_days,
        "today": today,
    }


assert set(s for actions in STATUS_ACTIONS.values() for s in actions[0]) <= set(STATUSES)
