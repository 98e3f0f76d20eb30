from sqlalchemy import select

from app.poles.models import FundingProgramme
from tests.sessions.factories import FundingProgrammeFactory


def test_admin_adds_renames_and_deactivates(client, admin, login_as, pole, db):
    login_as(admin)
    assert "Programmes de financement" in client.get("/").get_data(as_text=True)
    response = client.post("/sessions/programmes", data={"name": "FSE+"}, follow_redirects=True)
    assert "Programme ajouté." in response.get_data(as_text=True)
    programme = db.session.scalar(select(FundingProgramme).where(FundingProgramme.pole_id == pole.id))
    body = client.post("/sessions/programmes", data={"name": "fse+"}).get_data(as_text=True)
    assert "existe déjà" in body
    client.post(f"/sessions/programmes/{programme.id}/rename", data={"name": "Région Bretagne — pôle ESS"})
    assert programme.name == "Région Bretagne — pôle ESS"
    body = client.post(
        f"/sessions/programmes/{programme.id}/rename", data={"name": "  "}, follow_redirects=True
    ).get_data(as_text=True)
    assert "obligatoire" in body and programme.name == "Région Bretagne — pôle ESS"
    client.post(f"/sessions/programmes/{programme.id}/active")
    assert programme.active is False


def test_inactive_programme_not_offered_for_new_seances(client, admin, login_as, pole):
    FundingProgrammeFactory(pole=pole, name="Programme actif")
    FundingProgrammeFactory(pole=pole, name="Programme clos", active=False)
    login_as(admin)
    body = client.get("/sessions/new").get_data(as_text=True)
    assert "Programme actif" in body and "Programme clos" not in body


def test_advisor_gets_404_on_programmes(client, advisor, login_as):
    login_as(advisor)
    assert client.get("/sessions/programmes").status_code == 404
