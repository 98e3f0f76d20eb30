"""Inviting an address that has an account in another pole answers as for any invitation.

The inviting admin must not learn that the address is known elsewhere (issue 19, point 11);
the owner of the account is told by e-mail, and nothing is created.
"""

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.core.audit import AuditEvent
from app.extensions import db
from app.structures.models import Structure
from tests.factories import UserFactory
from tests.portal.factories import PersonFactory


def _page(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.sub(r"\s+", " ", html)


def _flash(html: str) -> str:
    return " ".join(re.findall(r"Invitation envoyée à [^<]*", html))


def _users_named(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def _journal_mentions(pole_id: int, text: str) -> int:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.pole_id == pole_id)).all()
    return sum(text in repr((e.action, e.changes)) for e in events)


@pytest.fixture
def elsewhere(other_pole):
    return UserFactory(pole=other_pole, role="advisor", email="connue@ailleurs.example")


def test_admin_invitation_of_an_address_known_elsewhere_answers_as_sent(
    client, pole, admin, elsewhere, login_as, outbox
):
    login_as(admin)
    fresh = _page(client, client.post("/users", data={"email": "nouvelle@example.org", "role": "advisor"}))
    outbox.clear()
    known = _page(client, client.post("/users", data={"email": "Connue@Ailleurs.example", "role": "advisor"}))
    assert _flash(fresh) == "Invitation envoyée à nouvelle@example.org."
    assert _flash(known) == "Invitation envoyée à connue@ailleurs.example."
    assert "existe déjà" not in known
    assert _users_named("connue@ailleurs.example") == 1  # nothing created, nothing moved
    assert db.session.get(User, elsewhere.id).pole_id == elsewhere.pole_id
    # Its owner is told; the inviting pole's journal says nothing about the address.
    assert [m["To"] for m in outbox] == ["connue@ailleurs.example"]
    assert "déjà un compte" in outbox[0].get_content()
    assert _journal_mentions(pole.id, "connue@ailleurs.example") == 0


def test_an_address_of_the_same_pole_is_still_named(client, pole, admin, login_as):
    UserFactory(pole=pole, role="advisor", email="collegue@example.org")
    login_as(admin)
    response = client.post("/users", data={"email": "collegue@example.org", "role": "advisor"})
    assert response.status_code == 200
    assert "Un compte existe déjà pour collegue@example.org" in response.get_data(as_text=True)


def test_holder_invitation_of_an_address_known_elsewhere_answers_as_sent(
    client, pole, advisor, elsewhere, login_as, outbox
):
    fresh_person = PersonFactory(pole=pole, email="porteuse@example.org")
    known_person = PersonFactory(pole=pole, email="connue@ailleurs.example")
    login_as(advisor)
    fresh = _page(client, client.post(f"/portal/invite/{fresh_person.id}", data={"next": "/"}))
    known = _page(client, client.post(f"/portal/invite/{known_person.id}", data={"next": "/"}))
    assert "Invitation envoyée à porteuse@example.org" in fresh
    assert "Invitation envoyée à connue@ailleurs.example" in known
    assert "existe déjà" not in known
    assert db.session.scalar(select(User.person_id).where(User.id == elsewhere.id)) is None
    assert _users_named("connue@ailleurs.example") == 1


def test_partner_invitation_of_an_address_known_elsewhere_answers_as_sent(
    client, pole, admin, elsewhere, login_as
):
    partner = Structure(pole_id=pole.id, name="DLA 35", kind="association", is_partner=True)
    db.session.add(partner)
    db.session.flush()
    login_as(admin)
    data = {"structure_id": partner.id, "email": "connue@ailleurs.example"}
    known = _page(client, client.post("/referrals/partners/invite", data=data))
    assert "Invitation envoyée à connue@ailleurs.example" in known
    assert "existe déjà" not in known
    assert db.session.get(User, elsewhere.id).structure_id is None
