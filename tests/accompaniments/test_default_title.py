"""A dossier opened without a title is named after its parcours and number, never the person
(issue 19, point 1): the title shows in agendas, séance lists and calendar feeds."""

from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from tests.accompaniments.factories import RequestFactory, body, default_template, make_person


def _dossier_form(pole, advisor, **extra):
    data = {
        "title": "",
        "template_id": str(default_template(pole).id),
        "referent_id": str(advisor.id),
        "started_on": "2026-02-01",
    }
    data.update(extra)
    return data


def test_a_dossier_opened_without_title_gets_the_parcours_and_its_number(client, advisor, login_as, pole, db):
    person = make_person(pole, first_name="Zoé", last_name="Kerbrat")
    login_as(advisor)
    response = client.post("/accompaniments/new", data=_dossier_form(pole, advisor, person_id=str(person.id)))
    assert response.status_code == 302, body(response)
    acc = db.session.scalar(select(Accompaniment).where(Accompaniment.person_id == person.id))
    template = default_template(pole)
    assert acc.title == f"{template.name} — dossier {acc.id}"


def test_opening_from_a_request_proposes_no_name_as_title(client, advisor, login_as, pole, db):
    req = RequestFactory(pole=pole, contact_text="Zoé Kerbrat 06 11 22 33 44")
    login_as(advisor)
    page = body(client.get(f"/requests/{req.id}/open"))
    assert 'value="Zoé"' in page  # the new person's fields are prefilled…
    title_input = page.split('name="title"', 1)[1].split(">", 1)[0]
    assert "Kerbrat" not in title_input and "Zoé" not in title_input  # …not the dossier title
    response = client.post(
        f"/requests/{req.id}/open",
        data=_dossier_form(pole, advisor, first_name="Zoé", last_name="Kerbrat", phone="0611223344"),
    )
    assert response.status_code == 302, body(response)
    acc = db.session.scalar(select(Accompaniment).where(Accompaniment.request_id == req.id))
    assert acc.title == f"{default_template(pole).name} — dossier {acc.id}"
    assert "Kerbrat" not in acc.title
