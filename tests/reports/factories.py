"""Factories for the records the reports count (built directly on the models)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import factory

from app.accompaniments.models import Accompaniment, StageTransition
from app.collectives.models import Collective, Membership
from app.pathways.models import PathwayTemplate, Stage
from app.people.models import Person
from app.poles.models import FundingProgramme, Thematic
from app.portal.models import SatisfactionResponse, SkillAssessment
from app.referrals.models import Referral, ReferralStatusChange
from app.requests.models import Request
from app.sessions.models import AccompanimentSession, Attendance
from app.structures.models import Structure
from tests.factories import BaseFactory

PARIS = ZoneInfo("Europe/Paris")


def paris(year, month, day, hour=10, minute=0) -> datetime:
    """A wall-clock time in Paris, as the aware UTC datetime the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


class PersonFactory(BaseFactory):
    class Meta:
        model = Person
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")


class CollectiveFactory(BaseFactory):
    class Meta:
        model = Collective
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    name = factory.Sequence(lambda n: f"Collectif {n}")


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    role = "membre"


class StructureFactory(BaseFactory):
    class Meta:
        model = Structure
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    name = factory.Sequence(lambda n: f"Structure {n}")
    is_partner = True


class ProgrammeFactory(BaseFactory):
    class Meta:
        model = FundingProgramme
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    name = factory.Sequence(lambda n: f"Programme {n}")


class TemplateFactory(BaseFactory):
    class Meta:
        model = PathwayTemplate
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    name = "Parcours"


class StageFactory(BaseFactory):
    class Meta:
        model = Stage
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    name = factory.Sequence(lambda n: f"Étape {n}")
    position = factory.Sequence(lambda n: n)


class RequestFactory(BaseFactory):
    class Meta:
        model = Request
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    received_on = date(2026, 10, 1)
    channel = "permanence"
    outcome = "pending"


class AccompanimentFactory(BaseFactory):
    class Meta:
        model = Accompaniment
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    title = factory.Sequence(lambda n: f"Projet {n}")
    started_on = date(2026, 10, 1)
    status = "active"


class StageTransitionFactory(BaseFactory):
    class Meta:
        model = StageTransition
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)


class SessionFactory(BaseFactory):
    class Meta:
        model = AccompanimentSession
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    kind = "individual"
    title = factory.Sequence(lambda n: f"Séance {n}")
    starts_at = factory.LazyFunction(lambda: paris(2026, 10, 10))
    duration_minutes = 60


class AttendanceFactory(BaseFactory):
    class Meta:
        model = Attendance
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    status = "present"


class ReferralFactory(BaseFactory):
    class Meta:
        model = Referral
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    referred_on = date(2026, 10, 1)
    status = "proposed"


def add_status_changes(referral: Referral, changes) -> None:
    """Write `[(status, date), …]` to the referral's history (ids in that order)."""
    from app.extensions import db

    for status, on in changes:
        db.session.add(
            ReferralStatusChange(
                pole_id=referral.pole_id, referral_id=referral.id, status=status, changed_on=on
            )
        )
        db.session.flush()
        referral.status = status


def make_referral(pole, changes=(), thematics=(), **kwargs) -> Referral:
    """A referral with its history (default: proposed on the referral date) and thematics."""
    referral = ReferralFactory(pole=pole, **kwargs)
    referral.thematics = list(thematics)
    add_status_changes(referral, changes or [("proposed", referral.referred_on)])
    return referral


class SatisfactionFactory(BaseFactory):
    class Meta:
        model = SatisfactionResponse
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    score = 4


class SkillAssessmentFactory(BaseFactory):
    class Meta:
        model = SkillAssessment
        exclude = ("pole",)

    pole = None
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    round = "start"
    level = 1


def thematic(pole, name) -> Thematic:
    from sqlalchemy import select

    from app.extensions import db

    return db.session.scalar(select(Thematic).where(Thematic.pole_id == pole.id, Thematic.name == name))
