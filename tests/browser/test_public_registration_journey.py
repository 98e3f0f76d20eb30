"""A visitor registers to a published workshop, confirms from the mailed link, and takes a seat."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.core.models import utcnow
from app.extensions import db
from app.poles.services import create_pole
from app.sessions.models import AccompanimentSession


def _seed():
    pole = create_pole("cades", "CADES Pays de Redon")
    workshop = AccompanimentSession(
        pole_id=pole.id,
        kind="workshop",
        title="Créer son association",
        starts_at=utcnow() + timedelta(days=10),
        duration_minutes=120,
        is_public=True,
        capacity=1,
    )
    db.session.add(workshop)
    db.session.flush()
    return workshop.id


def test_register_confirm_from_the_mail_and_the_workshop_fills(app, page, seed, live_server):
    workshop_id = seed(_seed)
    app.extensions["mail_outbox"] = []
    page.goto(f"/p/cades/ateliers/{workshop_id}")
    page.get_by_label("Prénom").fill("Lou")
    page.locator("#last_name").fill("Martin")
    page.get_by_label("Adresse e-mail").fill("lou@example.org")
    page.get_by_label("J'ai lu la notice").check()
    page.get_by_role("button", name="Je m'inscris").click()
    expect(page.locator("main")).to_contain_text("Un e-mail vient d'être envoyé")
    page.goto("/p/cades/ateliers")
    expect(page.locator("main")).to_contain_text("Places restantes : 1")  # pending: no seat yet

    mail = app.extensions["mail_outbox"][-1]
    url = re.search(r"https?://\S+", mail.get_content()).group(0)
    page.goto(live_server + "/" + url.split("://", 1)[1].split("/", 1)[1])
    page.get_by_role("button", name="Je confirme mon inscription").click()
    expect(page.locator("main")).to_contain_text("« Créer son association » est confirmée")
    page.goto("/p/cades/ateliers")
    expect(page.locator("main")).to_contain_text("Complet")
