"""Factories for structures and partners."""

import factory

from app.structures.models import Structure
from app.structures.services import refresh_search_text
from tests.factories import BaseFactory, PoleFactory


class StructureFactory(BaseFactory):
    class Meta:
        model = Structure

    pole = factory.SubFactory(PoleFactory)
    name = factory.Sequence(lambda n: f"Structure {n}")
    kind = "association"
    commune = "Redon"
    postal_code = "35600"
    archived = False
    is_partner = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        pole = kwargs.pop("pole")
        thematics = kwargs.pop("thematics", [])
        structure = model_class(pole_id=pole.id, **kwargs)
        structure.thematics = list(thematics)
        refresh_search_text(structure)
        session = cls._meta.sqlalchemy_session_factory()
        session.add(structure)
        session.flush()
        return structure


class PartnerFactory(StructureFactory):
    is_partner = True
    kind = "reseau"
    territory = "Ille-et-Vilaine"
    partner_stages = factory.LazyFunction(lambda: ["creation"])
    contact_name = "Contact Partenaire"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.org")
