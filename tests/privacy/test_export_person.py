"""Admin export of a person's data (right of access): readable page and JSON download, audited."""

import json

from sqlalchemy import select

from app.core.audit import AuditEvent
from tests import factories as base
from tests.privacy.factories import (
    AccompanimentFactory,
    AttendanceFactory,
    PartnerFactory,
    PersonFactory,
    ReferralFactory,
    SatisfactionFactory,
    SessionFactory,
)


def person_with_history(pole):
    person = PersonFactory(pole=pole, first_name="Awa", last_name="Diallo", email="awa@example.org")
    seance = SessionFactory(pole=pole, title="Atelier gouvernance", private_notes="Note interne")
    AttendanceFactory(session=seance, person=person, status="present")
    dossier = AccompanimentFactory(pole=pole, person_id=person.id, title="Épicerie solidaire")
    ReferralFactory(pole=pole, partner_id=PartnerFactory(pole=pole, name="DLA 35").id, person_id=person.id)
    SatisfactionFactory(
        pole_id=pole.id, person_id=person.id, accompaniment_id=dossier.id, score=5, comment="Top"
    )
    base.UserFactory(pole=pole, role="holder", person_id=person.id, email="awa.compte@example.org")
    return person


def test_admin_downloads_a_person_data_as_json(client, login_as, admin, pole, db):
    person = person_with_history(pole)
    login_as(admin)
    response = client.get(f"/privacy/people/{person.id}/export?format=json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["email"] == "awa@example.org"
    assert data["attendances"][0]["title"] == "Atelier gouvernance"
    assert data["accompaniments"][0]["title"] == "Épicerie solidaire"
    assert data["referrals"][0]["partner"] == "DLA 35"
    assert data["satisfaction"][0]["score"] == 5
    assert data["accounts"][0]["email"] == "awa.compte@example.org"
    body = response.get_data(as_text=True)
    for secret in ("password_hash", "$argon2", "totp_secret", "recovery", "Note interne"):
        assert secret not in body
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.export")).one()
    assert (event.target_type, event.target_id, event.changes) == ("Person", person.id, {"format": "json"})


def test_admin_reads_a_person_data_as_a_page(client, login_as, admin, pole, db):
    person = person_with_history(pole)
    login_as(admin)
    person_page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f"/privacy/people/{person.id}/export" in person_page
    response = client.get(f"/privacy/people/{person.id}/export")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "<h1>Données d'Awa Diallo</h1>" in html  # elided before a vowel
    assert "Atelier gouvernance" in html and "DLA 35" in html and "Épicerie solidaire" in html
    assert "Note interne" not in html
    assert db.session.scalars(
        select(AuditEvent.changes).where(AuditEvent.action == "privacy.export")
    ).one() == {"format": "html"}


def test_export_is_for_admins_of_the_pole(client, login_as, advisor, admin, pole, other_pole):
    person = PersonFactory(pole=pole)
    stranger = PersonFactory(pole=other_pole)
    login_as(advisor)
    assert client.get(f"/privacy/people/{person.id}/export").status_code == 404
    client.post("/logout")
    login_as(admin)
    assert client.get(f"/privacy/people/{stranger.id}/export").status_code == 404
    assert client.get(f"/privacy/people/{stranger.id}/export?format=json").status_code == 404
    assert client.get(f"/privacy/people/{person.id}/export?format=xml").status_code == 404


def test_admin_export_is_the_holders_download_plus_the_requests_register(db, pole):
    from app.portal.services import export_person_data as portal_export
    from app.privacy.services import export_person_data

    person = person_with_history(pole)
    data = export_person_data(person)
    assert data["person"]["first_name"] == "Awa"
    assert [a["title"] for a in data["attendances"]] == ["Atelier gouvernance"]
    assert [r["partner"] for r in data["referrals"]] == ["DLA 35"]
    assert "password_hash" not in json.dumps(data) and "totp_secret" not in json.dumps(data)
    assert set(data) == set(portal_export(person)) | {"privacy_requests"}
