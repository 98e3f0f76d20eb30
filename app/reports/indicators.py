"""Funder indicators over any period (default: the last 12 complete months).

Same principles as the monthly report (services.py): SQL aggregates over dated records,
explicit pole, `all_poles` execution, the same programme/advisor filters. Two figures
are finished in Python from small per-member / per-dossier aggregates: the regularity
distribution and the median time from request to first séance.

Definitions:
- accompanied persons / collectives: beneficiaries of dossiers open at some point of the
  period (started on or before its end, not ended before its start);
- projects that reached a stage: dossiers with a transition to the chosen stage in the period
  (default: the pole's stage named "Structuration", if any); financed: open dossiers with
  financing obtained;
- regularity: for each member of a collective, the share of the collective's séances of the
  period (held while they were a member, membership days compared with the séance's UTC date)
  they attended (present). A séance is the collective's when it names it or serves one of its
  dossiers, as on the collective's page (app.sessions.services.collective_sessions);
- invited actors' participation rate: present / all attendance records (invited, present,
  excused, absent) of the period's séances; governance meetings: séances of kind governance
  and their rate present / (present + excused + absent);
- skills progression: per person and thematic, first vs last round (start < midway < end) of
  the self-assessments answered in the period, for those with two rounds or more.
"""

import statistics
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, func, or_, select

from app.accompaniments.models import Accompaniment, StageTransition
from app.collectives.models import Collective
from app.core.text import fold
from app.pathways.models import Stage
from app.poles.models import Pole, Thematic
from app.portal.models import SatisfactionResponse, SkillAssessment
from app.referrals.figures import answer_figures
from app.reports import figures
from app.reports.periods import Period, ReportError, local_today, parse_day, shift_month
from app.reports.services import (
    _accompaniment_filter_conds,
    _Filters,
    _one,
    _referral_filter_conds,
    _request_conds,
    _requests_section,
    _rows,
    _satisfaction_conds,
    _scalar,
    _session_conds,
    ratio,
)
from app.requests.models import Request
from app.sessions.models import AccompanimentSession, session_accompaniments

BUCKETS = (("0-25", 0.0, 0.25), ("25-50", 0.25, 0.5), ("50-75", 0.5, 0.75), ("75-100", 0.75, 1.01))
ROUND_RANK = {"start": 1, "midway": 2, "end": 3}


def default_period(zone: str) -> tuple[date, date]:
    """The last 12 complete months."""
    today = local_today(zone)
    year, month = shift_month(today.year, today.month, -12)
    return date(year, month, 1), date(today.year, today.month, 1) - timedelta(days=1)


def _bucket(rate: float) -> str:
    for name, _low, high in BUCKETS:
        if rate < high:
            return name
    return BUCKETS[-1][0]


def _accompanied(pole: Pole, period: Period, f: _Filters) -> dict:
    open_in_period = and_(
        Accompaniment.started_on <= period.last,
        or_(Accompaniment.ended_on.is_(None), Accompaniment.ended_on >= period.first),
    )
    dossiers, persons, collectives = _one(
        select(
            func.count(),
            func.count(distinct(Accompaniment.person_id)),
            func.count(distinct(Accompaniment.collective_id)),
        ).where(*_accompaniment_filter_conds(pole.id, f), open_in_period)
    )
    financed, amount = _one(
        select(func.count(), func.coalesce(func.sum(Accompaniment.financing_amount), 0)).where(
            *_accompaniment_filter_conds(pole.id, f),
            open_in_period,
            Accompaniment.financing_obtained.is_(True),
        )
    )
    return {
        "dossiers": int(dossiers),
        "persons": int(persons),
        "collectives": int(collectives),
        "financed": int(financed),
        "financing_amount": float(round(amount or 0, 2)),
    }


def _stage(pole: Pole, stage_id: int | None) -> Stage | None:
    stages = _rows(select(Stage).where(Stage.pole_id == pole.id).order_by(Stage.position, Stage.id))
    stages = [row[0] for row in stages]
    if stage_id is not None:
        found = next((s for s in stages if s.id == stage_id), None)
        if found is None:
            raise ReportError(_("Étape inconnue pour ce pôle."), field="stage")
        return found
    return next((s for s in stages if fold(s.name) == "structuration"), None)


def _reached_stage(pole: Pole, period: Period, f: _Filters, stage: Stage | None) -> int | None:
    if stage is None:
        return None
    return _scalar(
        select(func.count(distinct(StageTransition.accompaniment_id)))
        .join(Accompaniment, Accompaniment.id == StageTransition.accompaniment_id)
        .where(
            *_accompaniment_filter_conds(pole.id, f),
            StageTransition.to_stage_id == stage.id,
            StageTransition.transitioned_on.between(period.first, period.last),
        )
    )


def _regularity(pole: Pole, split: figures.Split, f: _Filters) -> dict:
    counts = figures.add_counts(
        figures.cached_member_counts(pole.id, split.months),
        *(figures.member_counts(pole.id, _session_conds(pole.id, part, f)) for part in split.rest),
    )
    names = dict(
        _rows(
            select(Collective.id, Collective.name).where(
                Collective.pole_id == pole.id,
                Collective.id.in_({collective_id for collective_id, _e, _a in counts.values()}),
            )
        )
    )
    collectives: dict[int, dict] = {}
    overall = dict.fromkeys((name for name, _low, _high in BUCKETS), 0)
    for collective_id, eligible, attended in counts.values():
        if not eligible:
            continue
        entry = collectives.get(collective_id)
        if entry is None:
            entry = collectives[collective_id] = {
                "collective": names.get(collective_id, ""),
                "members": 0,
                "attended_by_eligible": defaultdict(int),
                "distribution": dict.fromkeys(overall, 0),
            }
        entry["members"] += 1
        # Shares are added exactly, grouped by denominator: Σ a/e = Σ_e (Σ a) / e.
        entry["attended_by_eligible"][eligible] += attended
        bucket = _bucket(attended / eligible)
        entry["distribution"][bucket] += 1
        overall[bucket] += 1
    listed = []
    for entry in collectives.values():
        sums = entry.pop("attended_by_eligible")
        # Mean of the members' shares, rounded half-up to 3 decimals.
        mean = sum((Fraction(a, e) for e, a in sums.items()), Fraction(0)) / entry["members"]
        entry["mean_regularity"] = ratio(mean.numerator, mean.denominator, 3)
        listed.append(entry)
    listed.sort(key=lambda e: (fold(e["collective"]), e["collective"]))
    return {"members": sum(overall.values()), "distribution": overall, "collectives": listed}


def _satisfaction(pole: Pole, period: Period, f: _Filters) -> dict:
    distribution = {str(score): 0 for score in range(1, 6)}
    for score, count in _rows(
        select(SatisfactionResponse.score, func.count())
        .where(*_satisfaction_conds(pole.id, period, f))
        .group_by(SatisfactionResponse.score)
    ):
        distribution[str(score)] = int(count)
    responses = sum(distribution.values())
    total = sum(int(score) * count for score, count in distribution.items())
    return {"responses": responses, "mean": ratio(total, responses, 2), "distribution": distribution}


def _skills(pole: Pole, period: Period, f: _Filters) -> dict:
    rank = case(*((SkillAssessment.round == name, value) for name, value in ROUND_RANK.items()), else_=0)
    code = rank * 10 + SkillAssessment.level
    conds = [
        SkillAssessment.pole_id == pole.id,
        SkillAssessment.assessed_at >= period.start_utc,
        SkillAssessment.assessed_at < period.end_utc,
    ]
    if f.programme_id is not None or f.advisor_id is not None:
        conds.append(
            SkillAssessment.accompaniment_id.in_(
                select(Accompaniment.id).where(*_accompaniment_filter_conds(pole.id, f))
            )
        )
    per_person = (
        select(
            SkillAssessment.thematic_id.label("thematic_id"),
            func.min(code).label("first_code"),
            func.max(code).label("last_code"),
        )
        .where(*conds)
        .group_by(SkillAssessment.person_id, SkillAssessment.thematic_id)
        .having(func.min(rank) < func.max(rank))
        .subquery()
    )
    first_level = per_person.c.first_code % 10
    last_level = per_person.c.last_code % 10
    rows = _rows(
        select(
            Thematic.name,
            func.count(),
            func.sum(first_level),
            func.sum(last_level),
            func.sum(case((last_level > first_level, 1), else_=0)),
        )
        .select_from(per_person)
        .join(Thematic, Thematic.id == per_person.c.thematic_id)
        .group_by(Thematic.id, Thematic.name)
    )
    by_thematic = [
        {
            "thematic": name,
            "persons": int(count),
            "first_mean": ratio(first_sum, count, 2),
            "last_mean": ratio(last_sum, count, 2),
            "improved": int(improved or 0),
        }
        for name, count, first_sum, last_sum, improved in rows
    ]
    by_thematic.sort(key=lambda item: (-item["persons"], fold(item["thematic"])))
    return {"has_data": bool(by_thematic), "by_thematic": by_thematic}


def _attendance_rates(pole: Pole, split: figures.Split, f: _Filters) -> dict:
    by_kind = figures.add_counts(
        figures.cached_session_counts([pole.id], split.months).get(pole.id, {}),
        *(
            figures.session_counts([pole.id], part, _session_conds(pole.id, part, f)).get(pole.id, {})
            for part in split.rest
        ),
    )
    counts = dict.fromkeys(figures.STATUSES, 0)
    for values in by_kind.values():
        for status in figures.STATUSES:
            counts[status] += values[status]
    governance = by_kind.get("governance", dict.fromkeys(("sessions", *figures.STATUSES), 0))
    everyone = sum(counts.values())
    marked = governance["present"] + governance["excused"] + governance["absent"]
    return {
        "governance": {
            "meetings": governance["sessions"],
            "participation_rate": ratio(governance["present"], marked, 3),
        },
        "invited_actors": {
            "attendances": everyone,
            "present": counts["present"],
            "participation_rate": ratio(counts["present"], everyone, 3),
        },
    }


def _request_to_first_session(pole: Pole, period: Period, f: _Filters) -> dict:
    rows = _rows(
        select(Request.received_on, func.min(AccompanimentSession.starts_at))
        .join(Accompaniment, Accompaniment.request_id == Request.id)
        .join(session_accompaniments, session_accompaniments.c.accompaniment_id == Accompaniment.id)
        .join(AccompanimentSession, AccompanimentSession.id == session_accompaniments.c.session_id)
        .where(*_request_conds(pole.id, period, f), *_accompaniment_filter_conds(pole.id, f))
        .group_by(Accompaniment.id, Request.received_on)
    )
    zone = ZoneInfo(pole.timezone)
    delays = []
    for received_on, first_start in rows:
        if first_start is None:
            continue
        days = (first_start.astimezone(zone).date() - received_on).days
        if days >= 0:
            delays.append(days)
    median = statistics.median(delays) if delays else None
    return {"dossiers": len(delays), "median_days": float(median) if median is not None else None}


def funder_indicators(
    pole: Pole,
    start: str | date | None = None,
    end: str | date | None = None,
    stage_id: int | None = None,
    programme_id: int | None = None,
    advisor_id: int | None = None,
) -> dict[str, Any]:
    """The funder indicators of `pole` from `start` to `end` (dates included)."""
    default_start, default_end = default_period(pole.timezone)
    first = (
        parse_day(start, _("Date de début"), "start") if isinstance(start, str) else (start or default_start)
    )
    last = parse_day(end, _("Date de fin"), "end") if isinstance(end, str) else (end or default_end)
    if last < first:
        raise ReportError(_("La date de fin doit suivre la date de début."), field="end")
    if (last - first).days > 3660:
        raise ReportError(_("La période ne peut pas dépasser dix ans."), field="start")
    f = _Filters(pole, programme_id, advisor_id)
    period = Period(first, last, pole.timezone)
    stage = _stage(pole, stage_id)
    # Séance figures: closed months from the precomputed monthly figures (app.reports.figures).
    filtered = programme_id is not None or advisor_id is not None
    split = figures.split_for([pole.id], period, filtered=filtered)
    accompanied = _accompanied(pole, period, f)
    requests = _requests_section(pole.id, period, f)
    return {
        "pole": pole.slug,
        "pole_name": pole.name,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "filters": f.as_dict(),
        "requests": {"total": requests["total"], "by_channel": requests["by_channel"]},
        "accompanied": {k: accompanied[k] for k in ("dossiers", "persons", "collectives")},
        "projects": {
            "stage": {"id": stage.id, "name": stage.name} if stage else None,
            "reached_stage": _reached_stage(pole, period, f, stage),
            "financed": accompanied["financed"],
            "financing_amount": accompanied["financing_amount"],
        },
        "regularity": _regularity(pole, split, f),
        "satisfaction": _satisfaction(pole, period, f),
        "skills": _skills(pole, period, f),
        **_attendance_rates(pole, split, f),
        "request_to_first_session": _request_to_first_session(pole, period, f),
        "referral_answers": answer_figures(pole.id, first, last, conds=_referral_filter_conds(pole.id, f)),
    }
