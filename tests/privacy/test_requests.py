"""Register of RGPD requests: record, list, mark handled, late warning, audit."""

from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.privacy.models import PrivacyRequest
from tests.privacy.factories import PersonFactory, PrivacyRequestFactory

TODAY = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-03-01 09:00:00"):
        yield


def actions(db):
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_admin_records_a_request_from_the_person_page(client, login_as, admin, pole, db):
    person = PersonFactory(pole=pole, first_name="Awa", last_name="Diallo")
    login_as(admin)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f"/privacy/people/{person.id}/requests/new" in page

    form = client.get(f"/privacy/people/{person.id}/requests/new")
    assert form.status_code == 200 and 'value="2026-03-01"' in form.get_data(as_text=True)
    response = client.post(
        f"/privacy/people/{person.id}/requests/new",
        data={"kind": "erasure", "received_on": "2026-02-20", "notes": "Par courrier"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/privacy/requests")
    item = db.session.scalars(select(PrivacyRequest)).one()
    assert (item.person_id, item.kind, item.received_on, item.handled_on) == (
        person.id,
        "erasure",
        date(2026, 2, 20),
        None,
    )
    assert item.pole_id == pole.id and item.recorded_by_id == admin.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.request.create")).one()
    assert event.changes == {"person_id": person.id, "kind": "erasure", "received_on": "2026-02-20"}

    listing = client.get("/privacy/requests").get_data(as_text=True)
    assert "Awa Diallo" in listing and "Effacement" in listing and "en cours" in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "erasure", "received_on": "2026-03-02"}, "ne peut pas être dans le futur"),
        ({"kind": "erasure", "received_on": ""}, "Indiquez la date de réception"),
        ({"kind": "oubli", "received_on": "2026-02-02"}, "est pas un choix valide"),
    ],
)
def test_bad_requests_are_refused_with_a_message(client, login_as, admin, pole, db, data, message):
    person = PersonFactory(pole=pole)
    login_as(admin)
    response = client.post(f"/privacy/people/{person.id}/requests/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(PrivacyRequest)).first() is None


def test_mark_handled(client, login_as, admin, pole, db):
    item = PrivacyRequestFactory(pole=pole, person=PersonFactory(pole=pole), received_on=date(2026, 2, 10))
    login_as(admin)
    assert client.get(f"/privacy/requests/{item.id}/handle").status_code == 200
    too_early = client.post(f"/privacy/requests/{item.id}/handle", data={"handled_on": "2026-02-01"})
    assert "précède la date de réception" in too_early.get_data(as_text=True)
    response = client.post(
        f"/privacy/requests/{item.id}/handle", data={"handled_on": "2026-02-25", "notes": "Export envoyé"}
    )
    assert response.status_code == 302
    assert item.handled_on == date(2026, 2, 25) and item.handled_by_id == admin.id
    assert item.notes == "Export envoyé"
    assert "privacy.request.handle" in actions(db)
    again = client.post(f"/privacy/requests/{item.id}/handle", data={"handled_on": "2026-02-26"})
    assert again.status_code == 302 and item.handled_on == date(2026, 2, 25)


def test_requests_open_for_more_than_a_month_are_flagged(client, login_as, admin, pole):
    person = PersonFactory(pole=pole)
    PrivacyRequestFactory(
        pole=pole, person=person, received_on=date(2026, 1, 31)
    )  # answer due by 28/02: late
    PrivacyRequestFactory(pole=pole, person=person, received_on=date(2026, 2, 1))  # due by 01/03: on time
    PrivacyRequestFactory(
        pole=pole, person=person, received_on=date(2025, 12, 1), handled_on=date(2025, 12, 20)
    )
    login_as(admin)
    listing = client.get("/privacy/requests").get_data(as_text=True)
    assert listing.count("en retard") == 1 and "En cours (2)" in listing
    home = client.get("/").get_data(as_text=True)
    assert "Demandes RGPD" in home and "2 demandes en cours." in home
    assert "demande reçue il y a plus d&#39;un mois" in home or "demande reçue il y a plus d'un mois" in home
    open_only = client.get("/privacy/requests?status=open").get_data(as_text=True)
    assert "20/12/2025" not in open_only
    handled = client.get("/privacy/requests?status=handled").get_data(as_text=True)
    assert "20/12/2025" in handled


def test_home_section_and_register_are_for_admins_only(client, login_as, advisor, pole):
    PrivacyRequestFactory(pole=pole, person=PersonFactory(pole=pole), received_on=date(2025, 1, 1))
    login_as(advisor)
    assert "Demandes RGPD" not in client.get("/").get_data(as_text=True)
    assert client.get("/privacy/requests").status_code == 404


def test_requests_of_another_pole_are_out_of_reach(client, login_as, admin, pole, other_pole, db):
    stranger = PersonFactory(pole=other_pole, first_name="Loin", last_name="Dici")
    item = PrivacyRequestFactory(pole=other_pole, person=stranger)
    login_as(admin)
    assert "Dici" not in client.get("/privacy/requests").get_data(as_text=True)
    assert client.get(f"/privacy/requests/{item.id}/handle").status_code == 404
    assert (
        client.post(f"/privacy/requests/{item.id}/handle", data={"handled_on": "2026-02-01"}).status_code
        == 404
    )
    assert client.get(f"/privacy/people/{stranger.id}/requests/new").status_code == 404
    response = client.post(
        f"/privacy/people/{stranger.id}/requests/new", data={"kind": "access", "received_on": "2026-02-01"}
    )
    assert response.status_code == 404
    assert item.handled_on is None
    assert db.session.scalars(select(PrivacyRequest).where(PrivacyRequest.pole_id == pole.id)).first() is None


def test_register_query_count_does_not_grow_with_rows(client, login_as, admin, pole, count_queries):
    def add(n):
        for _i in range(n):
            person = PersonFactory(pole=pole)
            PrivacyRequestFactory(pole=pole, person=person, received_on=date(2026, 2, 1))
            PrivacyRequestFactory(
                pole=pole,
                person=person,
                received_on=date(2026, 1, 2),
                handled_on=date(2026, 1, 5),
                handled_by_id=admin.id,
            )

    add(1)
    login_as(admin)
    with count_queries() as few:
        assert client.get("/privacy/requests").status_code == 200
    add(5)
    with count_queries() as many:
        assert client.get("/privacy/requests").status_code == 200
    assert many.count == few.count
