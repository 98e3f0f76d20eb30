from playwright.sync_api import expect

from app.auth.services import create_user
from app.people.services import create_person
from app.poles.services import create_pole

PASSWORD = "une phrase de passe solide"


def _seed_pole():
    pole = create_pole("cades", "CADES Pays de Redon")
    create_user("yann@example.org", "advisor", pole, full_name="Yann", password=PASSWORD)
    create_person(pole, first_name="Anne", last_name="Guillou", email="anne.guillou@example.org")


def test_advisor_creates_collective_with_two_members_and_finds_it(page, seed):
    seed(_seed_pole)
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("yann@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")

    page.get_by_role("link", name="Collectifs", exact=True).click()
    page.get_by_text("Nouveau collectif").click()
    page.get_by_label("Nom du collectif").fill("Épicerie solidaire du Pays d'Allaire")
    page.get_by_label("Type de collectif").select_option(label="Habitants")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/collectives/*")
    assert page.locator("h1").inner_text() == "Épicerie solidaire du Pays d'Allaire"

    # An existing person of the pole, found by a search without accents.
    page.get_by_label("Rechercher une personne du pôle (nom, e-mail)").fill("GUILLOU")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_label("Rôle", exact=True).select_option(label="référent·e")
    page.get_by_role("button", name="Ajouter Anne Guillou").click()
    assert "Anne Guillou ajouté·e au collectif." in page.locator(".flashes").inner_text()

    # A new person created in the same step.
    page.get_by_label("Prénom").fill("Gaël")
    page.get_by_label("Nom", exact=True).fill("Pichon")
    page.get_by_label("Rôle", exact=True).select_option(label="habitant·e")
    page.get_by_role("button", name="Créer et ajouter").click()
    assert "Gaël Pichon ajouté·e au collectif." in page.locator(".flashes").inner_text()

    members = page.locator("section", has=page.get_by_role("heading", name="Membres actuels"))
    rows = members.locator("tbody tr")
    assert rows.count() == 2
    text = members.inner_text()
    assert "Anne Guillou" in text and "référent·e" in text
    assert "Gaël Pichon" in text and "habitant·e" in text

    page.get_by_role("link", name="Collectifs", exact=True).click()
    page.get_by_label("Rechercher un collectif").fill("epicerie allaire")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("body")).to_contain_text("Aucun collectif")
    page.get_by_label("Rechercher un collectif").fill("EPICERIE SOLIDAIRE")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Épicerie solidaire du Pays d'Allaire").click()
    assert page.locator("h1").inner_text() == "Épicerie solidaire du Pays d'Allaire"
