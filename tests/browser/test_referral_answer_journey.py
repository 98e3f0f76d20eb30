"""Issue 14: an advisor sends an orientation, the partner's referent opens the link of the
logged e-mail (no account), declines with a reason, the advisor sees it on the orientation."""

import re

from playwright.sync_api import expect

from app.auth.services import create_user
from app.collectives.models import Collective
from app.core.text import search_text
from app.extensions import db
from app.poles.services import create_pole
from app.structures.models import Structure

PASSWORD = "une phrase de passe solide"
LINK = re.compile(r"http://[^\s]+(/referrals/answer/[A-Za-z0-9_\-]+)")


def _seed():
    pole = create_pole("cades", "CADES Pays de Redon")
    create_user("yann@example.org", "advisor", pole, full_name="Yann Guého", password=PASSWORD)
    partner = Structure(
        pole_id=pole.id,
        name="France Active Bretagne",
        is_partner=True,
        search_text=search_text("France Active Bretagne"),
        contact_email="accueil@franceactive.example",
    )
    collective = Collective(pole_id=pole.id, name="Épicerie solidaire du Pâtis", search_text="epicerie")
    db.session.add_all([partner, collective])
    db.session.flush()
    return collective.id


def _login(page, email):
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")


def _logout(page, name):
    page.locator("summary", has_text=name).click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login")


def test_referent_declines_from_the_mailed_link_and_the_advisor_sees_it(app, page, seed):
    collective_id = seed(_seed)
    mails = app.extensions.setdefault("mail_outbox", [])
    mails.clear()

    _login(page, "yann@example.org")
    page.goto(f"/referrals/new?collective_id={collective_id}")
    page.get_by_label("Structure partenaire").select_option(label="France Active Bretagne")
    page.get_by_label("Motif de l'orientation").fill("Recherche d'un prêt d'honneur pour le local")
    page.get_by_label("Nom du ou de la référent·e chez le partenaire").fill("Jeanne Martin")
    page.get_by_label("E-mail du ou de la référent·e").fill("jeanne.martin@franceactive.example")
    page.get_by_label("Envoyer maintenant au partenaire").check()
    page.get_by_role("button", name="Enregistrer l'orientation").click()
    page.wait_for_url("**/referrals/*")
    expect(page.locator("main")).to_contain_text("Orientation envoyée au partenaire.")
    detail_url = page.url
    _logout(page, "Yann Guého")

    # The referent opens the link of the logged mail, with no account.
    mail = next(m for m in mails if m["To"] == "jeanne.martin@franceactive.example")
    link = LINK.search(mail.get_content()).group(1)
    page.goto(link)
    expect(page.locator("main")).to_contain_text("Recherche d'un prêt d'honneur pour le local")
    page.get_by_label("Refus : nous ne pouvons pas donner suite").check()
    page.get_by_label("Motif du refus").select_option(label="Capacité atteinte")
    page.get_by_label("Message pour le pôle (facultatif)").fill("Comité complet jusqu'en mars.")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator("main")).to_contain_text("Merci, votre réponse est enregistrée : Refusée.")
    expect(page.locator("main")).to_contain_text("Cette orientation est close")

    _login(page, "yann@example.org")
    page.goto(detail_url)
    expect(page.locator("main")).to_contain_text("Capacité atteinte")
    history = page.locator("section", has=page.get_by_role("heading", name="Historique"))
    assert "Refusée" in history.inner_text()
    assert "par Jeanne Martin (lien e-mail)" in history.inner_text()
    assert "Comité complet jusqu'en mars." in history.inner_text()
