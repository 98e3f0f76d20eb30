"""Demo data: a year of séances for the demo pole, with realistic attendance.

Collectives meet every other week; some members drift away (their probability of coming
decays week after week, and a few leave the collective). Individual dossiers get a monthly
meeting, the pole holds a weekly permanence, and two upcoming workshops are published.
"""

import math
from datetime import date, time, timedelta

from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from app.accompaniments.services import default_title
from app.collectives.models import Collective, Membership
from app.extensions import db
from app.people.models import Person
from app.people.services import create_person
from app.poles.models import FundingProgramme, Thematic
from app.sessions.models import AccompanimentSession, Attendance
from app.sessions.services import local_to_utc

PROGRAMMES = ("Région Bretagne — pôle ESS", "FSE+", "Redon Agglomération")

FIRST_NAMES = (
    "Anne",
    "Bruno",
    "Chloé",
    "David",
    "Émilie",
    "Fañch",
    "Gwenola",
    "Hugo",
    "Inès",
    "Jakez",
    "Katell",
    "Loïc",
    "Maëlle",
    "Nicolas",
    "Océane",
    "Pierre",
    "Rozenn",
    "Sébastien",
    "Tifenn",
    "Ugo",
    "Véronique",
    "Yannick",
    "Zoé",
    "Awa",
)
LAST_NAMES = (
    "Le Goff",
    "Guého",
    "Briand",
    "Le Gall",
    "Morvan",
    "Riou",
    "Jégo",
    "Tanguy",
    "Hamon",
    "Le Roux",
    "Quéré",
    "Bouvier",
    "Diallo",
    "Martin",
    "Perrin",
    "Lemoine",
    "Cadoret",
    "Nédélec",
    "Pichon",
    "Rolland",
    "Texier",
    "Caradec",
    "Gourlay",
    "Normand",
)
COLLECTIVES = (
    "Épicerie solidaire du Pays de Redon",
    "Tiers-lieu La Gare",
    "Collectif des jardins partagés de Bains",
)
WORKSHOP_TITLES = (
    "Gouvernance partagée : qui décide quoi ?",
    "Construire son budget prévisionnel",
    "Choisir son statut juridique",
    "Mobiliser et fidéliser les bénévoles",
    "Raconter son projet : atelier communication",
    "Point d'étape du collectif",
)


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, dict):
        return list(value.values())
    return list(value)


def _programmes(ctx) -> list[FundingProgramme]:
    existing = {
        p.name: p
        for p in db.session.scalars(select(FundingProgramme).where(FundingProgramme.pole_id == ctx.pole.id))
    }
    for name in PROGRAMMES:
        if name not in existing:
            existing[name] = FundingProgramme(pole_id=ctx.pole.id, name=name, active=True)
            db.session.add(existing[name])
    db.session.flush()
    ctx.data.setdefault("funding_programmes", [existing[n] for n in PROGRAMMES])
    return [existing[n] for n in PROGRAMMES]


def _ensure_people(ctx) -> tuple[list[Person], list[Collective], list[Accompaniment]]:
    """Use what earlier seeders created; create a small cast when they did not."""
    persons = [p for p in _as_list(ctx.data.get("persons")) if isinstance(p, Person)]
    collectives = [c for c in _as_list(ctx.data.get("collectives")) if isinstance(c, Collective)]
    accompaniments = [a for a in _as_list(ctx.data.get("accompaniments")) if isinstance(a, Accompaniment)]
    rng = ctx.rng
    start = ctx.today - timedelta(days=365)
    if not persons:
        for i, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=True)):
            persons.append(
                create_person(
                    ctx.pole,
                    first_name=first,
                    last_name=last,
                    email=f"{first.lower()}.{i}@exemple.test",
                    commune=rng.choice(("Redon", "Bains-sur-Oust", "Allaire", "Saint-Nicolas-de-Redon")),
                    first_contact_on=start,
                    privacy_notice_given_on=start,
                )
            )
        ctx.data["persons"] = persons
    if not collectives:
        pool = persons[:18]
        for n, name in enumerate(COLLECTIVES):
            collective = Collective(pole_id=ctx.pole.id, name=name, kind="mixte", search_text=name.lower())
            db.session.add(collective)
            db.session.flush()
            for person in pool[n * 6 : n * 6 + 6]:
                db.session.add(
                    Membership(
                        pole_id=ctx.pole.id,
                        collective_id=collective.id,
                        person_id=person.id,
                        role="membre",
                        joined_on=start + timedelta(days=rng.randint(0, 60)),
                    )
                )
            collectives.append(collective)
        db.session.flush()
        ctx.data["collectives"] = collectives
    if not accompaniments:
        for collective in collectives:
            accompaniments.append(
                Accompaniment(
                    pole_id=ctx.pole.id,
                    collective_id=collective.id,
                    title=f"Structurer {collective.name}",
                    status="active",
                    started_on=start,
                    referent_id=rng.choice(ctx.advisors).id,
                )
            )
        for person in persons[18:]:
            accompaniments.append(
                Accompaniment(
                    pole_id=ctx.pole.id,
                    person_id=person.id,
                    title="Projet individuel",
                    status="active",
                    started_on=start + timedelta(days=rng.randint(0, 120)),
                    referent_id=rng.choice(ctx.advisors).id,
                )
            )
        db.session.add_all(accompaniments)
        db.session.flush()
        for dossier in accompaniments:
            if dossier.person_id:  # the default title, as the app gives it: never the person's name
                dossier.title = default_title(None, dossier.id)
        ctx.data["accompaniments"] = accompaniments
    return persons, collectives, accompaniments


def _new_session(ctx, day: date, at: time, **fields) -> AccompanimentSession:
    session = AccompanimentSession(
        pole_id=ctx.pole.id,
        starts_at=local_to_utc(ctx.pole, day, at),
        remote=False,
        is_public=False,
        **fields,
    )
    db.session.add(session)
    return session


def _attend(session, person_id: int, status: str, pole_id: int, publicly: bool = False) -> None:
    session.attendances.append(
        Attendance(pole_id=pole_id, person_id=person_id, status=status, registered_publicly=publicly)
    )


def seed(ctx) -> None:
    rng = ctx.rng
    programmes = _programmes(ctx)
    persons, collectives, accompaniments = _ensure_people(ctx)
    thematics = list(db.session.scalars(select(Thematic).where(Thematic.pole_id == ctx.pole.id)))
    start = ctx.today - timedelta(days=365)
    horizon = ctx.today + timedelta(days=28)
    sessions: list[AccompanimentSession] = []

    # Collectives: a séance every other week; members drift away at their own pace.
    collective_dossiers = {a.collective_id: a for a in accompaniments if a.collective_id}
    for collective in collectives:
        members = list(
            db.session.scalars(select(Membership).where(Membership.collective_id == collective.id))
        )
        # Weekly decay rate: most members stay keen, about a third drift away.
        decay = {m.id: (rng.choice((0.0, 0.0, 0.03, 0.08))) for m in members}
        for m in members:
            if decay[m.id] >= 0.08 and m.left_on is None and rng.random() < 0.5:
                m.left_on = (m.joined_on or start) + timedelta(days=rng.randint(150, 300))
        day = start + timedelta(days=rng.randint(0, 13))
        while day < horizon:
            kind = "governance" if rng.random() < 0.25 else "workshop"
            title = "Conseil collégial" if kind == "governance" else rng.choice(WORKSHOP_TITLES)
            session = _new_session(
                ctx,
                day,
                time(18, 30) if kind == "governance" else time(14, 0),
                kind=kind,
                title=title,
                duration_minutes=120,
                place=collective.name,
                collective_id=collective.id,
                funding_programme_id=rng.choice(programmes).id,
                shared_summary="Tour de table, avancement des chantiers, décisions prises ensemble.",
                next_steps="Préparer la prochaine rencontre.",
            )
            session.advisors = [rng.choice(ctx.advisors)]
            session.thematics = rng.sample(thematics, k=min(2, len(thematics)))
            dossier = collective_dossiers.get(collective.id)
            if dossier is not None and day >= dossier.started_on:
                # Workshops held before the dossier was opened do not belong to it.
                session.accompaniments = [dossier]
            future = day > ctx.today
            for m in members:
                if not m.is_current(day):
                    continue
                if future:
                    _attend(session, m.person_id, "invited", ctx.pole.id)
                    continue
                weeks = max(0, (day - (m.joined_on or start)).days / 7)
                keen = 0.92 * math.exp(-decay[m.id] * weeks)
                roll = rng.random()
                status = (
                    "present" if roll < keen else ("excused" if roll < keen + (1 - keen) / 2 else "absent")
                )
                _attend(session, m.person_id, status, ctx.pole.id)
            sessions.append(session)
            day += timedelta(days=14)

    # Individual dossiers: a monthly meeting.
    for dossier in (a for a in accompaniments if a.person_id):
        day = max(dossier.started_on, start) + timedelta(days=rng.randint(0, 20))
        while day < horizon:
            session = _new_session(
                ctx,
                day,
                time(rng.choice((9, 10, 11, 14, 15, 16)), 0),
                kind="individual",
                title=f"Rendez-vous de suivi — {dossier.title}",
                duration_minutes=rng.choice((60, 90)),
                place="Locaux du pôle, Redon",
                funding_programme_id=rng.choice(programmes).id,
            )
            session.advisors = [rng.choice(ctx.advisors)]
            session.accompaniments = [dossier]
            status = "invited" if day > ctx.today else ("present" if rng.random() < 0.9 else "excused")
            _attend(session, dossier.person_id, status, ctx.pole.id)
            sessions.append(session)
            day += timedelta(days=rng.randint(25, 38))

    # A weekly permanence with a few walk-ins.
    day = start + timedelta(days=(3 - start.weekday()) % 7)  # Thursdays
    while day <= ctx.today:
        session = _new_session(
            ctx,
            day,
            time(9, 30),
            kind="permanence",
            title="Permanence d'accueil",
            duration_minutes=180,
            place="Maison des associations, Redon",
        )
        session.advisors = [rng.choice(ctx.advisors)]
        for person in rng.sample(persons, k=rng.randint(0, 3)):
            _attend(session, person.id, "present", ctx.pole.id)
        sessions.append(session)
        day += timedelta(days=7)

    # The latest past séance with attendees is still to be filled in (the home page flags it).
    now = local_to_utc(ctx.pole, ctx.today, time(0))
    past = [s for s in sessions if s.attendances and s.starts_at < now]
    if past:
        for attendance in max(past, key=lambda s: s.starts_at).attendances:
            attendance.status = "invited"

    # Two published upcoming workshops, with a few public registrations.
    for offset, title, capacity in (
        (9, "Atelier : créer son association", 12),
        (20, "Rencontre réseau ESS du Pays de Redon", 40),
    ):
        kind = "workshop" if capacity < 20 else "network"
        session = _new_session(
            ctx,
            ctx.today + timedelta(days=offset),
            time(18, 0),
            kind=kind,
            title=title,
            duration_minutes=120,
            place="Tiers-lieu La Gare, Redon",
            funding_programme_id=programmes[0].id,
            capacity=capacity,
            public_description="Ouvert à toutes et à tous, gratuit, sur inscription.",
        )
        session.is_public = True
        session.advisors = list(ctx.advisors)
        for person in rng.sample(persons, k=3):
            _attend(session, person.id, "invited", ctx.pole.id, publicly=True)
        sessions.append(session)

    db.session.flush()
    ctx.data["sessions"] = sessions
