"""Factories for collectives, their members, and the persons/structures they need."""

import factory

from app.collectives.models import Collective, Membership
from app.core.text import search_text
from app.people.models import Person
from app.structures.models import Structure
from tests.factories import BaseFactory, PoleFactory


class MemberPersonFactory(BaseFactory):
    class Meta:
        model = Person

    pole = factory.SubFactory(PoleFactory)
    pole_id = factory.SelfAttribute("pole.id")
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    email = None
    search_text = factory.LazyAttribute(lambda o: search_text(o.last_name, o.first_name, o.email))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("pole", None)
        return super()._create(model_class, *args, **kwargs)


class StructureFactory(BaseFactory):
    class Meta:
        model = Structure

    pole = factory.SubFactory(PoleFactory)
    pole_id = factory.SelfAttribute("pole.id")
    name = factory.Sequence(lambda n: f"Structure n°{n}")
    kind = "association"
    search_text = factory.LazyAttribute(lambda o: search_text(o.name))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("pole", None)
        return super()._create(model_class, *args, **kwargs)


class CollectiveFactory(BaseFactory):
    class Meta:
        model = Collective

    pole = factory.SubFactory(PoleFactory)
    pole_id = factory.SelfAttribute("pole.id")
    name = factory.Sequence(lambda n: f"Collectif n°{n}")
    kind = "mixte"
    archived = False
    search_text = factory.LazyAttribute(lambda o: search_text(o.name))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("pole", None)
        return super()._create(model_class, *args, **kwargs)


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    collective = factory.SubFactory(CollectiveFactory)
    pole_id = factory.SelfAttribute("collective.pole_id")
    person = factory.SubFactory(
        MemberPersonFactory, pole=None, pole_id=factory.SelfAttribute("..collective.pole_id")
    )
    structure = None
    role = "membre"
    joined_on = None
    left_on = None
