"""Factories for the portal tests: dossiers, séances, attendances, orientations, holders."""

from datetime import date, timedelta

import factory

from app.accompaniments.models import Accompaniment
from app.core.models import utcnow
from app.pathways.models import PathwayTemplate, Stage
from app.referrals.models import Referral, ReferralStatusChange
from app.sessions.models import AccompanimentSession, Attendance
from tests.collectives.factories import (  # noqa: F401  (re-exported for the portal tests)
    CollectiveFactory,
    MemberPersonFactory,
    MembershipFactory,
    StructureFactory,
)
from tests.factories import BaseFactory, UserFactory


class PersonFactory(MemberPersonFactory):
    email = factory.Sequence(lambda n: f"porteur{n}@example.org")


def make_template(pole, names=("Accueil", "Diagnostic partagé", "Émergence", "Structuration")):
    """A parcours template of `pole` with its stages in order."""
    from app.extensions import db

    template = PathwayTemplate(pole_id=pole.id, name="Parcours type", active=True)
    db.session.add(template)
    db.session.flush()
    for position, name in enumerate(names):
        db.session.add(
            Stage(pole_id=pole.id, template_id=template.id, name=name, position=position, active=True)
        )
    db.session.flush()
    db.session.refresh(template)
    return template


class AccompanimentFactory(BaseFactory):
    class Meta:
        model = Accompaniment

    pole_id = factory.LazyAttribute(
        lambda o: o.person.pole_id if o.person is not None else o.collective.pole_id
    )
    person = None
    collective = None
    title = factory.Sequence(lambda n: f"Projet n°{n}")
    status = "active"
    started_on = factory.LazyFunction(lambda: date.today() - timedelta(days=90))


class SessionFactory(BaseFactory):
    class Meta:
        model = AccompanimentSession

    kind = "individual"
    title = factory.Sequence(lambda n: f"Séance n°{n}")
    starts_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=7))
    duration_minutes = 90
    place = "Redon"


class AttendanceFactory(BaseFactory):
    class Meta:
        model = Attendance

    pole_id = factory.SelfAttribute("session.pole_id")
    status = "present"


class ReferralFactory(BaseFactory):
    class Meta:
        model = Referral

    referred_on = factory.LazyFunction(lambda: date.today() - timedelta(days=20))
    status = "sent"


class ReferralStatusChangeFactory(BaseFactory):
    class Meta:
        model = ReferralStatusChange

    pole_id = factory.SelfAttribute("referral.pole_id")


class HolderFactory(UserFactory):
    role = "holder"
    pole = None
    pole_id = factory.SelfAttribute("person.pole_id")
    person = None
    person_id = factory.SelfAttribute("person.id")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("person", None)
        kwargs.pop("pole", None)
        return super()._create(model_class, *args, **kwargs)
