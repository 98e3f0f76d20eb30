"""An advisor orients a collective to a partner; the partner accepts; the advisor sees it.
An advisor closes an unanswered orientation from the « à relancer » list."""

from datetime import timedelta

from playwright.sync_api import expect

from app.auth.services import create_user
from app.collectives.models import Collective
from app.core.dates import pole_today
from app.core.text import search_text
from app.extensions import db
from app.poles.services import create_pole
from app.referrals.services import refer_to_partner
from app.structures.models import Structure

PASSWORD = "une phrase de passe solide"


def _seed():
    pole = create_pole("cades", "CADES Pays de Redon")
    create_user("yann@example.org", "advisor", pole, full_name="Yann Guého", password=PASSWORD)
    partner = Structure(
        pole_id=pole.id, name="DLA Ille-et-Vilaine", is_partner=True, search_text=search_text("DLA")
    )
    collective = Collective(pole_id=pole.id, name="Épicerie solidaire du Pâtis", search_text="epicerie")
    db.session.add_all([partner, collective])
    db.session.flush()
    user = create_user("gaelle@dla.example", "partner", pole, full_name="Gaëlle Morvan", password=PASSWORD)
    user.structure_id = partner.id
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


def test_orient_collective_partner_accepts_advisor_sees_it(page, seed):
    collective_id = seed(_seed)

    _login(page, "yann@example.org")
    page.goto(f"/referrals/new?collective_id={collective_id}")
    assert "Épicerie solidaire du Pâtis" in page.content()
    page.get_by_label("Gouvernance partagée").check()
    page.get_by_role("button", name="Filtrer les partenaires").click()
    assert page.get_by_label("Gouvernance partagée").is_checked()
    page.get_by_label("Structure partenaire").select_option(label="DLA Ille-et-Vilaine")
    page.get_by_label("Motif de l'orientation").fill("Appui à la gouvernance du collectif")
    page.get_by_role("button", name="Envoyer au partenaire").click()
    page.wait_for_url("**/referrals/*")
    expect(page.locator("main")).to_contain_text("Orientation envoyée au partenaire.")
    detail_url = page.url
    _logout(page, "Yann Guého")

    _login(page, "gaelle@dla.example")
    page.get_by_role("link", name="Orientations reçues").click()
    page.locator("table a").first.click()
    expect(page.locator("main")).to_contain_text("Épicerie solidaire du Pâtis")
    page.get_by_label("Nouveau statut").select_option(label="Prise en charge")
    page.get_by_label("Commentaire", exact=True).first.fill("Premier rendez-vous fixé")
    page.get_by_role("button", name="Enregistrer le changement").click()
    expect(page.locator("main")).to_contain_text("Statut mis à jour : Prise en charge.")
    _logout(page, "Gaëlle Morvan")

    _login(page, "yann@example.org")
    page.goto(detail_url)
    history = page.locator("section", has=page.get_by_role("heading", name="Historique"))
    assert "Prise en charge" in history.inner_text()
    assert "Gaëlle Morvan (partenaire)" in history.inner_text()
    assert "Premier rendez-vous fixé" in history.inner_text()


def _seed_unanswered():
    pole = create_pole("cades", "CADES Pays de Redon")
    advisor = create_user("yann@example.org", "advisor", pole, full_name="Yann Guého", password=PASSWORD)
    partner = Structure(
        pole_id=pole.id, name="DLA Ille-et-Vilaine", is_partner=True, search_text=search_text("DLA")
    )
    db.session.add(partner)
    long_ago = pole_today(pole) - timedelta(days=pole.referral_no_answer_days + 5)
    ids = {}
    for name in ("Épicerie solidaire du Pâtis", "Garage associatif de Redon"):
        collective = Collective(pole_id=pole.id, name=name, search_text=search_text(name))
        db.session.add(collective)
        db.session.flush()
        referral = refer_to_partner(
            pole, advisor, partner=partner, referred_on=long_ago, collective=collective, send_now=True
        )
        ids[name] = referral.id
    return ids


def test_advisor_closes_one_unanswered_orientation_from_the_list_by_keyboard(page, seed):
    ids = seed(_seed_unanswered)
    _login(page, "yann@example.org")
    page.goto("/referrals/to-chase")
    to_close = page.locator("section", has=page.get_by_role("heading", name="à clore sans suite"))
    expect(to_close.get_by_role("row")).to_have_count(3)  # the header and two orientations
    # Each row's button is named after its beneficiary; Tab reaches it, Enter presses it.
    button = page.get_by_role("button", name="Clore sans suite Garage associatif de Redon")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/referrals/to-chase")
    expect(page.locator("main")).to_contain_text("Orientation close sans suite.")
    expect(to_close.get_by_role("row")).to_have_count(2)
    expect(to_close).to_contain_text("Épicerie solidaire du Pâtis")
    expect(to_close).not_to_contain_text("Garage associatif de Redon")
    page.goto(f"/referrals/{ids['Garage associatif de Redon']}")
    expect(page.locator("main")).to_contain_text("Sans suite")


def test_enter_in_a_date_field_saves_and_filtering_keeps_the_form_out_of_the_url(page, seed):
    """Issue 19 point 7: the motif and the CSRF token never reach a URL (history, access log)."""
    collective_id = seed(_seed)
    requests = []
    page.on("request", lambda r: requests.append((r.method, r.url)))
    _login(page, "yann@example.org")
    page.goto(f"/referrals/new?collective_id={collective_id}")
    page.get_by_label("Motif de l'orientation").fill("Situation de handicap — confidentiel")
    page.get_by_label("Gouvernance partagée").check()
    page.get_by_role("button", name="Filtrer les partenaires").click()
    page.wait_for_load_state()
    assert page.get_by_label("Motif de l'orientation").input_value() == "Situation de handicap — confidentiel"
    page.get_by_label("Structure partenaire").select_option(label="DLA Ille-et-Vilaine")
    page.get_by_label("Date de l'orientation").press("Enter")
    page.wait_for_url("**/referrals/*")
    expect(page.locator("main")).to_contain_text("Orientation enregistrée")
    leaked = [url for _m, url in requests if any(w in url for w in ("csrf_token", "confidentiel", "reason"))]
    assert not leaked, leaked
