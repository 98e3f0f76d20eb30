"""An admin answers an erasure request: records it, reads the person's data, anonymises, closes it."""

from playwright.sync_api import expect

from app.auth.services import create_user
from app.core.models import utcnow
from app.extensions import db
from app.people.services import create_person
from app.poles.services import create_pole
from app.sessions.models import AccompanimentSession, Attendance

PASSWORD = "une phrase de passe solide"


def _seed():
    pole = create_pole("cades", "CADES Pays de Redon")
    create_user("claire@example.org", "admin", pole, full_name="Claire", password=PASSWORD)
    person = create_person(
        pole,
        first_name="Gaëlle",
        last_name="Le Dantec",
        email="gaelle@example.org",
        postal_code="35600",
        commune="Redon",
    )
    seance = AccompanimentSession(
        pole_id=pole.id,
        kind="individual",
        title="Premier rendez-vous",
        starts_at=utcnow(),
        duration_minutes=60,
        shared_summary="Gaëlle a présenté son projet d'épicerie",
    )
    seance.attendances = [Attendance(pole_id=pole.id, person_id=person.id, status="present")]
    db.session.add(seance)
    db.session.flush()
    return {"person_id": person.id, "session_id": seance.id}


def test_erasure_request_answered_by_anonymisation(page, seed):
    ids = seed(_seed)
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("claire@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")

    page.goto(f"/people/{ids['person_id']}")
    page.get_by_role("button", name="Enregistrer une demande RGPD").click()
    page.get_by_label("Type de demande").select_option(label="Effacement")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/privacy/requests")
    assert "Demande enregistrée." in page.content()

    page.goto("/")
    assert "1 demande en cours." in page.content()

    page.goto(f"/people/{ids['person_id']}")
    page.get_by_role("button", name="Voir ses données").click()
    expect(page.locator("body")).to_contain_text("Premier rendez-vous")

    page.goto(f"/people/{ids['person_id']}")
    page.get_by_role("button", name="Anonymiser…").click()
    expect(page.locator("body")).to_contain_text("irréversible")
    page.get_by_label("J'ai compris que l'anonymisation est définitive").check()
    page.get_by_role("button", name="Anonymiser définitivement").click()
    page.wait_for_url(f"**/people/{ids['person_id']}")
    content = page.content()
    assert "La personne a été anonymisée." in content
    assert f"Personne anonymisée n°{ids['person_id']}" in content
    assert "Gaëlle" not in content and "Ille-et-Vilaine" in content

    page.goto("/privacy/requests")
    page.get_by_role("link", name="Marquer comme traitée").click()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/privacy/requests")
    assert "Demande marquée comme traitée." in page.content()
