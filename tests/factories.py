"""factory_boy factories, writing through `db.session` (the test's transaction)."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.auth.models import User
from app.auth.passwords import hash_password
from app.extensions import db
from app.poles.models import Pole
from app.poles.services import create_pole

DEFAULT_PASSWORD = "correct horse battery staple"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class PoleFactory(BaseFactory):
    """A pole created through the service, so it has its default thematics and template."""

    class Meta:
        model = Pole

    slug = factory.Sequence(lambda n: f"pole-{n}")
    name = factory.Sequence(lambda n: f"Pôle ESS n°{n}")
    timezone = "Europe/Paris"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return create_pole(kwargs["slug"], kwargs["name"], kwargs.get("timezone", "Europe/Paris"))


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Utilisatrice {n}")
    role = "advisor"
    pole = factory.SubFactory(PoleFactory)
    active = True
    session_version = 1
    failed_login_count = 0
    password_hash = factory.LazyFunction(lambda: hash_password(DEFAULT_PASSWORD))
