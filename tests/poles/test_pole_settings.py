from sqlalchemy import select

from app.core.audit import AuditEvent
from app.poles.models import Pole


def test_admin_requires_mfa_for_the_staff_of_their_pole(client, db, admin, pole, other_pole, login_as):
    login_as(admin)
    page = client.get("/parametres")
    assert page.status_code == 200
    assert "Exiger la double authentification" in page.get_data(as_text=True)
    response = client.post("/parametres", data={"mfa_required_for_staff": "y"})
    assert response.status_code == 302
    assert db.session.get(Pole, pole.id).mfa_required_for_staff is True
    assert db.session.get(Pole, other_pole.id).mfa_required_for_staff is False  # only their own pole
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pole.update")).one()
    assert event.changes == {"mfa_required_for_staff": [False, True]}

    client.post("/parametres", data={})
    assert db.session.get(Pole, pole.id).mfa_required_for_staff is False


def test_settings_are_admin_only(client, db, advisor, login_as):
    assert client.get("/parametres").status_code == 302  # anonymous: to the login page
    login_as(advisor)
    assert client.get("/parametres").status_code == 404
    assert client.post("/parametres", data={"mfa_required_for_staff": "y"}).status_code == 404
    assert db.session.get(Pole, advisor.pole_id).mfa_required_for_staff is False


def test_home_links_to_the_settings(client, admin, login_as):
    login_as(admin)
    assert "/parametres" in client.get("/").get_data(as_text=True)
