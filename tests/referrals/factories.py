"""Factories for orientation tests: partner structures, beneficiaries, referrals."""

from datetime import date

import factory

from app.accompaniments.models import Accompaniment
from app.collectives.models import Collective, Membership
from app.core.text import search_text
from app.people.models import Person
from app.poles.models import Pole
from app.referrals import services
from app.structures.models import Structure
from tests.factories import BaseFactory


class PartnerFactory(BaseFactory):
    """A partner structure; pass pole_id (and thematics=[…])."""

    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Partenaire {n:03d}")
    kind = "reseau"
    is_partner = True
    archived = False
    search_text = factory.LazyAttribute(lambda o: search_text(o.name))


class PersonFactory(BaseFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nomdefamille{n}")
    email = factory.Sequence(lambda n: f"personne{n}@beneficiaire.example")
    phone = "06 11 22 33 44"
    search_text = factory.LazyAttribute(lambda o: search_text(o.last_name, o.first_name))


class CollectiveFactory(BaseFactory):
    class Meta:
        model = Collective

    name = factory.Sequence(lambda n: f"Collectif {n}")
    search_text = factory.LazyAttribute(lambda o: search_text(o.name))


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    role = "referent"


class AccompanimentFactory(BaseFactory):
    class Meta:
        model = Accompaniment

    title = factory.Sequence(lambda n: f"Projet {n}")
    status = "active"
    started_on = date(2026, 1, 5)


def make_referral(pole: Pole, by, partner=None, *, path=(), referred_on=None, **kwargs):
    """A referral created through the service, then walked along `path` (statuses)."""
    partner = partner or PartnerFactory(pole_id=pole.id)
    if not any(k in kwargs for k in ("person", "collective", "accompaniment", "request")):
        kwargs["person"] = PersonFactory(pole_id=pole.id)
    referred_on = referred_on or services.pole_today(pole)
    referral = services.refer_to_partner(pole, by, partner=partner, referred_on=referred_on, **kwargs)
    for status in path:
        extra = {"decline_reason": "out_of_scope"} if status == "declined" else {}
        services.change_referral_status(referral, status, on=referred_on, by=by, notify=False, **extra)
    return referral
