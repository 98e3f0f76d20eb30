"""The core loop on a phone, from a collective's page: log a workshop with its 6 members and
send an orientation to a partner in at most 4 page loads (issue 17)."""

import re
from datetime import date

from app.accompaniments.models import Accompaniment
from app.auth.services import create_user
from app.collectives.models import Collective, Membership
from app.core.text import search_text
from app.extensions import db
from app.people.services import create_person
from app.poles.services import create_pole
from app.referrals.models import Referral
from app.sessions.models import AccompanimentSession
from app.structures.models import Structure

PASSWORD = "une phrase de passe solide"
NAMES = [
    ("Anne", "Bréal"),
    ("Bruno", "Carré"),
    ("Chloé", "Dantec"),
    ("Awa", "Le Gall"),
    ("Erwan", "Tanguy"),
    ("Fanny", "Roux"),
]


def _seed():
    pole = create_pole("cades", "CADES Pays de Redon")
    create_user("yann@example.org", "advisor", pole, full_name="Yann Guého", password=PASSWORD)
    collective = Collective(pole_id=pole.id, name="Tiers-lieu La Gare", search_text="tiers-lieu la gare")
    partner = Structure(
        pole_id=pole.id, name="DLA Ille-et-Vilaine", is_partner=True, search_text=search_text("DLA")
    )
    db.session.add_all([collective, partner])
    db.session.flush()
    for first, last in NAMES:
        person = create_person(pole, first_name=first, last_name=last)
        db.session.add(
            Membership(
                pole_id=pole.id, collective_id=collective.id, person_id=person.id, joined_on=date(2025, 1, 1)
            )
        )
    db.session.add(
        Accompaniment(
            pole_id=pole.id,
            collective_id=collective.id,
            title="Ouvrir le tiers-lieu",
            status="active",
            started_on=date(2025, 1, 1),
        )
    )
    db.session.flush()
    return collective.id


def test_collective_seance_and_orientation_in_four_page_loads(browser, live_server, seed, app):
    collective_id = seed(_seed)
    context = browser.new_context(
        locale="fr-FR", base_url=live_server, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/login")
        page.get_by_label("Adresse e-mail").fill("yann@example.org")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/")
        page.goto(f"/collectives/{collective_id}")

        loads = []
        page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)

        page.get_by_role("button", name="Saisir une séance", exact=True).click()  # 1: the séance form
        page.wait_for_url(re.compile(r".*/sessions/new\?collective=\d+$"))
        attendees = page.get_by_role("radiogroup")
        assert attendees.count() == 6
        page.get_by_label("Intitulé").fill("Atelier gouvernance partagée")
        page.get_by_role("button", name="Enregistrer la séance").click()  # 2: the séance saved
        page.wait_for_url(re.compile(r".*/sessions/\d+$"))
        assert "Séance enregistrée." in page.content()
        page.get_by_role("button", name=re.compile("^Orienter")).click()  # 3: the orientation form
        page.wait_for_url(re.compile(r".*/referrals/new\?accompaniment_id=\d+$"))
        page.get_by_label("Structure partenaire").select_option(label="DLA Ille-et-Vilaine")
        page.get_by_role("button", name="Envoyer au partenaire").click()  # 4: sent
        page.wait_for_url(re.compile(r".*/referrals/\d+$"))
        assert "Orientation envoyée au partenaire." in page.content()
        assert len(loads) <= 4, loads
    finally:
        context.close()

    with app.app_context():
        seance = db.session.scalars(db.select(AccompanimentSession)).one()
        assert len(seance.attendances) == 6 and {a.status for a in seance.attendances} == {"present"}
        referral = db.session.scalars(db.select(Referral)).one()
        assert referral.status == "sent" and referral.collective_id == collective_id
