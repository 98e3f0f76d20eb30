"""Demo data: a holder account (holder@demo.passerelle.test) with a dossier, séances,
satisfaction answers and two rounds of skills self-assessment."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from app.auth.models import User
from app.auth.services import create_user
from app.extensions import db
from app.pathways.models import PathwayTemplate
from app.people.models import Person
from app.people.services import create_person
from app.poles.services import pole_thematics
from app.portal.models import SatisfactionResponse, SkillAssessment, SkillRound
from app.sessions.models import AccompanimentSession, Attendance

HOLDER_EMAIL = "holder@demo.passerelle.test"


def _dossier(ctx) -> Accompaniment:
    """An individual dossier from the dossiers seeder, else a minimal one created here."""
    taken = set(db.session.scalars(select(User.person_id).where(User.person_id.is_not(None))))
    for acc in ctx.data.get("accompaniments") or []:
        if (
            isinstance(acc, Accompaniment)
            and acc.pole_id == ctx.pole.id
            and acc.person_id is not None
            and acc.person_id not in taken
            and acc.status == "active"
        ):
            return acc
    person = create_person(
        ctx.pole,
        first_name="Maëlys",
        last_name="Le Floch",
        email="maelys.lefloch@example.org",
        commune="Redon",
        postal_code="35600",
    )
    template = db.session.scalar(
        select(PathwayTemplate)
        .where(PathwayTemplate.pole_id == ctx.pole.id, PathwayTemplate.active.is_(True))
        .order_by(PathwayTemplate.id)
    )
    stages = template.stages if template is not None else []
    acc = Accompaniment(
        pole_id=ctx.pole.id,
        person_id=person.id,
        title="Recyclerie solidaire du Pays de Redon",
        summary="Une recyclerie associative : collecte, réparation et revente d'objets du quotidien.",
        template_id=template.id if template else None,
        current_stage_id=stages[min(2, len(stages) - 1)].id if stages else None,
        referent_id=ctx.advisors[0].id if ctx.advisors else ctx.admin.id,
        objectives="Trouver un local, réunir les premiers bénévoles et bâtir un budget prévisionnel.",
        status="active",
        started_on=ctx.today - timedelta(days=120),
    )
    acc.thematics = pole_thematics(ctx.pole.id)[:3]
    db.session.add(acc)
    db.session.flush()
    return acc


def _at(ctx, days: int, hour: int) -> datetime:
    zone = ZoneInfo(ctx.pole.timezone)
    return datetime.combine(ctx.today + timedelta(days=days), time(hour, 0), zone).astimezone(UTC)


def _sessions(ctx, acc: Accompaniment) -> list[AccompanimentSession]:
    """Past séances the person attended; two are created when the séances seeder made none."""
    attended = list(
        db.session.scalars(
            select(AccompanimentSession)
            .join(Attendance, Attendance.session_id == AccompanimentSession.id)
            .where(
                Attendance.person_id == acc.person_id,
                Attendance.status == "present",
                AccompanimentSession.starts_at < _at(ctx, 0, 0),
            )
            .order_by(AccompanimentSession.starts_at.desc())
            .limit(3)
        )
    )
    if attended:
        return attended
    advisor = ctx.advisors[0] if ctx.advisors else ctx.admin
    specs = (
        (-60, "Premier rendez-vous", "Présentation du projet et de l'offre d'accompagnement.", "present"),
        (-21, "Diagnostic partagé", "Forces du projet : un réseau de bénévoles motivés.", "present"),
        (9, "Point budget prévisionnel", None, "invited"),
    )
    created = []
    for days, title, summary, status in specs:
        session = AccompanimentSession(
            pole_id=ctx.pole.id,
            kind="individual",
            title=title,
            starts_at=_at(ctx, days, 10),
            duration_minutes=90,
            place="Pôle ESS, Redon",
            shared_summary=summary,
            next_steps="Préparer la liste des locaux possibles." if summary else None,
            private_notes="Note interne de démonstration." if summary else None,
        )
        session.advisors = [advisor]
        session.accompaniments = [acc]
        db.session.add(session)
        db.session.flush()
        db.session.add(
            Attendance(pole_id=ctx.pole.id, session_id=session.id, person_id=acc.person_id, status=status)
        )
        if status == "present":
            created.append(session)
    db.session.flush()
    return created


def seed(ctx) -> None:
    acc = _dossier(ctx)
    person = db.session.get(Person, acc.person_id)
    user = create_user(HOLDER_EMAIL, "holder", ctx.pole, full_name=person.full_name, password=_password())
    user.person_id = person.id
    rng = ctx.rng
    for session in _sessions(ctx, acc)[:2]:
        db.session.add(
            SatisfactionResponse(
                pole_id=ctx.pole.id,
                person_id=person.id,
                session_id=session.id,
                score=rng.choice((4, 5)),
                comment=rng.choice(("Très clair, merci !", "J'y vois plus clair pour la suite.", None)),
            )
        )
    thematics = list(acc.thematics) or pole_thematics(ctx.pole.id)[:3]
    if not acc.thematics:
        acc.thematics = thematics
    db.session.add(
        SkillRound(
            pole_id=ctx.pole.id,
            accompaniment_id=acc.id,
            round="midway",
            opened_on=ctx.today - timedelta(days=10),
            opened_by_id=acc.referent_id,
        )
    )
    for thematic in thematics:
        start = rng.randint(1, 2)
        for round_name, level in (("start", start), ("midway", min(4, start + rng.randint(0, 2)))):
            db.session.add(
                SkillAssessment(
                    pole_id=ctx.pole.id,
                    accompaniment_id=acc.id,
                    person_id=person.id,
                    thematic_id=thematic.id,
                    round=round_name,
                    level=level,
                )
            )
    db.session.flush()
    ctx.data["holder"] = user


def _password() -> str:
    from app.demo.cli import DEMO_PASSWORD

    return DEMO_PASSWORD
