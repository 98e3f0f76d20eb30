"""Factories for dossiers, requests, persons and séances used by the parcours tests."""

import html
from datetime import UTC, date, datetime

import factory
from sqlalchemy import select

from app.accompaniments.services import create_accompaniment
from app.collectives.models import Collective
from app.extensions import db
from app.pathways.models import PathwayTemplate
from app.people.services import create_person
from app.requests.models import Request
from app.sessions.models import AccompanimentSession
from tests.factories import BaseFactory, PoleFactory

_counter = iter(range(1, 10**9))


def make_person(pole, **kw):
    n = next(_counter)
    data = {"first_name": f"Prénom{n}", "last_name": f"Nom{n}"}
    data.update(kw)
    return create_person(pole, **data)


def make_collective(pole, name=None):
    collective = Collective(pole_id=pole.id, name=name or f"Collectif {next(_counter)}", kind="mixte")
    db.session.add(collective)
    db.session.flush()
    return collective


def default_template(pole) -> PathwayTemplate:
    return db.session.scalar(
        select(PathwayTemplate).where(PathwayTemplate.pole_id == pole.id).order_by(PathwayTemplate.id)
    )


def make_accompaniment(pole, *, person=None, collective=None, referent=None, started_on=None, **kw):
    if person is None and collective is None:
        person = make_person(pole)
    data = {
        "person": person,
        "collective": collective,
        "title": kw.pop("title", f"Projet {next(_counter)}"),
        "template": kw.pop("template", None) or default_template(pole),
        "referent": referent,
        "started_on": started_on or date(2026, 1, 5),
    }
    data.update(kw)
    return create_accompaniment(pole, data, by=referent)


def make_session(pole, accompaniments, starts_at: datetime, title="Rendez-vous"):
    session = AccompanimentSession(
        pole_id=pole.id, kind="individual", title=title, starts_at=starts_at, duration_minutes=60
    )
    session.accompaniments = list(accompaniments)
    db.session.add(session)
    db.session.flush()
    return session


class RequestFactory(BaseFactory):
    class Meta:
        model = Request

    pole = factory.SubFactory(PoleFactory)
    pole_id = factory.LazyAttribute(lambda o: o.pole.id)
    received_on = date(2026, 1, 5)
    channel = "phone"
    contact_text = factory.Sequence(lambda n: f"Marie Dupont{n}")
    need = "Créer une épicerie solidaire"
    outcome = "pending"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("pole", None)
        return super()._create(model_class, *args, **kwargs)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def body(response) -> str:
    """The response's HTML with entities decoded (d&#39;accompagnement -> d'accompagnement)."""
    return html.unescape(response.get_data(as_text=True))
