from app.auth.services import create_user
from app.poles.services import create_pole

PASSWORD = "une phrase de passe solide"


def test_advisor_records_a_phone_request_opens_a_dossier_and_moves_it_on(page, seed):
    seed(
        lambda: create_user(
            "yann@example.org",
            "advisor",
            create_pole("cades", "CADES Pays de Redon"),
            full_name="Yann",
            password=PASSWORD,
        )
    )
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("yann@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")

    # The phone rings: record the request.
    page.get_by_role("link", name="Sollicitations").click()
    page.locator("a", has_text="Nouvelle sollicitation").click()
    assert page.get_by_label("Canal").input_value() == "phone"
    page.get_by_label("Qui ? (nom, téléphone… si la personne n'est pas encore connue)").fill(
        "Léa Martin 06 12 34 56 78"
    )
    page.get_by_label("Besoin exprimé").fill("Monter une recyclerie associative")
    page.get_by_label("Modèle économique").check()
    page.get_by_role("button", name="Enregistrer la sollicitation").click()
    page.wait_for_url("**/requests/*")
    assert "Sollicitation enregistrée." in page.content()
    assert page.locator("h1").inner_text() == "Sollicitation de Léa Martin 06 12 34 56 78"

    # Open a dossier from it: the person is created at the same time.
    page.locator("a", has_text="Ouvrir un dossier").click()
    assert page.get_by_label("Prénom").input_value() == "Léa"
    assert page.locator("#last_name").input_value() == "Martin"
    assert page.get_by_label("Téléphone (facultatif)").input_value() == "06 12 34 56 78"
    assert page.get_by_label("Modèle économique").is_checked()
    page.get_by_label("Titre du projet").fill("Recyclerie du Pays de Redon")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    page.wait_for_url("**/accompaniments/*")
    assert page.locator("h1").inner_text() == "Recyclerie du Pays de Redon"
    assert "Léa Martin" in page.locator(".lead").inner_text()
    assert page.locator(".stage-current").inner_text().strip().endswith("Accueil")

    # Move it to the next stage.
    assert page.get_by_label("Nouvelle étape").locator("option:checked").inner_text() == "Diagnostic partagé"
    page.get_by_label("Commentaire").fill("Premier rendez-vous fait")
    page.get_by_role("button", name="Changer d'étape").click()
    page.wait_for_url("**/accompaniments/*")
    assert "Le dossier est passé à l'étape « Diagnostic partagé »." in page.content()
    assert page.locator(".stage-current").inner_text().strip().endswith("Diagnostic partagé")
    assert "Premier rendez-vous fait" in page.locator(".timeline").inner_text()
