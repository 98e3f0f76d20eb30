"""An advisor logs a collective workshop in a few interactions and sees the regularity change."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.accompaniments.models import Accompaniment
from app.auth.services import create_user
from app.collectives.models import Collective, Membership
from app.extensions import db
from app.people.services import create_person
from app.poles.services import create_pole
from app.sessions.models import AccompanimentSession, Attendance

PASSWORD = "une phrase de passe solide"
PARIS = ZoneInfo("Europe/Paris")


def _seed():
    pole = create_pole("cades", "CADES Pays de Redon")
    create_user("yann@example.org", "advisor", pole, full_name="Yann", password=PASSWORD)
    collective = Collective(pole_id=pole.id, name="Tiers-lieu La Gare", search_text="tiers-lieu la gare")
    db.session.add(collective)
    db.session.flush()
    members = [
        create_person(pole, first_name=first, last_name=last)
        for first, last in (("Anne", "Bréal"), ("Bruno", "Carré"), ("Chloé", "Dantec"))
    ]
    for person in members:
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
    earlier = AccompanimentSession(
        pole_id=pole.id,
        kind="workshop",
        title="Première rencontre",
        collective_id=collective.id,
        starts_at=datetime.now(PARIS) - timedelta(days=20),
        duration_minutes=120,
    )
    earlier.attendances = [Attendance(pole_id=pole.id, person_id=p.id, status="present") for p in members]
    db.session.add(earlier)
    db.session.flush()
    return {"collective_id": collective.id, "bruno_id": members[1].id}


def test_log_collective_workshop_mark_absent_see_regularity(page, seed):
    ids = seed(_seed)
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("yann@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")

    regularity_url = f"/sessions/collectives/{ids['collective_id']}/regularite"
    page.goto(regularity_url)
    assert page.locator(f"td[data-member='{ids['bruno_id']}']").inner_text() == "100 %"

    page.goto("/sessions/new")
    yesterday = (datetime.now(PARIS) - timedelta(days=1)).date()
    interactions = 0

    def act(action):
        nonlocal interactions
        interactions += 1
        action()

    act(lambda: page.get_by_label("Type de séance").select_option(label="Atelier collectif"))
    act(lambda: page.get_by_label("Intitulé").fill("Atelier gouvernance partagée"))
    act(lambda: page.get_by_label("Date").fill(yesterday.isoformat()))
    act(
        lambda: page.get_by_role("group", name="Dossiers concernés")
        .get_by_role("checkbox", name=re.compile(r"^Ouvrir le tiers-lieu — Tiers-lieu La Gare — n° \d+$"))
        .check()
    )
    act(lambda: page.get_by_role("button", name="Préremplir les participants").click())
    page.wait_for_load_state()
    assert page.get_by_label("Chloé Dantec : Présent·e").is_checked()
    # the segmented button a thumb taps is the radio's label
    act(lambda: page.get_by_role("radiogroup", name="Bruno Carré").get_by_text("Absent·e").click())
    assert page.get_by_label("Bruno Carré : Absent·e").is_checked()
    act(lambda: page.get_by_role("button", name="Enregistrer la séance").click())
    page.wait_for_url("**/sessions/*")
    assert interactions < 10
    assert "Séance enregistrée." in page.content()
    assert "2 présent·es" in page.content() and "1 absent·e," in page.content()

    page.goto(regularity_url)
    assert page.locator(f"td[data-member='{ids['bruno_id']}']").inner_text() == "50 %"
    assert "Collectif dans son ensemble : 83 %" in page.content()
