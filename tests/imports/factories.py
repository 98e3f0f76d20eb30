"""Factories for the records the imports match against."""

import factory

from app.collectives.models import Collective, Membership
from app.people.models import Person
from app.structures.models import Structure
from tests.factories import BaseFactory


class PersonFactory(BaseFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    search_text = ""


class StructureFactory(BaseFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure {n}")
    kind = "association"
    search_text = ""


class CollectiveFactory(BaseFactory):
    class Meta:
        model = Collective

    name = factory.Sequence(lambda n: f"Collectif {n}")
    search_text = ""


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership
