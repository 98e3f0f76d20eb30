"""Factories for persons."""

import factory

from app.people.models import Person
from app.people.services import refresh_search_text
from tests.factories import BaseFactory, PoleFactory


class PersonFactory(BaseFactory):
    class Meta:
        model = Person

    pole = factory.SubFactory(PoleFactory)
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    commune = "Redon"
    postal_code = "35600"
    archived = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        pole = kwargs.pop("pole")
        person = model_class(pole_id=pole.id, **kwargs)
        refresh_search_text(person)
        session = cls._meta.sqlalchemy_session_factory()
        session.add(person)
        session.flush()
        return person
