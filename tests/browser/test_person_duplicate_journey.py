from playwright.sync_api import expect

from app.auth.services import create_user
from app.people.services import create_person
from app.poles.services import create_pole

PASSWORD = "une phrase de passe solide"


def _seed_pole():
    pole = create_pole("redon", "Pôle ESS du Pays de Redon")
    create_user("yann@example.org", "advisor", pole, full_name="Yann", password=PASSWORD)
    create_person(pole, first_name="Élodie", last_name="Le Goff", postal_code="35600", commune="Redon")


def test_advisor_is_warned_of_a_duplicate_then_creates_anyway_and_finds_both(page, seed):
    seed(_seed_pole)
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("yann@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="Personnes").click()
    page.get_by_role("button", name="Nouvelle personne").click()
    page.get_by_label("Prénom").fill("elodie")
    page.locator("#last_name").fill("LE GOFF")
    page.get_by_label("Code postal").fill("35600")
    page.get_by_label("Notice d'information remise").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("body")).to_contain_text("Cette personne existe peut-être déjà")
    assert page.get_by_role("link", name="Élodie Le Goff").is_visible()
    page.get_by_label("Créer quand même").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/people/*")
    assert "Fiche d'elodie LE GOFF créée." in page.content()  # elided before a vowel
    page.get_by_role("link", name="Personnes").click()
    page.get_by_label("Rechercher (nom, e-mail, commune)").fill("ELODIE")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("body")).to_contain_text("2 personnes")
