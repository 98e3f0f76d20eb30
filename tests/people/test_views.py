from datetime import date

from sqlalchemy import select

from app.core.audit import AuditEvent
from app.people.models import Person
from tests.people.factories import PersonFactory


def _events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _person_data(**overrides):
    data = {
        "first_name": "Élodie",
        "last_name": "Le Goff",
        "email": "Elodie.LeGoff@Example.org",
        "phone": "06 12 34 56 78",
        "commune": "Redon",
        "postal_code": "35600",
        "gender": "femme",
        "birth_year": "1988",
        "situation": "Demandeuse d'emploi",
        "first_contact_on": "2026-03-14",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_create_person_with_privacy_notice(client, db, pole, advisor, login_as):
    login_as(advisor)
    assert client.get("/people/new").status_code == 200
    response = client.post("/people/new", data=_person_data(privacy_notice="y"))
    assert response.status_code == 302
    person = db.session.scalars(select(Person).where(Person.pole_id == pole.id)).one()
    assert response.headers["Location"].endswith(f"/people/{person.id}")
    assert person.email == "elodie.legoff@example.org"
    assert person.privacy_notice_given_on == date.today()
    assert person.birth_year == 1988 and person.first_contact_on == date(2026, 3, 14)
    assert person.search_text.startswith("le goff elodie")
    (event,) = _events(db, "person.create")
    assert event.target_id == person.id and event.actor_id == advisor.id and event.pole_id == pole.id
    assert event.changes["last_name"] == "…"  # the field, never the name (issue 19)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Élodie Le Goff" in page and "14/03/2026" in page


def test_create_without_privacy_notice_and_required_fields(client, db, pole, advisor, login_as):
    login_as(advisor)
    response = client.post("/people/new", data=_person_data(first_name="", postal_code="356"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "5 chiffres" in body and "Le formulaire contient des erreurs" in body
    client.post("/people/new", data=_person_data())
    person = db.session.scalars(select(Person)).one()
    assert person.privacy_notice_given_on is None


def test_duplicate_warning_by_names_and_postal_code(client, db, pole, advisor, login_as):
    existing = PersonFactory(
        pole=pole, first_name="Elodie", last_name="LE GOFF", email=None, postal_code="35600"
    )
    login_as(advisor)
    response = client.post("/people/new", data=_person_data(email=""))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "existe peut-être déjà" in body
    assert f"/people/{existing.id}" in body
    assert "Créer quand même" in body
    assert db.session.scalar(select(Person.id).where(Person.id != existing.id)) is None
    # Another postal code is another person: no warning.
    response = client.post("/people/new", data=_person_data(email="", postal_code="56350"))
    assert response.status_code == 302
    # Confirmed: created anyway.
    response = client.post("/people/new", data=_person_data(email="", create_anyway="y"))
    assert response.status_code == 302
    assert len(db.session.scalars(select(Person)).all()) == 3


def test_same_email_is_refused_with_link(client, db, pole, other_pole, advisor, login_as):
    existing = PersonFactory(pole=pole, email="elodie.legoff@example.org", last_name="Autre")
    PersonFactory(pole=other_pole, email="marc@example.org")
    login_as(advisor)
    response = client.post("/people/new", data=_person_data(create_anyway="y"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "déjà cette adresse e-mail" in body and f"/people/{existing.id}" in body
    # The same address in another pole is fine.
    response = client.post("/people/new", data=_person_data(email="marc@example.org"))
    assert response.status_code == 302


def test_edit_person_audits_changed_fields(client, db, pole, advisor, login_as):
    person = PersonFactory(pole=pole, first_name="Yann", last_name="Morvan", commune="Redon")
    other = PersonFactory(pole=pole, email="pris@example.org")
    login_as(advisor)
    assert client.get(f"/people/{person.id}/edit").status_code == 200
    data = _person_data(
        first_name="Yann",
        last_name="Morvan",
        email=person.email,
        commune="Allaire",
        postal_code="56350",
        privacy_notice="y",
    )
    response = client.post(f"/people/{person.id}/edit", data=data)
    assert response.status_code == 302
    assert person.commune == "Allaire" and person.privacy_notice_given_on == date.today()
    assert "allaire" in person.search_text
    (event,) = _events(db, "person.update")
    assert event.changes["commune"] == ["…", "…"]
    assert "first_name" not in event.changes
    # E-mail of another person of the pole: refused.
    response = client.post(f"/people/{person.id}/edit", data=dict(data, email=other.email))
    assert response.status_code == 200
    assert "déjà cette adresse e-mail" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.email != other.email


def test_archive_and_unarchive(client, db, pole, advisor, login_as):
    person = PersonFactory(pole=pole, last_name="Archivable")
    login_as(advisor)
    assert client.post(f"/people/{person.id}/archive", data={"archived": "1"}).status_code == 302
    assert person.archived is True
    assert "Archivable" not in client.get("/people/").get_data(as_text=True)
    assert "Archivable" in client.get("/people/?archives=1").get_data(as_text=True)
    client.post(f"/people/{person.id}/archive", data={"archived": "0"})
    assert person.archived is False
    assert [e.changes["archived"] for e in _events(db, "person.archive")] == [[False, True]]
    assert len(_events(db, "person.unarchive")) == 1


def test_search_is_accent_and_case_insensitive(client, db, pole, advisor, login_as):
    PersonFactory(pole=pole, first_name="Élodie", last_name="Le Goff", email="e.lg@example.org")
    PersonFactory(pole=pole, first_name="Marc", last_name="Hamon", commune="Guémené-Penfao")
    login_as(advisor)
    body = client.get("/people/?q=elodie").get_data(as_text=True)
    assert "Le Goff" in body and "Hamon" not in body
    body = client.get("/people/?q=GUEMENE").get_data(as_text=True)
    assert "Hamon" in body and "Le Goff" not in body
    body = client.get("/people/?q=e.lg@").get_data(as_text=True)
    assert "Le Goff" in body
    body = client.get("/people/?q=100%25").get_data(as_text=True)
    assert "Aucune personne" in body


def test_pole_isolation(client, db, pole, other_pole, advisor, login_as):
    theirs = PersonFactory(pole=other_pole, last_name="Étrangère")
    login_as(advisor)
    for url in (f"/people/{theirs.id}", f"/people/{theirs.id}/edit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/people/{theirs.id}/edit", data=_person_data()).status_code == 404
    assert client.post(f"/people/{theirs.id}/archive", data={"archived": "1"}).status_code == 404
    assert theirs.archived is False
    assert "Étrangère" not in client.get("/people/?q=etrangere").get_data(as_text=True)
    assert "Étrangère" not in client.get("/people/export/csv").get_data(as_text=True)


def test_non_staff_get_404(client, db, pole, login_as):
    from tests.factories import UserFactory

    person = PersonFactory(pole=pole)
    login_as(UserFactory(pole=pole, role="holder"))
    for url in ("/people/", "/people/new", f"/people/{person.id}", "/people/export/csv"):
        assert client.get(url).status_code == 404


def test_list_query_count_does_not_grow(client, db, pole, advisor, login_as, count_queries):
    login_as(advisor)
    PersonFactory(pole=pole)
    client.get("/people/")
    with count_queries() as one:
        assert client.get("/people/").status_code == 200
    PersonFactory.create_batch(29, pole=pole)
    with count_queries() as thirty:
        body = client.get("/people/").get_data(as_text=True)
    assert body.count("/people/") >= 30
    assert one.count == thirty.count


def test_list_sorted_by_name_ignoring_accents_and_case(client, db, pole, advisor, login_as):
    for last in ("Favre", "éon", "Dupont"):
        PersonFactory(pole=pole, last_name=last)
    login_as(advisor)
    body = client.get("/people/").get_data(as_text=True)
    assert body.index("Dupont") < body.index("éon") < body.index("Favre")
