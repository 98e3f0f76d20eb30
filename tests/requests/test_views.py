from datetime import date

from freezegun import freeze_time
from sqlalchemy import func, select

from app.accompaniments.models import Accompaniment, AccompanimentStatusChange, StageTransition
from app.core.audit import AuditEvent
from app.people.models import Person
from app.poles.models import Thematic
from app.requests.models import Request
from app.structures.models import Structure
from tests.accompaniments.factories import (
    RequestFactory,
    body,
    default_template,
    make_collective,
    make_person,
)


def _thematics(db, pole):
    return db.session.scalars(
        select(Thematic).where(Thematic.pole_id == pole.id).order_by(Thematic.position)
    ).all()


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@freeze_time("2026-03-10 09:00:00")
def test_intake_form_defaults_to_today_and_phone(client, advisor, login_as):
    login_as(advisor)
    page = body(client.get("/requests/new"))
    assert 'value="2026-03-10"' in page
    assert '<option selected value="phone">Téléphone</option>' in page
    for label in ("Permanence", "E-mail", "Prescripteur", "Événement", "Autre"):
        assert f">{label}</option>" in page


@freeze_time("2026-03-10 09:00:00")
def test_record_a_phone_request_in_free_text(client, advisor, login_as, pole, db):
    login_as(advisor)
    structure = Structure(pole_id=pole.id, name="Mairie de Redon")
    db.session.add(structure)
    db.session.flush()
    themes = _thematics(db, pole)
    response = client.post(
        "/requests/new",
        data={
            "received_on": "2026-03-10",
            "channel": "phone",
            "contact_text": "Léa Martin 06 12 34 56 78",
            "prescriber_id": str(structure.id),
            "need": "Monter une recyclerie associative",
            "thematics": [str(themes[0].id), str(themes[2].id)],
        },
    )
    assert response.status_code == 302
    req = db.session.scalar(select(Request).where(Request.pole_id == pole.id))
    assert req.outcome == "pending" and req.channel == "phone" and req.received_by_id == advisor.id
    assert req.prescriber_id == structure.id and req.contact_text == "Léa Martin 06 12 34 56 78"
    assert [t.id for t in req.thematics] == [themes[0].id, themes[2].id]
    assert response.headers["Location"].endswith(f"/requests/{req.id}")
    detail = body(client.get(f"/requests/{req.id}"))
    assert "Monter une recyclerie" in detail and "Mairie de Redon" in detail
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.create")).one()
    assert (event.actor_id, event.pole_id) == (advisor.id, pole.id)
    assert (event.target_type, event.target_id) == ("Request", req.id)


def test_intake_validation_messages(client, advisor, login_as, pole, db):
    login_as(advisor)
    person = make_person(pole)
    collective = make_collective(pole)
    empty = client.post("/requests/new", data={"received_on": "2026-01-10", "channel": "phone"})
    assert "Indiquez qui vous sollicite" in body(empty)
    both = client.post(
        "/requests/new",
        data={
            "received_on": "2026-01-10",
            "channel": "email",
            "person_id": str(person.id),
            "collective_id": str(collective.id),
        },
    )
    assert "pas les deux" in body(both)
    future = client.post(
        "/requests/new", data={"received_on": "2999-01-10", "channel": "email", "contact_text": "X"}
    )
    assert "futur" in body(future)
    assert _count(db, Request) == 0


def test_intake_for_a_known_person_found_by_search(client, advisor, login_as, pole, db):
    login_as(advisor)
    person = make_person(pole, first_name="Élodie", last_name="Le Goff", email="elodie@exemple.fr")
    page = body(client.get("/requests/new?q=elodie"))
    assert f'value="{person.id}"' in page
    response = client.post(
        "/requests/new",
        data={"received_on": "2026-01-10", "channel": "permanence", "person_id": str(person.id)},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Request)).person_id == person.id


def test_list_filters_and_pagination(client, advisor, login_as, pole, db):
    login_as(advisor)
    RequestFactory(pole=pole, received_on=date(2026, 1, 5), channel="phone", contact_text="Janvier Tel")
    RequestFactory(pole=pole, received_on=date(2026, 2, 5), channel="email", contact_text="Fevrier Mail")
    RequestFactory(
        pole=pole,
        received_on=date(2026, 2, 6),
        channel="phone",
        contact_text="Fevrier Sans",
        outcome="no_follow_up",
    )

    def names(query):
        return body(client.get(f"/requests/?{query}"))

    page = names("month=2026-02")
    assert "Fevrier Mail" in page and "Fevrier Sans" in page and "Janvier Tel" not in page
    page = names("channel=phone")
    assert "Janvier Tel" in page and "Fevrier Mail" not in page
    page = names("pending=1")
    assert "Fevrier Sans" not in page and "Janvier Tel" in page
    page = names("outcome=no_follow_up")
    assert "Fevrier Sans" in page and "Janvier Tel" not in page
    assert "Mois invalide" in names("month=2026-13")
    for i in range(35):
        RequestFactory(pole=pole, contact_text=f"Personne {i}")
    first = names("")
    assert "Page 1 sur 2" in first
    assert "Page 2 sur 2" in names("page=2")


def test_set_outcome(client, advisor, login_as, pole, db):
    login_as(advisor)
    req = RequestFactory(pole=pole)
    assert client.post(f"/requests/{req.id}/outcome", data={"outcome": "oriented"}).status_code == 302
    db.session.expire_all()
    assert req.outcome == "oriented" and req.outcome_on is not None
    client.post(f"/requests/{req.id}/outcome", data={"outcome": "pending"})
    db.session.expire_all()
    assert req.outcome == "pending" and req.outcome_on is None
    client.post(f"/requests/{req.id}/outcome", data={"outcome": "accompaniment"})
    db.session.expire_all()
    assert req.outcome == "pending"


def test_edit_request(client, advisor, login_as, pole, db):
    login_as(advisor)
    req = RequestFactory(pole=pole, contact_text="Paul")
    page = body(client.get(f"/requests/{req.id}/edit"))
    assert 'value="Paul"' in page
    r = client.post(
        f"/requests/{req.id}/edit",
        data={
            "received_on": "2026-01-06",
            "channel": "event",
            "contact_text": "Paul Durand",
            "need": "Local",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert (
        req.contact_text == "Paul Durand" and req.channel == "event" and req.received_on == date(2026, 1, 6)
    )


@freeze_time("2026-03-10 09:00:00")
def test_open_a_dossier_from_a_free_text_request_in_one_step(client, advisor, login_as, pole, db):
    login_as(advisor)
    themes = _thematics(db, pole)
    req = RequestFactory(
        pole=pole,
        contact_text="Léa Martin lea@exemple.fr",
        need="Une recyclerie",
        received_on=date(2026, 3, 2),
    )
    req.thematics = [themes[1]]
    db.session.flush()
    page = body(client.get(f"/requests/{req.id}/open"))
    assert 'value="Léa"' in page and 'value="Martin"' in page and 'value="lea@exemple.fr"' in page
    assert "Une recyclerie" in page
    response = client.post(
        f"/requests/{req.id}/open",
        data={
            "first_name": "Léa",
            "last_name": "Martin",
            "email": "lea@exemple.fr",
            "title": "Recyclerie de Redon",
            "summary": "",
            "template_id": str(default_template(pole).id),
            "referent_id": str(advisor.id),
            "started_on": "2026-03-10",
            "modality": "accompagnateur_referent",
            "intended_legal_form": "scic",
            "thematics": [str(themes[1].id)],
        },
    )
    assert response.status_code == 302, body(response)
    db.session.expire_all()
    person = db.session.scalar(select(Person).where(Person.email == "lea@exemple.fr"))
    assert (
        person.first_name == "Léa"
        and person.last_name == "Martin"
        and person.first_contact_on == date(2026, 3, 2)
    )
    acc = db.session.scalar(select(Accompaniment).where(Accompaniment.request_id == req.id))
    assert acc.person_id == person.id and acc.title == "Recyclerie de Redon"
    assert acc.summary == "Une recyclerie"  # the need, carried over
    assert [t.id for t in acc.thematics] == [themes[1].id]
    assert acc.current_stage.name == "Accueil" and acc.referent_id == advisor.id
    assert acc.modality == "accompagnateur_referent" and acc.intended_legal_form == "scic"
    req = db.session.get(Request, req.id)
    assert (
        req.outcome == "accompaniment" and req.outcome_on == date(2026, 3, 10) and req.person_id == person.id
    )
    assert _count(db, StageTransition) == 1 and _count(db, AccompanimentStatusChange) == 1
    assert response.headers["Location"].endswith(f"/accompaniments/{acc.id}")
    again = client.get(f"/requests/{req.id}/open")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/accompaniments/{acc.id}")


def test_open_a_dossier_keeps_nothing_when_it_fails(client, advisor, login_as, pole, db):
    login_as(advisor)
    make_person(pole, email="deja@exemple.fr")
    req = RequestFactory(pole=pole, contact_text="Deja Vu")
    db.session.commit()  # what the view rolls back must be its own work only
    response = client.post(
        f"/requests/{req.id}/open",
        data={
            "first_name": "Deja",
            "last_name": "Vu",
            "email": "deja@exemple.fr",
            "title": "Projet",
            "template_id": str(default_template(pole).id),
            "started_on": "2026-01-10",
        },
    )
    assert response.status_code == 200
    assert "existe déjà" in body(response)
    assert _count(db, Accompaniment) == 0 and _count(db, Person) == 1
    db.session.expire_all()
    assert db.session.get(Request, req.id).outcome == "pending"


def test_open_a_dossier_for_a_known_collective(client, advisor, login_as, pole, db):
    login_as(advisor)
    collective = make_collective(pole, "Les Jardins partagés")
    req = RequestFactory(pole=pole, contact_text=None, need="Gouvernance")
    req.collective_id = collective.id
    db.session.flush()
    page = body(client.get(f"/requests/{req.id}/open"))
    assert "Personne à créer" not in page and "Les Jardins partagés" in page
    r = client.post(
        f"/requests/{req.id}/open",
        data={"title": "Jardins", "started_on": "2026-01-10", "template_id": str(default_template(pole).id)},
    )
    assert r.status_code == 302
    acc = db.session.scalar(select(Accompaniment))
    assert acc.collective_id == collective.id and acc.person_id is None and acc.summary == "Gouvernance"
    assert _count(db, Person) == 0
