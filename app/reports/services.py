"""The monthly orientation report (formats/report-monthly.md) and the regional view.

Every figure is a SQL aggregate (COUNT / SUM / GROUP BY) over dated records and status
histories, so a past month never moves when later records are added or edited.

Queries name their pole explicitly (`pole_id == …`) and run with
`execution_options(all_poles=True)`: the automatic request scope would hide everything from
the regional coordinator, who has no pole, and the explicit filter keeps pole pages exact.

Filters:
- `programme_id` narrows séances and dossiers (their `funding_programme_id`), referrals
  (through their dossier's programme: a referral without dossier has no programme and is
  left out), satisfaction answers (through the séance or the dossier they are about).
  Requests carry no programme: they are NOT narrowed by programme (`filters.requests_by_programme`
  says so in the JSON).
- `advisor_id` narrows séances (their advisors), referrals (`referred_by_id`), dossiers
  (`referent_id`), requests (`received_by_id`) and satisfaction answers (séance advisor or
  dossier referent).
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import aliased

from app.accompaniments.models import Accompaniment, StageTransition
from app.auth.models import User
from app.core.models import utcnow
from app.core.text import fold
from app.extensions import db
from app.pathways.models import Stage
from app.poles.models import FundingProgramme, Pole, Thematic
from app.portal.models import SatisfactionResponse
from app.referrals.figures import answer_figures
from app.referrals.models import STATUSES as REFERRAL_STATUSES
from app.referrals.models import Referral, ReferralStatusChange, referral_thematics
from app.reports.periods import (
    Period,
    ReportError,
    month_key,
    month_period,
    parse_month,
    shift_month,
)
from app.requests.models import CHANNELS, Request
from app.sessions.models import KINDS, AccompanimentSession, Attendance, session_advisors
from app.structures.models import Structure

SECTIONS = (
    "requests",
    "referrals",
    "accompaniments",
    "sessions",
    "satisfaction",
    "previous_month",
    "same_month_last_year",
    "year_to_date",
    "referral_answers",
)
SMALL_COUNT = "< 3"
# formats/report-monthly.md's `referrals.by_status` keys, and where the later statuses count.
CONTRACT_STATUSES = ("proposed", "sent", "accepted", "completed", "declined", "no_follow_up")
STATUS_FOLDS = {"under_review": "sent", "expired": "no_follow_up"}

# Aliases built once: building them per call cost milliseconds per report (column proxies).
_DOSSIER = aliased(Accompaniment)
_CHANGE = aliased(ReferralStatusChange)
_BEFORE = aliased(ReferralStatusChange)
_DURING = aliased(ReferralStatusChange)
_TRANSITION = aliased(StageTransition)
_LATER = aliased(StageTransition)


# --- helpers -------------------------------------------------------------------------------


def _rows(stmt) -> list:
    return db.session.execute(stmt.execution_options(all_poles=True)).all()


def _one(stmt):
    return db.session.execute(stmt.execution_options(all_poles=True)).one()


def _scalar(stmt) -> int:
    return db.session.execute(stmt.execution_options(all_poles=True)).scalar() or 0


def ratio(numerator: int | None, denominator: int | None, places: int) -> float | None:
    """numerator / denominator rounded half-up to `places` decimals; None when the denominator is 0."""
    if not denominator:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float((Decimal(int(numerator or 0)) / Decimal(int(denominator))).quantize(quantum, ROUND_HALF_UP))


def _ranked(rows: Iterable, label: str) -> list[dict]:
    """[{label: name, "count": n}] with n > 0, by count descending then name (accent-insensitive)."""
    items = [(name, int(count)) for name, count in rows if count]
    items.sort(key=lambda item: (-item[1], fold(item[0]), item[0]))
    return [{label: name, "count": count} for name, count in items]


class _Filters:
    def __init__(self, pole: Pole, programme_id: int | None, advisor_id: int | None):
        self.programme = None
        self.advisor = None
        if programme_id is not None:
            self.programme = db.session.execute(
                select(FundingProgramme)
                .where(FundingProgramme.id == programme_id, FundingProgramme.pole_id == pole.id)
                .execution_options(all_poles=True)
            ).scalar_one_or_none()
            if self.programme is None:
                raise ReportError(_("Programme de financement inconnu pour ce pôle."), field="programme")
        if advisor_id is not None:
            self.advisor = db.session.execute(
                select(User).where(User.id == advisor_id, User.pole_id == pole.id)
            ).scalar_one_or_none()
            if self.advisor is None:
                raise ReportError(_("Accompagnateur·rice inconnu·e pour ce pôle."), field="advisor")
        self.programme_id = programme_id
        self.advisor_id = advisor_id

    def as_dict(self) -> dict:
        return {
            "programme": ({"id": self.programme.id, "name": self.programme.name} if self.programme else None),
            "advisor": ({"id": self.advisor.id, "name": self.advisor.display_name} if self.advisor else None),
            # Requests have no funding programme: the programme filter leaves them whole.
            "requests_by_programme": False,
        }


# --- conditions per record type ------------------------------------------------------------


def _request_conds(pole_id: int, period: Period, f: _Filters) -> list:
    conds = [
        Request.pole_id == pole_id,
        Request.received_on >= period.first,
        Request.received_on <= period.last,
    ]
    if f.advisor_id is not None:
        conds.append(Request.received_by_id == f.advisor_id)
    return conds


def _referral_filter_conds(pole_id: int, f: _Filters) -> list:
    conds = [Referral.pole_id == pole_id]
    if f.advisor_id is not None:
        conds.append(Referral.referred_by_id == f.advisor_id)
    if f.programme_id is not None:
        conds.append(
            Referral.accompaniment_id.in_(
                select(Accompaniment.id).where(Accompaniment.funding_programme_id == f.programme_id)
            )
        )
    return conds


def _referral_conds(pole_id: int, period: Period, f: _Filters) -> list:
    return [
        *_referral_filter_conds(pole_id, f),
        Referral.referred_on >= period.first,
        Referral.referred_on <= period.last,
    ]


def _session_conds(pole_id: int, period: Period, f: _Filters) -> list:
    conds = [
        AccompanimentSession.pole_id == pole_id,
        AccompanimentSession.starts_at >= period.start_utc,
        AccompanimentSession.starts_at < period.end_utc,
    ]
    if f.programme_id is not None:
        conds.append(AccompanimentSession.funding_programme_id == f.programme_id)
    if f.advisor_id is not None:
        conds.append(
            AccompanimentSession.id.in_(
                select(session_advisors.c.session_id).where(session_advisors.c.user_id == f.advisor_id)
            )
        )
    return conds


def _accompaniment_filter_conds(pole_id: int, f: _Filters) -> list:
    conds = [Accompaniment.pole_id == pole_id]
    if f.programme_id is not None:
        conds.append(Accompaniment.funding_programme_id == f.programme_id)
    if f.advisor_id is not None:
        conds.append(Accompaniment.referent_id == f.advisor_id)
    return conds


def _satisfaction_conds(pole_id: int, period: Period, f: _Filters) -> list:
    conds = [
        SatisfactionResponse.pole_id == pole_id,
        SatisfactionResponse.answered_at >= period.start_utc,
        SatisfactionResponse.answered_at < period.end_utc,
    ]
    if f.programme_id is not None:
        conds.append(
            or_(
                SatisfactionResponse.session_id.in_(
                    select(AccompanimentSession.id).where(
                        AccompanimentSession.funding_programme_id == f.programme_id
                    )
                ),
                SatisfactionResponse.accompaniment_id.in_(
                    select(Accompaniment.id).where(Accompaniment.funding_programme_id == f.programme_id)
                ),
            )
        )
    if f.advisor_id is not None:
        conds.append(
            or_(
                SatisfactionResponse.session_id.in_(
                    select(session_advisors.c.session_id).where(session_advisors.c.user_id == f.advisor_id)
                ),
                SatisfactionResponse.accompaniment_id.in_(
                    select(Accompaniment.id).where(Accompaniment.referent_id == f.advisor_id)
                ),
            )
        )
    return conds


# --- sections --------------------------------------------------------------------------------


def _requests_section(pole_id: int, period: Period, f: _Filters) -> dict:
    conds = _request_conds(pole_id, period, f)
    by_channel = dict.fromkeys(CHANNELS, 0)
    channels = select(Request.channel, func.count()).where(*conds).group_by(Request.channel)
    for channel, count in _rows(channels):
        by_channel[channel] = by_channel.get(channel, 0) + int(count)
    prescribers = _rows(
        select(Structure.name, func.count())
        .select_from(Request)
        .join(Structure, Structure.id == Request.prescriber_id)
        .where(*conds)
        .group_by(Structure.id, Structure.name)
    )
    return {
        "total": sum(by_channel.values()),
        "by_channel": by_channel,
        "by_prescriber": _ranked(prescribers, "prescriber"),
    }


def _referrals_section(pole_id: int, period: Period, f: _Filters) -> dict:
    conds = _referral_conds(pole_id, period, f)
    total = _scalar(select(func.count()).select_from(Referral).where(*conds))
    partners = _rows(
        select(Structure.name, func.count())
        .select_from(Referral)
        .join(Structure, Structure.id == Referral.partner_id)
        .where(*conds)
        .group_by(Structure.id, Structure.name)
    )
    thematics = _rows(
        select(Thematic.name, func.count())
        .select_from(Referral)
        .join(referral_thematics, referral_thematics.c.referral_id == Referral.id)
        .join(Thematic, Thematic.id == referral_thematics.c.thematic_id)
        .where(*conds)
        .group_by(Thematic.id, Thematic.name)
    )
    # Beneficiary type: the referral's own collective, else its dossier's.
    is_collective = or_(Referral.collective_id.isnot(None), _DOSSIER.collective_id.isnot(None))
    kinds = _one(
        select(
            func.coalesce(func.sum(case((is_collective, 1), else_=0)), 0),
            func.count(),
        )
        .select_from(Referral)
        .outerjoin(_DOSSIER, _DOSSIER.id == Referral.accompaniment_id)
        .where(*conds)
    )
    # Status at the end of the month's last day: the latest history entry on or before it
    # (ties on the same day broken by id). A referral without history is still "proposed".
    status_then = (
        select(_CHANGE.status)
        .where(_CHANGE.referral_id == Referral.id, _CHANGE.changed_on <= period.last)
        .order_by(_CHANGE.changed_on.desc(), _CHANGE.id.desc())
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )
    statuses = select(func.coalesce(status_then, "proposed").label("status")).where(*conds).subquery()
    by_status_detail = dict.fromkeys(REFERRAL_STATUSES, 0)
    for status, count in _rows(select(statuses.c.status, func.count()).group_by(statuses.c.status)):
        by_status_detail[status] = by_status_detail.get(status, 0) + int(count)
    # `by_status` keeps the contract's six keys and their meaning: "à l'étude" is still sent and
    # undecided, "sans réponse" is closed without follow-up (as the old workflow recorded it);
    # `by_status_detail` (added) tells them apart.
    by_status = {status: by_status_detail[status] for status in CONTRACT_STATUSES}
    for status, folded in STATUS_FOLDS.items():
        by_status[folded] += by_status_detail[status]
    # Earlier referrals whose status really changed during the month: an entry of the month whose
    # status differs from the status held before the month (an entry repeating the status is a
    # comment, not a change).
    status_before = (
        select(_BEFORE.status)
        .where(_BEFORE.referral_id == Referral.id, _BEFORE.changed_on < period.first)
        .order_by(_BEFORE.changed_on.desc(), _BEFORE.id.desc())
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )
    changed_during = (
        select(_DURING.id)
        .where(
            _DURING.referral_id == Referral.id,
            _DURING.changed_on >= period.first,
            _DURING.changed_on <= period.last,
            _DURING.status != func.coalesce(status_before, "proposed"),
        )
        .correlate(Referral)
        .exists()
    )
    earlier_changed = _scalar(
        select(func.count())
        .select_from(Referral)
        .where(*_referral_filter_conds(pole_id, f), Referral.referred_on < period.first, changed_during)
    )
    collective = int(kinds[0] or 0)
    return {
        "total": total,
        "by_partner": _ranked(partners, "partner"),
        "by_thematic": _ranked(thematics, "thematic"),
        "by_beneficiary": {"individual": int(kinds[1]) - collective, "collective": collective},
        "by_status": by_status,
        "by_status_detail": by_status_detail,
        "status_changes_of_earlier_referrals": earlier_changed,
    }


def _accompaniments_section(pole_id: int, period: Period, f: _Filters) -> dict:
    conds = _accompaniment_filter_conds(pole_id, f)
    active_cond = and_(
        Accompaniment.started_on <= period.last,
        or_(Accompaniment.ended_on.is_(None), Accompaniment.ended_on > period.last),
    )

    def flag(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    opened, closed, active = _one(
        select(
            flag(and_(Accompaniment.started_on >= period.first, Accompaniment.started_on <= period.last)),
            flag(and_(Accompaniment.ended_on >= period.first, Accompaniment.ended_on <= period.last)),
            flag(active_cond),
        ).where(*conds)
    )
    # Stage of each active dossier at month end, from its stage transitions: the target of the
    # latest one on or before the last day, else the origin of the first later one; a dossier
    # with no transition at all never changed stage, so its current stage is that stage.
    reached = (
        select(_TRANSITION.to_stage_id)
        .where(_TRANSITION.accompaniment_id == Accompaniment.id, _TRANSITION.transitioned_on <= period.last)
        .order_by(_TRANSITION.transitioned_on.desc(), _TRANSITION.id.desc())
        .limit(1)
        .correlate(Accompaniment)
        .scalar_subquery()
    )
    left_later = (
        select(_LATER.from_stage_id)
        .where(_LATER.accompaniment_id == Accompaniment.id, _LATER.transitioned_on > period.last)
        .order_by(_LATER.transitioned_on, _LATER.id)
        .limit(1)
        .correlate(Accompaniment)
        .scalar_subquery()
    )
    has_history = (
        select(StageTransition.id).where(StageTransition.accompaniment_id == Accompaniment.id).exists()
    )
    stage_then = case(
        (~has_history, Accompaniment.current_stage_id),
        else_=func.coalesce(reached, left_later),
    )
    stages = select(stage_then.label("stage_id")).where(*conds, active_cond).subquery()
    by_stage_rows = _rows(
        select(func.coalesce(Stage.name, "Sans étape"), func.count())
        .select_from(stages)
        .outerjoin(Stage, Stage.id == stages.c.stage_id)
        .group_by(stages.c.stage_id, Stage.name)
    )
    return {
        "opened": int(opened),
        "closed": int(closed),
        "active_at_month_end": int(active),
        "by_stage": _ranked(by_stage_rows, "stage"),
    }


def _sessions_section(pole_id: int, period: Period, f: _Filters) -> dict:
    conds = _session_conds(pole_id, period, f)
    by_kind = dict.fromkeys(KINDS, 0)
    minutes = 0
    for kind, count, kind_minutes in _rows(
        select(
            AccompanimentSession.kind,
            func.count(),
            func.coalesce(func.sum(AccompanimentSession.duration_minutes), 0),
        )
        .where(*conds)
        .group_by(AccompanimentSession.kind)
    ):
        by_kind[kind] = by_kind.get(kind, 0) + int(count)
        minutes += int(kind_minutes)
    attendances = dict.fromkeys(("invited", "present", "excused", "absent"), 0)
    participants = 0
    # One pass: counts by status, and the distinct persons of the "present" group.
    for status, count, persons in _rows(
        select(Attendance.status, func.count(), func.count(distinct(Attendance.person_id)))
        .join(AccompanimentSession, AccompanimentSession.id == Attendance.session_id)
        .where(*conds)
        .group_by(Attendance.status)
    ):
        attendances[status] = attendances.get(status, 0) + int(count)
        if status == "present":
            participants = int(persons)
    marked = attendances["present"] + attendances["excused"] + attendances["absent"]
    return {
        "total": sum(by_kind.values()),
        "by_kind": by_kind,
        "hours": ratio(minutes, 60, 2) or 0.0,
        "distinct_participants": participants,
        "attendance_rate": ratio(attendances["present"], marked, 3),
        "attendances": attendances,
    }


def _satisfaction_section(pole_id: int, period: Period, f: _Filters) -> dict:
    responses, score_sum = _one(
        select(func.count(), func.coalesce(func.sum(SatisfactionResponse.score), 0)).where(
            *_satisfaction_conds(pole_id, period, f)
        )
    )
    return {"responses": int(responses), "mean": ratio(score_sum, responses, 2)}


def _headline_counts(pole_id: int, period: Period, f: _Filters) -> dict:
    """The three headline totals over any period (for the comparisons)."""
    return {
        "referrals": _scalar(
            select(func.count()).select_from(Referral).where(*_referral_conds(pole_id, period, f))
        ),
        "sessions": _scalar(
            select(func.count()).select_from(AccompanimentSession).where(*_session_conds(pole_id, period, f))
        ),
        "requests": _scalar(
            select(func.count()).select_from(Request).where(*_request_conds(pole_id, period, f))
        ),
    }


# --- the report ----------------------------------------------------------------------------


def _month_in_progress(pole_id: int, period: Period, f: _Filters) -> dict[str, Any] | None:
    """For the month under way: when the figures were read, and how many of the month's séances
    (counted, as the contract says: séances starting in the month) are still to come."""
    now = utcnow()
    if not period.start_utc <= now < period.end_utc:
        return None
    to_come = _scalar(
        select(func.count()).select_from(AccompanimentSession).where(
            *_session_conds(pole_id, period, f), AccompanimentSession.starts_at > now
        )
    )
    return {"as_of": now.isoformat(timespec="seconds"), "sessions_to_come": to_come}


def monthly_report(
    pole: Pole, month: str, programme_id: int | None = None, advisor_id: int | None = None
) -> dict[str, Any]:
    """The monthly orientation report of `pole` for `month` ('YYYY-MM'), as the JSON contract."""
    year, month_number = parse_month(month)
    f = _Filters(pole, programme_id, advisor_id)
    period = month_period(year, month_number, pole.timezone)
    previous = month_period(*shift_month(year, month_number, -1), pole.timezone)
    last_year = month_period(year - 1, month_number, pole.timezone)
    ytd = Period(period.first.replace(month=1), period.last, pole.timezone)
    return {
        "pole": pole.slug,
        "month": month_key(year, month_number),
        "pole_name": pole.name,
        "period": {
            "first_day": period.first.isoformat(),
            "last_day": period.last.isoformat(),
            "timezone": pole.timezone,
        },
        "month_in_progress": _month_in_progress(pole.id, period, f),
        "filters": f.as_dict(),
        "requests": _requests_section(pole.id, period, f),
        "referrals": _referrals_section(pole.id, period, f),
        "accompaniments": _accompaniments_section(pole.id, period, f),
        "sessions": _sessions_section(pole.id, period, f),
        "satisfaction": _satisfaction_section(pole.id, period, f),
        "previous_month": _headline_counts(pole.id, previous, f),
        "same_month_last_year": _headline_counts(pole.id, last_year, f),
        "year_to_date": _headline_counts(pole.id, ytd, f),
        # Added with issue 14 (formats/report-monthly.md: keys are only ever added).
        "referral_answers": answer_figures(
            pole.id, period.first, period.last, conds=_referral_filter_conds(pole.id, f)
        ),
    }
