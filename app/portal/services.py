"""The porteur's space: what a holder may see, questionnaires, skills progression, data export.

Every portal page goes through `holder_scope(user)`: it is the single place deciding which
dossiers, séances and orientations a holder reaches. Anything outside answers 404.
Services flush; the caller commits.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.accompaniments.models import Accompaniment, StageTransition
from app.auth.models import User
from app.collectives.models import Membership
from app.core.audit import record_audit
from app.core.models import utcnow
from app.extensions import db
from app.pathways.models import PathwayTemplate, Stage
from app.people.models import Person
from app.poles.models import Pole, Thematic
from app.portal.models import ROUNDS, SatisfactionResponse, SkillAssessment, SkillRound
from app.referrals.models import Referral
from app.requests.models import Request
from app.sessions.models import AccompanimentSession, Attendance, session_accompaniments

STAFF_OPENED_ROUNDS = ("midway", "end")
LEVELS = (1, 2, 3, 4)
SCORES = (1, 2, 3, 4, 5)


class PortalError(ValueError):
    """A portal action refused for a business reason (message in French)."""


def pole_today(pole_id: int | None) -> date:
    """Today's date in the pole's time zone."""
    pole = db.session.get(Pole, pole_id) if pole_id else None
    return datetime.now(ZoneInfo(pole.timezone if pole else "Europe/Paris")).date()


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _member_on(membership: Membership, day: date) -> bool:
    return (membership.joined_on is None or membership.joined_on <= day) and (
        membership.left_on is None or membership.left_on > day
    )


# --- Scope --------------------------------------------------------------------------------


@dataclass
class HolderScope:
    """What one person reaches in the portal, measured on `today` (pole time zone)."""

    person_id: int
    pole_id: int
    today: date
    zone: ZoneInfo
    memberships: list[Membership]
    person: Person | None = None
    _session_ids: set[int] | None = field(default=None, repr=False)

    @property
    def current_collective_ids(self) -> set[int]:
        return {m.collective_id for m in self.memberships if _member_on(m, self.today)}

    def member_on(self, collective_id: int, day: date) -> bool:
        return any(m.collective_id == collective_id and _member_on(m, day) for m in self.memberships)

    # Dossiers: their own, and those of the collectives they are a current member of.
    def accompaniment_clause(self):
        clauses = [Accompaniment.person_id == self.person_id]
        if self.current_collective_ids:
            clauses.append(Accompaniment.collective_id.in_(self.current_collective_ids))
        return or_(*clauses)

    def accompaniments(self) -> list[Accompaniment]:
        return list(
            db.session.scalars(
                select(Accompaniment)
                .where(Accompaniment.pole_id == self.pole_id, self.accompaniment_clause())
                .options(
                    joinedload(Accompaniment.collective),
                    joinedload(Accompaniment.referent),
                    joinedload(Accompaniment.current_stage),
                    joinedload(Accompaniment.template).selectinload(PathwayTemplate.stages),
                    selectinload(Accompaniment.thematics),
                )
                .order_by(Accompaniment.started_on.desc(), Accompaniment.id.desc())
            ).unique()
        )

    def accompaniment_ids(self) -> set[int]:
        return set(
            db.session.scalars(
                select(Accompaniment.id).where(
                    Accompaniment.pole_id == self.pole_id, self.accompaniment_clause()
                )
            )
        )

    def accompaniment_or_404(self, accompaniment_id) -> Accompaniment:
        try:
            accompaniment_id = int(accompaniment_id)
        except (TypeError, ValueError):
            abort(404)
        acc = db.session.scalar(
            select(Accompaniment)
            .where(
                Accompaniment.id == accompaniment_id,
                Accompaniment.pole_id == self.pole_id,
                self.accompaniment_clause(),
            )
            .options(selectinload(Accompaniment.thematics), joinedload(Accompaniment.collective))
        )
        if acc is None:
            abort(404)
        return acc

    # Séances: every one they have an attendance for (the same list « Mes données » exports).
    def session_ids(self) -> set[int]:
        if self._session_ids is None:
            self._session_ids = self._compute_session_ids()
        return self._session_ids

    def _compute_session_ids(self) -> set[int]:
        return set(
            db.session.scalars(
                select(Attendance.session_id)
                .join(AccompanimentSession, AccompanimentSession.id == Attendance.session_id)
                .where(Attendance.person_id == self.person_id, AccompanimentSession.pole_id == self.pole_id)
            )
        )

    def session_or_404(self, session_id) -> AccompanimentSession:
        try:
            session_id = int(session_id)
        except (TypeError, ValueError):
            abort(404)
        if session_id not in self.session_ids():
            abort(404)
        return db.session.scalar(select(AccompanimentSession).where(AccompanimentSession.id == session_id))

    def attendances_stmt(self, *, past: bool, now: datetime | None = None):
        """My attendances at visible séances, past (latest first) or upcoming (soonest first)."""
        now = now or utcnow()
        stmt = (
            select(Attendance)
            .join(Attendance.session)
            .where(
                Attendance.person_id == self.person_id,
                Attendance.session_id.in_(self.session_ids() or {0}),
            )
            .options(joinedload(Attendance.session))
        )
        if past:
            return stmt.where(AccompanimentSession.starts_at < now).order_by(
                AccompanimentSession.starts_at.desc(), AccompanimentSession.id.desc()
            )
        return stmt.where(AccompanimentSession.starts_at >= now).order_by(
            AccompanimentSession.starts_at, AccompanimentSession.id
        )

    # Orientations concerning them: theirs, their visible dossiers', their current collectives'.
    def referral_clause(self):
        clauses = [Referral.person_id == self.person_id]
        ids = self.accompaniment_ids()
        if ids:
            clauses.append(Referral.accompaniment_id.in_(ids))
        if self.current_collective_ids:
            clauses.append(Referral.collective_id.in_(self.current_collective_ids))
        return or_(*clauses)

    def referrals_stmt(self):
        return (
            select(Referral)
            .where(Referral.pole_id == self.pole_id, self.referral_clause())
            .options(joinedload(Referral.partner), selectinload(Referral.history))
            .order_by(Referral.referred_on.desc(), Referral.id.desc())
        )


def person_scope(person: Person, today: date | None = None) -> HolderScope:
    """The portal scope of a person (also used to export their data)."""
    pole = db.session.get(Pole, person.pole_id)
    zone = ZoneInfo(pole.timezone if pole else "Europe/Paris")
    memberships = list(
        db.session.scalars(
            select(Membership)
            .where(Membership.person_id == person.id, Membership.pole_id == person.pole_id)
            .options(joinedload(Membership.collective), joinedload(Membership.structure))
        )
    )
    return HolderScope(
        person=person,
        person_id=person.id,
        pole_id=person.pole_id,
        today=today or datetime.now(zone).date(),
        zone=zone,
        memberships=memberships,
    )


def holder_scope(user: User) -> HolderScope:
    """The one gate of every portal page: the holder's person and what they reach, else 404."""
    if user.role != "holder" or user.person_id is None or user.pole_id is None:
        abort(404)
    person = db.session.scalar(
        select(Person).where(Person.id == user.person_id, Person.pole_id == user.pole_id)
    )
    if person is None or person.anonymized_at is not None:
        abort(404)
    return person_scope(person)


# --- Parcours -----------------------------------------------------------------------------


def stage_states(acc: Accompaniment) -> list[tuple[Stage, str]]:
    """The template's stages marked 'done', 'current' or 'next' against the dossier's stage."""
    if acc.template is None:
        return [(acc.current_stage, "current")] if acc.current_stage else []
    current = acc.current_stage
    stages = [s for s in acc.template.stages if s.active or (current is not None and s.id == current.id)]
    if current is None or all(s.id != current.id for s in stages):
        return [(s, "next") for s in stages]
    result, seen = [], False
    for stage in stages:
        if stage.id == current.id:
            result.append((stage, "current"))
            seen = True
        else:
            result.append((stage, "next" if seen else "done"))
    return result


# --- Holder accounts ----------------------------------------------------------------------


def invite_holder(person: Person, pole: Pole) -> tuple[User | None, str | None]:
    """Open a holder account linked to `person` and email its invitation (valid 72 h).

    (None, None) when the address has an account in another pole: the caller answers as for a
    sent invitation (app.auth.services.AccountExistsElsewhere).
    """
    from app.auth.services import AccountError, AccountExistsElsewhere, invite_user

    if not person.email:
        raise PortalError(_("Cette personne n'a pas d'adresse e-mail : ajoutez-la avant de l'inviter."))
    if person.anonymized_at is not None or person.archived:
        raise PortalError(_("Cette personne est archivée : elle ne peut pas être invitée."))
    existing = db.session.scalar(select(User).where(User.person_id == person.id, User.role == "holder"))
    if existing is not None:
        raise PortalError(
            _("%(name)s a déjà un compte porteur (%(email)s).", name=person.full_name, email=existing.email)
        )
    try:
        user, link = invite_user(person.email, "holder", pole, full_name=person.full_name)
    except AccountExistsElsewhere:
        return None, None
    except AccountError as exc:
        raise PortalError(str(exc)) from exc
    user.person_id = person.id
    record_audit("portal.invite_holder", person, {"user_id": user.id, "email": user.email})
    return user, link


def holder_account(person: Person) -> User | None:
    return db.session.scalar(select(User).where(User.person_id == person.id, User.role == "holder"))


# --- Satisfaction -------------------------------------------------------------------------


def _save_response(response: SatisfactionResponse) -> SatisfactionResponse:
    try:
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError as exc:
        raise PortalError(_("Vous avez déjà donné votre avis : merci !")) from exc
    record_audit(
        "satisfaction.create",
        response,
        {
            "session_id": response.session_id,
            "accompaniment_id": response.accompaniment_id,
            "score": response.score,
        },
    )
    return response


def _check_score(score, comment: str | None) -> tuple[int, str | None]:
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in SCORES:
        raise PortalError(_("Choisissez une note de 1 à 5."))
    comment = (comment or "").strip() or None
    if comment and len(comment) > 2000:
        raise PortalError(_("Le commentaire est trop long (2 000 caractères au plus)."))
    return score, comment


def session_rateable(scope: HolderScope, session: AccompanimentSession, status: str | None) -> bool:
    return status == "present" and session.starts_at < utcnow() and session.id in scope.session_ids()


def rate_session(
    scope: HolderScope, session: AccompanimentSession, score, comment: str | None = None
) -> SatisfactionResponse:
    """The holder's one answer about a past séance they attended."""
    score, comment = _check_score(score, comment)
    status = db.session.scalar(
        select(Attendance.status).where(
            Attendance.session_id == session.id, Attendance.person_id == scope.person_id
        )
    )
    if not session_rateable(scope, session, status):
        raise PortalError(_("Vous pourrez donner votre avis sur cette séance après y avoir participé."))
    if db.session.scalar(
        select(SatisfactionResponse.id).where(
            SatisfactionResponse.person_id == scope.person_id, SatisfactionResponse.session_id == session.id
        )
    ):
        raise PortalError(_("Vous avez déjà donné votre avis sur cette séance : merci !"))
    return _save_response(
        SatisfactionResponse(
            pole_id=scope.pole_id,
            person_id=scope.person_id,
            session_id=session.id,
            score=score,
            comment=comment,
        )
    )


def rate_accompaniment(
    scope: HolderScope, acc: Accompaniment, score, comment: str | None = None
) -> SatisfactionResponse:
    """The holder's one answer about a whole dossier, once it is closed."""
    score, comment = _check_score(score, comment)
    if acc.status != "closed":
        raise PortalError(_("Vous pourrez donner votre avis sur l'accompagnement une fois le dossier clos."))
    if db.session.scalar(
        select(SatisfactionResponse.id).where(
            SatisfactionResponse.person_id == scope.person_id,
            SatisfactionResponse.accompaniment_id == acc.id,
        )
    ):
        raise PortalError(_("Vous avez déjà donné votre avis sur cet accompagnement : merci !"))
    return _save_response(
        SatisfactionResponse(
            pole_id=scope.pole_id,
            person_id=scope.person_id,
            accompaniment_id=acc.id,
            score=score,
            comment=comment,
        )
    )


def dossier_satisfaction(accompaniment: Accompaniment) -> dict:
    """Answers about a dossier and its séances, for staff: rows, count and mean score."""
    session_ids = select(session_accompaniments.c.session_id).where(
        session_accompaniments.c.accompaniment_id == accompaniment.id
    )
    rows = list(
        db.session.scalars(
            select(SatisfactionResponse)
            .where(
                SatisfactionResponse.pole_id == accompaniment.pole_id,
                or_(
                    SatisfactionResponse.accompaniment_id == accompaniment.id,
                    SatisfactionResponse.session_id.in_(session_ids),
                ),
            )
            .order_by(SatisfactionResponse.answered_at.desc(), SatisfactionResponse.id.desc())
        )
    )
    persons = _by_id(Person, {r.person_id for r in rows})
    sessions = _by_id(AccompanimentSession, {r.session_id for r in rows if r.session_id})
    answers = [
        {
            "response": r,
            "person": persons.get(r.person_id),
            "session": sessions.get(r.session_id) if r.session_id else None,
        }
        for r in rows
    ]
    mean = round(sum(r.score for r in rows) / len(rows), 1) if rows else None
    return {"answers": answers, "count": len(rows), "mean": mean}


def _by_id(model, ids: set) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(select(model).where(model.id.in_(ids)))}


def satisfaction_timeline(accompaniment: Accompaniment) -> list[tuple]:
    """Dossier-timeline provider: one entry per satisfaction answer (fixed number of queries)."""
    pole = db.session.get(Pole, accompaniment.pole_id)
    zone = ZoneInfo(pole.timezone if pole else "Europe/Paris")
    # A date, not a datetime, like the other providers' entries (they are sorted together).
    return [
        (local_date(a["response"].answered_at, zone), "satisfaction", "portal/_timeline_satisfaction.html", a)
        for a in dossier_satisfaction(accompaniment)["answers"]
    ]


# --- Skills self-assessment ---------------------------------------------------------------


def open_rounds(acc: Accompaniment) -> list[str]:
    """The dossier's open rounds in order: "start" always, then those an advisor opened."""
    opened = set(db.session.scalars(select(SkillRound.round).where(SkillRound.accompaniment_id == acc.id)))
    return [r for r in ROUNDS if r == "start" or r in opened]


def skill_rounds(acc: Accompaniment) -> dict[str, SkillRound]:
    rows = db.session.scalars(
        select(SkillRound)
        .where(SkillRound.accompaniment_id == acc.id)
        .options(joinedload(SkillRound.opened_by))
    )
    return {r.round: r for r in rows}


def open_round(acc: Accompaniment, round_name: str, by: User, on: date | None = None) -> SkillRound:
    """An advisor opens the midway or end round of a dossier's self-assessment."""
    if round_name not in STAFF_OPENED_ROUNDS:
        raise PortalError(_("Ce tour d'auto-positionnement n'existe pas."))
    if round_name == "end" and "midway" not in open_rounds(acc):
        raise PortalError(_("Ouvrez d'abord le tour « mi-parcours »."))
    if round_name in open_rounds(acc):
        raise PortalError(_("Ce tour est déjà ouvert."))
    row = SkillRound(
        pole_id=acc.pole_id,
        accompaniment_id=acc.id,
        round=round_name,
        opened_on=on or pole_today(acc.pole_id),
        opened_by_id=by.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as exc:
        raise PortalError(_("Ce tour est déjà ouvert.")) from exc
    record_audit("portal.open_round", acc, {"round": round_name})
    return row


def answerable_round(acc: Accompaniment) -> str | None:
    """The round the holder answers now: the latest open one (earlier ones are closed)."""
    if acc.status not in ("active", "suspended", "closed"):
        return None
    return open_rounds(acc)[-1]


def person_assessments(acc: Accompaniment, person_id: int) -> dict[tuple[str, int], int]:
    """{(round, thematic_id): level} for one person on one dossier."""
    rows = db.session.execute(
        select(SkillAssessment.round, SkillAssessment.thematic_id, SkillAssessment.level).where(
            SkillAssessment.accompaniment_id == acc.id, SkillAssessment.person_id == person_id
        )
    )
    return {(r, t): level for r, t, level in rows}


def record_assessment(scope: HolderScope, acc: Accompaniment, levels: dict[int, int]) -> str:
    """Save the holder's levels (thematic id -> 1..4) for the dossier's current round."""
    round_name = answerable_round(acc)
    if round_name is None:
        raise PortalError(_("L'auto-positionnement n'est pas ouvert pour ce dossier."))
    thematic_ids = {t.id for t in acc.thematics}
    if not thematic_ids:
        raise PortalError(_("Ce dossier n'a pas encore de thématiques."))
    if set(levels) != thematic_ids or any(v not in LEVELS for v in levels.values()):
        raise PortalError(_("Indiquez votre niveau pour chaque thématique."))
    existing = {
        a.thematic_id: a
        for a in db.session.scalars(
            select(SkillAssessment).where(
                SkillAssessment.accompaniment_id == acc.id,
                SkillAssessment.person_id == scope.person_id,
                SkillAssessment.round == round_name,
            )
        )
    }
    now = utcnow()
    for thematic_id, level in levels.items():
        row = existing.get(thematic_id)
        if row is None:
            db.session.add(
                SkillAssessment(
                    pole_id=acc.pole_id,
                    accompaniment_id=acc.id,
                    person_id=scope.person_id,
                    thematic_id=thematic_id,
                    round=round_name,
                    level=level,
                    assessed_at=now,
                )
            )
        elif row.level != level:
            row.level = level
            row.assessed_at = now
    db.session.flush()
    record_audit("skills.assess", acc, {"round": round_name, "levels": sorted(levels.items())})
    return round_name


def dossier_assessments(acc: Accompaniment) -> list[dict]:
    """For staff: each person's levels on the dossier, {round: {thematic_id: level}}, by name."""
    rows = db.session.execute(
        select(SkillAssessment, Person)
        .join(Person, Person.id == SkillAssessment.person_id)
        .where(SkillAssessment.accompaniment_id == acc.id)
        .order_by(Person.last_name, Person.first_name, Person.id)
    ).all()
    result: dict[int, dict] = {}
    for assessment, person in rows:
        entry = result.setdefault(person.id, {"person": person, "levels": defaultdict(dict)})
        entry["levels"][assessment.round][assessment.thematic_id] = assessment.level
    return list(result.values())


@dataclass
class ThematicProgress:
    """First and last self-rated levels on one thematic, averaged over (dossier, person) pairs."""

    thematic_id: int
    name: str
    assessed: int  # (dossier, person) pairs with at least one answer
    compared: int  # … with answers at two rounds or more
    progressed: int  # … whose last level is above their first
    first_mean: float
    last_mean: float

    @property
    def delta(self) -> float:
        return round(self.last_mean - self.first_mean, 2)


def skills_progression(
    accompaniment: Accompaniment | None = None,
    *,
    pole_id: int | None = None,
    person_id: int | None = None,
    accompaniment_ids=None,
    assessed_from: date | None = None,
    assessed_to: date | None = None,
) -> list[ThematicProgress]:
    """Skills progression per thematic: first vs last round each (dossier, person) answered.

    Filter by one dossier, a pole, a person, a set (or select) of dossier ids, and the
    answers' dates. One query. Means over pairs, rounded to 2 decimals; a pair with a single
    round counts its level as both first and last.
    """
    stmt = select(
        SkillAssessment.accompaniment_id,
        SkillAssessment.person_id,
        SkillAssessment.thematic_id,
        SkillAssessment.round,
        SkillAssessment.level,
        Thematic.name,
        Thematic.position,
    ).join(Thematic, Thematic.id == SkillAssessment.thematic_id)
    if accompaniment is not None:
        stmt = stmt.where(SkillAssessment.accompaniment_id == accompaniment.id)
    if pole_id is not None:
        stmt = stmt.where(SkillAssessment.pole_id == pole_id)
    if person_id is not None:
        stmt = stmt.where(SkillAssessment.person_id == person_id)
    if accompaniment_ids is not None:
        stmt = stmt.where(SkillAssessment.accompaniment_id.in_(accompaniment_ids))
    if assessed_from is not None:
        stmt = stmt.where(SkillAssessment.assessed_at >= datetime.combine(assessed_from, time.min, UTC))
    if assessed_to is not None:
        stmt = stmt.where(SkillAssessment.assessed_at <= datetime.combine(assessed_to, time.max, UTC))
    order = {r: i for i, r in enumerate(ROUNDS)}
    pairs: dict[tuple[int, int, int], dict[int, int]] = defaultdict(dict)
    names: dict[int, tuple[int, str]] = {}
    for acc_id, pid, thematic_id, round_name, level, name, position in db.session.execute(stmt):
        if round_name in order:
            pairs[(thematic_id, acc_id, pid)][order[round_name]] = level
            names[thematic_id] = (position, name)
    per_thematic: dict[int, list[dict[int, int]]] = defaultdict(list)
    for (thematic_id, _acc, _pid), levels in pairs.items():
        per_thematic[thematic_id].append(levels)
    result = []
    for thematic_id, series in per_thematic.items():
        firsts = [levels[min(levels)] for levels in series]
        lasts = [levels[max(levels)] for levels in series]
        result.append(
            ThematicProgress(
                thematic_id=thematic_id,
                name=names[thematic_id][1],
                assessed=len(series),
                compared=sum(1 for levels in series if len(levels) > 1),
                progressed=sum(1 for f, la in zip(firsts, lasts, strict=True) if la > f),
                first_mean=round(sum(firsts) / len(firsts), 2),
                last_mean=round(sum(lasts) / len(lasts), 2),
            )
        )
    return sorted(result, key=lambda p: (names[p.thematic_id][0], p.name))


@dataclass
class ChartBar:
    label: str
    value: float
    y: float
    width: float
    kind: str  # "first" or "last"


@dataclass
class ProgressChart:
    """Coordinates of a horizontal bar chart (levels 0–4) drawn as server SVG."""

    width: int
    height: int
    plot_x: int
    plot_width: int
    labels: list[tuple[str, float]]
    bars: list[ChartBar]
    ticks: list[tuple[int, float]]


def progression_chart(progress: list[ThematicProgress]) -> ProgressChart:
    """Per thematic: its name on a line, then the first and last mean levels as two bars."""
    plot_x, plot_width, bar_h, gap = 4, 212, 14, 4
    y = 8
    labels, bars = [], []
    for item in progress:
        labels.append((item.name, y + 12))
        y += 18
        for kind, value in (("first", item.first_mean), ("last", item.last_mean)):
            bars.append(ChartBar(item.name, value, y, round(plot_width * value / 4, 1), kind))
            y += bar_h + gap
        y += 8
    ticks = [(level, plot_x + plot_width * level / 4) for level in range(0, 5)]
    return ProgressChart(
        width=252, height=y + 16, plot_x=plot_x, plot_width=plot_width, labels=labels, bars=bars, ticks=ticks
    )


# --- Personal data export -----------------------------------------------------------------


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


PERSON_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "commune",
    "postal_code",
    "gender",
    "birth_year",
    "situation",
    "first_contact_on",
    "privacy_notice_given_on",
    "notes",
    "archived",
    "created_at",
    "updated_at",
)


def export_person_data(person: Person) -> dict:
    """Everything Passerelle holds about a person, as JSON-ready data (right of access).

    Dossiers are the person's own and those of the collectives they currently belong to;
    séances' private notes, staff comments and account secrets are never included.
    """
    scope = person_scope(person)
    pid = person.id
    memberships = sorted(scope.memberships, key=lambda m: (m.joined_on or date.min, m.id))
    dossiers = list(
        db.session.scalars(
            select(Accompaniment)
            .where(Accompaniment.pole_id == person.pole_id, scope.accompaniment_clause())
            .options(
                joinedload(Accompaniment.collective),
                joinedload(Accompaniment.referent),
                joinedload(Accompaniment.current_stage),
                joinedload(Accompaniment.template),
                selectinload(Accompaniment.thematics),
            )
            .order_by(Accompaniment.started_on, Accompaniment.id)
        ).unique()
    )
    transitions: dict[int, list[StageTransition]] = defaultdict(list)
    if dossiers:
        for t in db.session.scalars(
            select(StageTransition)
            .where(StageTransition.accompaniment_id.in_([d.id for d in dossiers]))
            .options(joinedload(StageTransition.to_stage))
            .order_by(StageTransition.transitioned_on, StageTransition.id)
        ):
            transitions[t.accompaniment_id].append(t)
    attendances = list(
        db.session.scalars(
            select(Attendance)
            .join(Attendance.session)
            .where(Attendance.person_id == pid, Attendance.pole_id == person.pole_id)
            .options(joinedload(Attendance.session))
            .order_by(AccompanimentSession.starts_at, Attendance.id)
        )
    )
    referrals = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.pole_id == person.pole_id, scope.referral_clause())
            .options(
                joinedload(Referral.partner), selectinload(Referral.history), selectinload(Referral.thematics)
            )
            .order_by(Referral.referred_on, Referral.id)
        )
    )
    requests = list(
        db.session.scalars(
            select(Request)
            .where(Request.person_id == pid, Request.pole_id == person.pole_id)
            .options(selectinload(Request.thematics))
            .order_by(Request.received_on, Request.id)
        )
    )
    responses = list(
        db.session.scalars(
            select(SatisfactionResponse)
            .where(SatisfactionResponse.person_id == pid, SatisfactionResponse.pole_id == person.pole_id)
            .order_by(SatisfactionResponse.answered_at, SatisfactionResponse.id)
        )
    )
    assessments = db.session.execute(
        select(SkillAssessment, Thematic.name)
        .join(Thematic, Thematic.id == SkillAssessment.thematic_id)
        .where(SkillAssessment.person_id == pid, SkillAssessment.pole_id == person.pole_id)
        .order_by(SkillAssessment.accompaniment_id, SkillAssessment.assessed_at, SkillAssessment.id)
    ).all()
    accounts = list(
        db.session.scalars(select(User).where(User.person_id == pid, User.pole_id == person.pole_id))
    )
    pole = db.session.get(Pole, person.pole_id)
    return {
        "format": "passerelle.person-data/1",
        "exported_at": utcnow().isoformat(),
        "pole": pole.name if pole else None,
        "person": {name: _value(getattr(person, name)) for name in PERSON_FIELDS},
        "accounts": [
            {
                "email": u.email,
                "full_name": u.full_name,
                "role": u.role,
                "active": u.active,
                "created_at": _value(u.created_at),
                "invited_at": _value(u.invited_at),
                "last_login_at": _value(u.last_login_at),
                "password_changed_at": _value(u.password_changed_at),
            }
            for u in accounts
        ],
        "memberships": [
            {
                "collective": m.collective.name,
                "structure": m.structure.name if m.structure else None,
                "role": m.role,
                "joined_on": _value(m.joined_on),
                "left_on": _value(m.left_on),
            }
            for m in memberships
        ],
        "requests": [
            {
                "id": r.id,
                "received_on": _value(r.received_on),
                "channel": r.channel,
                "need": r.need,
                "thematics": [t.name for t in r.thematics],
                "outcome": r.outcome,
                "outcome_on": _value(r.outcome_on),
            }
            for r in requests
        ],
        "accompaniments": [
            {
                "id": d.id,
                "beneficiary": "person" if d.person_id else "collective",
                "collective": d.collective.name if d.collective else None,
                "title": d.title,
                "summary": d.summary,
                "sector": d.sector,
                "intended_legal_form": d.intended_legal_form,
                "modality": d.modality,
                "objectives": d.objectives,
                "status": d.status,
                "template": d.template.name if d.template else None,
                "current_stage": d.current_stage.name if d.current_stage else None,
                "referent": (
                    {"name": d.referent.display_name, "email": d.referent.email} if d.referent else None
                ),
                "thematics": [t.name for t in d.thematics],
                "started_on": _value(d.started_on),
                "ended_on": _value(d.ended_on),
                "end_reason": d.end_reason,
                "financing_obtained": d.financing_obtained,
                "financing_amount": _value(d.financing_amount),
                "stages": [
                    {"stage": t.to_stage.name, "on": _value(t.transitioned_on)} for t in transitions[d.id]
                ],
            }
            for d in dossiers
        ],
        "attendances": [
            {
                "session_id": a.session_id,
                "title": a.session.title,
                "kind": a.session.kind,
                "starts_at": _value(a.session.starts_at),
                "duration_minutes": a.session.duration_minutes,
                "status": a.status,
                "registered_publicly": a.registered_publicly,
            }
            for a in attendances
        ],
        "referrals": [
            {
                "id": r.id,
                "partner": r.partner.name,
                "referred_on": _value(r.referred_on),
                "reason": r.reason,
                "thematics": [t.name for t in r.thematics],
                "consent_to_share": r.consent_to_share,
                "status": r.status,
                "outcome": r.outcome,
                "history": [{"status": h.status, "on": _value(h.changed_on)} for h in r.history],
            }
            for r in referrals
        ],
        "satisfaction": [
            {
                "session_id": r.session_id,
                "accompaniment_id": r.accompaniment_id,
                "score": r.score,
                "comment": r.comment,
                "answered_at": _value(r.answered_at),
            }
            for r in responses
        ],
        "skill_assessments": [
            {
                "accompaniment_id": a.accompaniment_id,
                "thematic": name,
                "round": a.round,
                "level": a.level,
                "assessed_at": _value(a.assessed_at),
            }
            for a, name in assessments
        ],
    }


try:  # the dossier page shows satisfaction answers in its timeline, once that page exists
    from app.accompaniments.services import TIMELINE_PROVIDERS
except ImportError:  # pragma: no cover - dossiers built in another branch
    pass
else:
    if satisfaction_timeline not in TIMELINE_PROVIDERS:
        TIMELINE_PROVIDERS.append(satisfaction_timeline)
