"""Factories for the séances tests (persons, collectives, dossiers, séances, attendance).

Each takes `pole` (a Pole object, not stored) and sets `pole_id` from it.
"""

from datetime import UTC, date, datetime

import factory

from app.accompaniments.models import Accompaniment
from app.collectives.models import Collective, Membership
from app.core.text import search_text
from app.people.models import Person
from app.poles.models import FundingProgramme
from app.sessions.models import AccompanimentSession, Attendance
from tests.factories import BaseFactory, PoleFactory


class PoleOwned(BaseFactory):
    class Meta:
        abstract = True
        exclude = ("pole",)

    pole = factory.SubFactory(PoleFactory)
    pole_id = factory.SelfAttribute("pole.id")


class PersonFactory(PoleOwned):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n:03d}")
    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    search_text = factory.LazyAttribute(lambda o: search_text(o.last_name, o.first_name, o.email))


class CollectiveFactory(PoleOwned):
    class Meta:
        model = Collective

    name = factory.Sequence(lambda n: f"Collectif {n}")


class MembershipFactory(BaseFactory):
    """Pass `collective` and `person`."""

    class Meta:
        model = Membership

    pole_id = factory.SelfAttribute("collective.pole_id")
    role = "membre"
    joined_on = date(2025, 1, 1)
    left_on = None


class AccompanimentFactory(PoleOwned):
    class Meta:
        model = Accompaniment

    title = factory.Sequence(lambda n: f"Projet {n}")
    status = "active"
    started_on = date(2025, 1, 1)


class FundingProgrammeFactory(PoleOwned):
    class Meta:
        model = FundingProgramme

    name = factory.Sequence(lambda n: f"Programme {n}")
    active = True


class SessionFactory(PoleOwned):
    class Meta:
        model = AccompanimentSession

    kind = "workshop"
    title = factory.Sequence(lambda n: f"Séance {n}")
    starts_at = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    duration_minutes = 120
    remote = False
    is_public = False


class AttendanceFactory(BaseFactory):
    """Pass `session` and `person`."""

    class Meta:
        model = Attendance

    pole_id = factory.SelfAttribute("session.pole_id")
    status = "present"
    registered_publicly = False
