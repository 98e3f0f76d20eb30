"""A porteuse on her phone: logs in, sees her current stage, rates a séance, downloads her data."""

import json
import os
from datetime import date, timedelta

from app.accompaniments.models import Accompaniment
from app.auth.services import create_user
from app.core.models import utcnow
from app.extensions import db
from app.people.services import create_person
from app.poles.services import create_pole
from app.sessions.models import AccompanimentSession, Attendance
from tests.portal.factories import make_template

PASSWORD = "une phrase de passe solide"


def _seed_holder():
    pole = create_pole("cades", "CADES Pays de Redon")
    yann = create_user("yann@example.org", "advisor", pole, full_name="Yann Guého", password=PASSWORD)
    anne = create_person(pole, first_name="Anne", last_name="Guillou", email="anne.guillou@example.org")
    template = make_template(pole)
    dossier = Accompaniment(
        pole_id=pole.id,
        person_id=anne.id,
        title="Café associatif de Redon",
        template_id=template.id,
        current_stage_id=template.stages[1].id,
        referent_id=yann.id,
        objectives="Ouvrir le café au printemps.",
        started_on=date.today() - timedelta(days=60),
    )
    db.session.add(dossier)
    session = AccompanimentSession(
        pole_id=pole.id,
        kind="individual",
        title="Rendez-vous diagnostic",
        starts_at=utcnow() - timedelta(days=3),
        shared_summary="Point sur le budget.",
        next_steps="Envoyer le prévisionnel.",
        private_notes="Note privée",
    )
    session.accompaniments = [dossier]
    db.session.add(session)
    db.session.flush()
    db.session.add(Attendance(pole_id=pole.id, session_id=session.id, person_id=anne.id, status="present"))
    holder = create_user(
        "anne.guillou@example.org", "holder", pole, full_name="Anne Guillou", password=PASSWORD
    )
    holder.person_id = anne.id


def _shot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"portal-{name}.png"), full_page=True)


def test_holder_journey_on_a_phone(page, seed):
    seed(_seed_holder)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("anne.guillou@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    _shot(page, "home")

    nav = page.get_by_role("navigation", name="Navigation principale")
    nav.locator("summary", has_text="Menu").click()  # the phone menu is folded
    nav.get_by_role("link", name="Mon parcours").click()
    page.wait_for_url("**/portal/")
    current = page.locator('[aria-current="step"]')
    assert "Diagnostic partagé" in current.inner_text() and "étape en cours" in current.inner_text()
    assert "yann@example.org" in page.content()
    # Nothing overflows a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, "parcours")

    page.get_by_role("navigation", name="Mon espace").get_by_role("link", name="Mes séances").click()
    page.wait_for_url("**/portal/seances")
    assert "Note privée" not in page.content()
    _shot(page, "seances-form")
    page.get_by_label("4 — Satisfait·e").check()
    page.get_by_label("Un commentaire ? (facultatif)").fill("Très utile, merci.")
    page.get_by_role("button", name="Envoyer mon avis").click()
    assert "Merci pour votre avis !" in page.locator(".flashes").inner_text()
    assert page.get_by_role("button", name="Envoyer mon avis").count() == 0
    page.wait_for_load_state("load")  # stylesheet applied before measuring (a loaded machine is slow)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, "seances")

    page.get_by_role("navigation", name="Mon espace").get_by_role("link", name="Mes données").click()
    page.wait_for_url("**/portal/mes-donnees")
    _shot(page, "donnees")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger mes données (fichier JSON)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    with open(download.path(), encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["person"]["email"] == "anne.guillou@example.org"
    assert [s["score"] for s in data["satisfaction"]] == [4]
