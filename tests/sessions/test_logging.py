from datetime import UTC, date, datetime

from sqlalchemy import select

from app.core.audit import AuditEvent
from app.sessions.models import AccompanimentSession, Attendance
from tests.sessions.factories import AccompanimentFactory, PersonFactory


def _form(**extra):
    data = {
        "kind": "workshop",
        "title": "Atelier gouvernance",
        "day": "2026-03-10",
        "start_time": "14:00",
        "duration_minutes": "120",
        "place": "Redon",
        "funding_programme_id": "None",
    }
    data.update(extra)
    return data


def _rows(persons, status="present"):
    data = {"attendee": [str(p.id) for p in persons]}
    for p in persons:
        data[f"status-{p.id}"] = status
    return data


def test_new_page_has_french_kind_labels(client, advisor, login_as):
    login_as(advisor)
    body = client.get("/sessions/new").get_data(as_text=True)
    for label in (
        "Rendez-vous individuel",
        "Atelier collectif",
        "Formation",
        "Instance de gouvernance",
        "Permanence",
        "Événement réseau",
        "Préremplir les participants",
    ):
        assert label in body


def test_prefill_from_collective_dossier_lists_current_members(client, advisor, login_as, collective_dossier):
    collective, dossier, members, gone = collective_dossier
    login_as(advisor)
    response = client.post("/sessions/new", data=_form(accompaniments=[dossier.id], action="prefill"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for person in members:
        assert person.full_name in body
        assert f'name="attendee" value="{person.id}"' in body
    assert gone.full_name not in body  # left before the séance
    assert db_count() == 0  # nothing saved by the pre-fill step


def db_count():
    from app.extensions import db

    return len(db.session.scalars(select(AccompanimentSession)).all())


def test_prefill_person_dossier_and_save(client, advisor, login_as, pole, collective_dossier, db):
    collective, dossier, members, _gone = collective_dossier
    holder = PersonFactory(pole=pole, first_name="Ines", last_name="Seule")
    individual = AccompanimentFactory(pole=pole, person_id=holder.id)
    login_as(advisor)
    body = client.post(
        "/sessions/new", data=_form(accompaniments=[individual.id], action="prefill")
    ).get_data(as_text=True)
    assert "Ines Seule" in body

    data = _form(accompaniments=[dossier.id], advisors=[advisor.id], action="save")
    data.update(_rows(members))
    data[f"status-{members[1].id}"] = "absent"
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 302
    session = db.session.scalars(select(AccompanimentSession)).one()
    assert session.collective_id == collective.id
    assert session.starts_at == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # 14:00 Paris (UTC+1)
    assert [a.id for a in session.advisors] == [advisor.id]
    statuses = {a.person_id: a.status for a in session.attendances}
    assert statuses == {members[0].id: "present", members[1].id: "absent", members[2].id: "present"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.create")).one()
    assert (event.actor_id, event.pole_id) == (advisor.id, pole.id)
    assert (event.target_type, event.target_id) == ("AccompanimentSession", session.id)


def test_missing_title_shows_french_error_and_keeps_rows(client, advisor, login_as, collective_dossier):
    _c, dossier, members, _g = collective_dossier
    login_as(advisor)
    data = _form(title="", action="save")
    data.update(_rows(members))
    response = client.post("/sessions/new", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in body
    assert all(p.full_name in body for p in members)


def test_future_seance_refuses_present(client, advisor, login_as, collective_dossier):
    _c, _d, members, _g = collective_dossier
    login_as(advisor)
    data = _form(day="2099-01-05", action="save")
    data.update(_rows(members, "present"))
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 200
    assert "ne peuvent être qu&#39;invité·es ou excusé·es" in response.get_data(as_text=True)
    data.update(_rows(members, "invited"))
    assert client.post("/sessions/new", data=data).status_code == 302


def test_search_and_add_person_within_form(client, advisor, login_as, pole):
    extra = PersonFactory(pole=pole, first_name="Élodie", last_name="Le Goff")
    login_as(advisor)
    body = client.post("/sessions/new", data=_form(action="search", person_q="elodie")).get_data(as_text=True)
    assert f'name="add_person" value="{extra.id}"' in body
    body = client.post("/sessions/new", data=_form(add_person=str(extra.id))).get_data(as_text=True)
    assert f'name="attendee" value="{extra.id}"' in body


def test_edit_updates_fields_and_attendance(client, advisor, login_as, collective_dossier, db):
    _c, dossier, members, _g = collective_dossier
    login_as(advisor)
    data = _form(accompaniments=[dossier.id], action="save")
    data.update(_rows(members))
    client.post("/sessions/new", data=data)
    session = db.session.scalars(select(AccompanimentSession)).one()
    page = client.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="Atelier gouvernance"' in page and 'value="14:00"' in page
    data = _form(title="Atelier renommé", accompaniments=[dossier.id], action="save")
    data.update(_rows(members[:2]))
    data[f"status-{members[0].id}"] = "excused"
    assert client.post(f"/sessions/{session.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert session.title == "Atelier renommé"
    assert {a.person_id: a.status for a in session.attendances} == {
        members[0].id: "excused",
        members[1].id: "present",
    }


def test_logging_query_count_does_not_grow_with_attendees(client, advisor, login_as, pole, count_queries, db):
    persons = PersonFactory.create_batch(15, pole=pole)
    login_as(advisor)
    counts = []
    for group in (persons[:3], persons[3:15]):
        data = _form(advisors=[advisor.id], action="save")
        data.update(_rows(group))
        with count_queries() as counter:
            response = client.post("/sessions/new", data=data)
        assert response.status_code == 302
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 25
    assert len(db.session.scalars(select(Attendance)).all()) == 15


def test_detail_page_shows_attendance(client, advisor, login_as, collective_dossier, db):
    _c, dossier, members, _g = collective_dossier
    login_as(advisor)
    data = _form(accompaniments=[dossier.id], action="save", private_notes="Note interne")
    data.update(_rows(members))
    response = client.post("/sessions/new", data=data, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Séance enregistrée." in body
    assert "3 présent·e(s)" in body
    assert "Note interne" in body
    assert date(2026, 3, 10).strftime("%d/%m/%Y") in body


def test_times_are_entered_in_the_poles_time_zone(client, db):
    from tests.factories import PoleFactory, UserFactory

    reunion = PoleFactory(timezone="Indian/Reunion")
    user = UserFactory(pole=reunion, role="advisor")
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    response = client.post("/sessions/new", data=_form(day="2026-07-01", start_time="10:00", action="save"))
    assert response.status_code == 302
    session = db.session.scalars(select(AccompanimentSession)).one()
    assert session.starts_at == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # UTC+4
    assert "01/07/2026 10:00" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_new_seance_link_from_a_dossier_preselects_and_prefills(
    client, advisor, login_as, collective_dossier
):
    _c, dossier, members, _g = collective_dossier
    login_as(advisor)
    body = client.get(f"/sessions/new?accompaniment={dossier.id}&kind=workshop").get_data(as_text=True)
    assert f'<option selected value="{dossier.id}">' in body or f'value="{dossier.id}" selected' in body
    assert all(f'name="attendee" value="{p.id}"' in body for p in members)
