"""The fixture world of the route sweep: two poles with one record of every kind each.

`build_world()` returns plain values (ids, slugs, tokens, e-mails), never ORM objects: the
sweep also drives a second app (CSRF on) whose requests close the session, which would
detach objects kept here.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from app.auth import tokens
from app.auth.models import User
from app.collectives.models import Collective, Membership
from app.core.links import issue_link
from app.core.models import utcnow
from app.core.text import search_text
from app.extensions import db
from app.pathways.models import PathwayTemplate, Stage
from app.people.models import Person
from app.poles.models import FundingProgramme, Thematic
from app.privacy.models import PrivacyRequest
from app.referrals.models import Referral
from app.requests.models import Request
from app.sessions.models import AccompanimentSession, Attendance, CalendarFeed, PendingRegistration
from app.sessions.services import CONFIRM_PURPOSE
from app.structures.models import Structure
from tests.factories import PoleFactory, UserFactory

ROLES = ("anonymous", "admin", "advisor", "holder", "partner", "regional")


@dataclass
class World:
    a: dict = field(default_factory=dict)  # URL values naming pole A's records (+ literals)
    # Pole A's values, but the dossier, séance and orientation of another person (Dan, sent to
    # another partner): the holder and the partner user of pole A must not reach them.
    other: dict = field(default_factory=dict)
    # Pole A's values, but a membership of another collective and a stage of another parcours:
    # a child record named under the wrong parent must answer 404.
    mismatched: dict = field(default_factory=dict)
    b: dict = field(default_factory=dict)  # the same names for pole B's records
    emails: dict = field(default_factory=dict)  # role -> e-mail of the pole-A user (or regional)


def _pole_records(pole, slug_suffix: str) -> tuple[dict, dict]:
    """One record of each kind in `pole`; returns (URL values, objects needed to link users)."""
    today = date.today()
    staff = UserFactory(pole=pole, role="advisor", email=f"collegue-{slug_suffix}@example.org")
    person = Person(
        pole_id=pole.id, first_name="Anne", last_name=f"Guillou{slug_suffix}", email=None, commune="Redon"
    )
    person.search_text = search_text(person.last_name, person.first_name)
    partner = Structure(
        pole_id=pole.id,
        name=f"Partenaire {slug_suffix}",
        kind="association",
        is_partner=True,
        search_text=search_text(f"Partenaire {slug_suffix}"),
    )
    collective = Collective(
        pole_id=pole.id,
        name=f"Tiers-lieu {slug_suffix}",
        kind="mixte",
        search_text=search_text(f"Tiers-lieu {slug_suffix}"),
    )
    db.session.add_all([person, partner, collective])
    db.session.flush()
    membership = Membership(
        pole_id=pole.id,
        collective_id=collective.id,
        person_id=person.id,
        role="membre",
        joined_on=today - timedelta(days=100),
    )
    template = PathwayTemplate(pole_id=pole.id, name=f"Parcours {slug_suffix}", active=True)
    programme = FundingProgramme(pole_id=pole.id, name=f"FSE+ {slug_suffix}", active=True)
    thematic = Thematic(pole_id=pole.id, name=f"Thématique {slug_suffix}", position=99, active=True)
    request = Request(
        pole_id=pole.id,
        received_on=today - timedelta(days=30),
        channel="phone",
        person_id=person.id,
        need="Créer un café associatif",
        outcome="pending",
        received_by_id=staff.id,
    )
    db.session.add_all([membership, template, programme, thematic, request])
    db.session.flush()
    stage = Stage(pole_id=pole.id, template_id=template.id, name="Accueil", position=0, active=True)
    db.session.add_all(
        [stage, Stage(pole_id=pole.id, template_id=template.id, name="Émergence", position=1, active=True)]
    )
    db.session.flush()
    dossier = Accompaniment(
        pole_id=pole.id,
        person_id=person.id,
        title="Café associatif",
        template_id=template.id,
        current_stage_id=stage.id,
        referent_id=staff.id,
        status="active",
        started_on=today - timedelta(days=90),
        funding_programme_id=programme.id,
    )
    db.session.add(dossier)
    db.session.flush()
    # An upcoming published workshop: the public pages, the agenda and the portal all show it.
    seance = AccompanimentSession(
        pole_id=pole.id,
        kind="workshop",
        title="Atelier gouvernance",
        starts_at=utcnow() + timedelta(days=7),
        duration_minutes=90,
        place="Redon",
        collective_id=collective.id,
        is_public=True,
        capacity=20,
        public_description="Un atelier ouvert.",
        funding_programme_id=programme.id,
    )
    seance.accompaniments = [dossier]
    seance.advisors = [staff]
    db.session.add(seance)
    db.session.flush()
    db.session.add(Attendance(pole_id=pole.id, session_id=seance.id, person_id=person.id, status="invited"))
    privacy_request = PrivacyRequest(
        pole_id=pole.id,
        person_id=person.id,
        kind="access",
        received_on=today - timedelta(days=3),
        recorded_by_id=staff.id,
    )
    db.session.add(privacy_request)
    referral = Referral(
        pole_id=pole.id,
        person_id=person.id,
        accompaniment_id=dossier.id,
        partner_id=partner.id,
        referred_on=today - timedelta(days=20),
        referred_by_id=staff.id,
        consent_to_share=True,
        status="sent",
        sent_on=today - timedelta(days=20),
        reason="Financement",
    )
    db.session.add(referral)
    db.session.flush()
    values = {
        "pole_slug": pole.slug,
        "person_id": person.id,
        "structure_id": partner.id,
        "collective_id": collective.id,
        "membership_id": membership.id,
        "request_id": request.id,
        "accompaniment_id": dossier.id,
        "template_id": template.id,
        "stage_id": stage.id,
        "session_id": seance.id,
        "referral_id": referral.id,
        "programme_id": programme.id,
        "thematic_id": thematic.id,
        "user_id": staff.id,
        "privacy_request_id": privacy_request.id,
    }
    return values, {"person": person, "partner": partner, "staff": staff}


def _other_person_records(pole, staff) -> dict:
    today = date.today()
    dan = Person(pole_id=pole.id, first_name="Dan", last_name="Danet", search_text=search_text("Danet Dan"))
    partner = Structure(
        pole_id=pole.id,
        name="Autre partenaire",
        kind="association",
        is_partner=True,
        search_text=search_text("Autre partenaire"),
    )
    db.session.add_all([dan, partner])
    db.session.flush()
    template_id = db.session.scalar(
        select(PathwayTemplate.id).where(PathwayTemplate.pole_id == pole.id).order_by(PathwayTemplate.id)
    )
    dossier = Accompaniment(
        pole_id=pole.id,
        person_id=dan.id,
        title="Recyclerie",
        template_id=template_id,
        referent_id=staff.id,
        status="active",
        started_on=today - timedelta(days=60),
    )
    db.session.add(dossier)
    db.session.flush()
    seance = AccompanimentSession(
        pole_id=pole.id,
        kind="individual",
        title="Rendez-vous",
        starts_at=utcnow() - timedelta(days=3),
        duration_minutes=60,
    )
    seance.accompaniments = [dossier]
    db.session.add(seance)
    db.session.flush()
    db.session.add(Attendance(pole_id=pole.id, session_id=seance.id, person_id=dan.id, status="present"))
    referral = Referral(
        pole_id=pole.id,
        person_id=dan.id,
        partner_id=partner.id,
        referred_on=today - timedelta(days=10),
        referred_by_id=staff.id,
        consent_to_share=True,
        status="sent",
        sent_on=today - timedelta(days=10),
    )
    db.session.add(referral)
    db.session.flush()
    collective = Collective(
        pole_id=pole.id, name="Recyclerie collective", kind="mixte", search_text="recyclerie"
    )
    other_template = PathwayTemplate(pole_id=pole.id, name="Autre parcours", active=True)
    db.session.add_all([collective, other_template])
    db.session.flush()
    membership = Membership(pole_id=pole.id, collective_id=collective.id, person_id=dan.id, role="membre")
    stage = Stage(pole_id=pole.id, template_id=other_template.id, name="Accueil", position=0, active=True)
    db.session.add_all([membership, stage])
    db.session.flush()
    return {
        "accompaniment_id": dossier.id,
        "session_id": seance.id,
        "referral_id": referral.id,
        "membership_id": membership.id,
        "stage_id": stage.id,
    }


def _mail_records(world: World, pole_a, pole_b, person_a) -> None:
    """A failed e-mail in each pole (the outbox page) and a reminder opt-out link (pole A)."""
    from datetime import timedelta as _td

    from app.core.links import issue_link
    from app.mail.models import OutboxMessage

    for pole, values in ((pole_a, world.a), (pole_b, world.b)):
        message = OutboxMessage(
            pole_id=pole.id, kind="test", recipient="x@example.org", subject="Essai", body_text="Essai",
            status="failed", attempts=10, next_attempt_at=utcnow(), created_at=utcnow(), last_error="refusé",
        )
        db.session.add(message)
        db.session.flush()
        values["message_id"] = message.id
    token = issue_link(
        pole_id=pole_a.id, purpose="session_reminders_optout", target=person_a,
        recipient="anne@example.org", valid_for=_td(days=30),
    )
    world.a["optout_token"] = world.b["optout_token"] = token


def build_world() -> World:
    world = World()
    pole_a = PoleFactory()
    pole_b = PoleFactory()
    world.a, objects_a = _pole_records(pole_a, "a")
    other_records = _other_person_records(pole_a, objects_a["staff"])
    world.b, _objects_b = _pole_records(pole_b, "b")
    users = {
        "admin": UserFactory(pole=pole_a, role="admin"),
        "advisor": UserFactory(pole=pole_a, role="advisor"),
        "holder": UserFactory(pole=pole_a, role="holder", person_id=objects_a["person"].id),
        "partner": UserFactory(pole=pole_a, role="partner", structure_id=objects_a["partner"].id),
        "regional": UserFactory(pole=None, pole_id=None, role="regional"),
    }
    world.emails = {role: user.email for role, user in users.items()}
    # Tokens: the pole-A colleague's iCal feed, an invitation still pending, a password reset.
    feed = CalendarFeed(user_id=objects_a["staff"].id, token=secrets.token_urlsafe(32))
    pending = PendingRegistration(
        pole_id=pole_a.id,
        session_id=world.a["session_id"],
        first_name="Lou",
        last_name="Martin",
        email="lou@example.org",
        consent=True,
        created_at=utcnow(),
    )
    db.session.add(pending)
    db.session.flush()
    registration_token = issue_link(
        pole_id=pole_a.id,
        purpose=CONFIRM_PURPOSE,
        target=pending,
        recipient=pending.email,
        valid_for=timedelta(hours=48),
        single_use=True,
    )
    invited = UserFactory(pole=pole_a, role="advisor", password_hash=None, invited_at=utcnow())
    db.session.add(feed)
    db.session.flush()
    literals = {
        "fmt": "csv",
        "action": "suspend",
        "round_name": "midway",
        "code": "en",
        "ical_token": feed.token,
        "invitation_token": tokens.make_token(invited, tokens.INVITATION),
        "reset_token": tokens.make_token(objects_a["staff"], tokens.PASSWORD_RESET),
        "registration_token": registration_token,
    }
    # The partner referent's answer link for pole A's orientation (app.core.links).
    referral_a = db.session.get(Referral, world.a["referral_id"])
    literals["answer_token"] = issue_link(
        pole_id=pole_a.id,
        purpose="referral_answer",
        target=referral_a,
        recipient="referent@partenaire.example",
        valid_for=timedelta(days=30),
    )
    world.a.update(literals)
    world.b.update(literals)
    _mail_records(world, pole_a, pole_b, objects_a["person"])
    # Public pages name the pole in their URL: pole B's records are looked for under pole A's slug.
    world.b["pole_slug"] = world.a["pole_slug"]
    world.other = {
        **world.a,
        **{k: other_records[k] for k in ("accompaniment_id", "session_id", "referral_id")},
    }
    world.mismatched = {**world.a, **{k: other_records[k] for k in ("membership_id", "stage_id")}}
    assert db.session.scalar(select(User.id).where(User.email == world.emails["regional"])) is not None
    return world
