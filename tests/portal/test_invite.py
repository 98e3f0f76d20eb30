"""Inviting a person to the porteur's space: a holder account linked to them, valid 72 h."""

import re

from flask import render_template_string
from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.portal.factories import HolderFactory, PersonFactory
from tests.portal.helpers import page_text


def _link(message) -> str:
    return re.search(r"https?://\S+", message.get_content()).group(0).replace("http://localhost", "")


def test_staff_invites_a_person_with_an_email(client, pole, advisor, login_as, outbox):
    person = PersonFactory(pole=pole, first_name="Anne", last_name="Guillou", email="anne@example.org")
    login_as(advisor)
    response = client.post(f"/portal/invite/{person.id}", data={"next": f"/people/{person.id}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/people/{person.id}"
    user = db.session.scalar(select(User).where(User.email == "anne@example.org"))
    assert user.role == "holder" and user.person_id == person.id and user.pole_id == pole.id
    assert user.full_name == "Anne Guillou" and user.password_hash is None
    assert outbox[-1]["To"] == "anne@example.org"
    assert "72 heures" in outbox[-1].get_content()


def test_invitation_redirects_home_when_next_is_not_local(client, pole, advisor, login_as):
    person = PersonFactory(pole=pole)
    login_as(advisor)
    response = client.post(f"/portal/invite/{person.id}", data={"next": "https://evil.example/x"})
    assert response.headers["Location"] == "/"


def test_person_without_email_gets_a_french_error(client, pole, advisor, login_as):
    person = PersonFactory(pole=pole, email=None)
    login_as(advisor)
    response = client.post(f"/portal/invite/{person.id}", follow_redirects=True)
    assert "n'a pas d'adresse e-mail" in page_text(response)
    assert db.session.scalar(select(User).where(User.person_id == person.id)) is None


def test_second_invitation_is_refused(client, pole, advisor, login_as):
    person = PersonFactory(pole=pole)
    HolderFactory(person=person, email=person.email)
    login_as(advisor)
    response = client.post(f"/portal/invite/{person.id}", follow_redirects=True)
    assert "a déjà un compte porteur" in page_text(response)
    assert len(db.session.scalars(select(User).where(User.person_id == person.id)).all()) == 1


def test_email_already_used_by_an_account_is_refused(client, pole, advisor, login_as):
    person = PersonFactory(pole=pole, email=advisor.email)
    login_as(advisor)
    response = client.post(f"/portal/invite/{person.id}", follow_redirects=True)
    assert "Un compte existe déjà" in page_text(response)


def test_invitation_link_works_72_hours_then_expires(client, pole, advisor, login_as, outbox):
    person = PersonFactory(pole=pole, email="late@example.org")
    with freeze_time("2026-03-01 10:00:00") as frozen:
        login_as(advisor)
        client.post(f"/portal/invite/{person.id}")
        link = _link(outbox[-1])
        client.post("/logout")
        frozen.move_to("2026-03-04 09:59:00")
        assert client.get(link).status_code == 200
        frozen.move_to("2026-03-04 10:01:00")
        response = client.get(link)
    assert response.status_code == 404
    assert "72 heures" in page_text(response)


def test_accepted_invitation_opens_the_portal(client, pole, advisor, login_as, outbox):
    person = PersonFactory(pole=pole, email="anne@example.org")
    login_as(advisor)
    client.post(f"/portal/invite/{person.id}")
    link = _link(outbox[-1])
    client.post("/logout")
    password = "une phrase de passe solide"
    assert client.post(link, data={"password": password, "confirm": password}).status_code == 302
    response = client.get("/portal/")
    assert response.status_code == 200
    assert "Mon parcours" in page_text(response)


def test_invite_is_staff_only_and_pole_scoped(client, pole, other_pole, advisor, login_as):
    foreign = PersonFactory(pole=other_pole)
    login_as(advisor)
    assert client.post(f"/portal/invite/{foreign.id}").status_code == 404
    client.post("/logout")
    holder = HolderFactory(person=PersonFactory(pole=pole))
    target = PersonFactory(pole=pole)
    login_as(holder)
    assert client.post(f"/portal/invite/{target.id}").status_code == 404


def test_invite_partial_renders_button_or_account(app, pole, db):
    person = PersonFactory(pole=pole)
    page = '{% include "portal/_invite_button.html" %}'
    with app.test_request_context("/people/1"):
        html = render_template_string(page, person=person)
        assert f"/portal/invite/{person.id}" in html and 'name="csrf_token"' in html
        assert 'value="/people/1"' in html
        HolderFactory(person=person, email=person.email)
        html = render_template_string(page, person=person)
        assert "Compte porteur" in html and "/portal/invite/" not in html
