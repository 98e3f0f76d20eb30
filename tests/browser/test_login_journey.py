from app.auth.services import create_user
from app.poles.services import create_pole

PASSWORD = "une phrase de passe solide"


def test_log_in_see_french_home_log_out(page, seed):
    seed(
        lambda: create_user(
            "camille@example.org",
            "admin",
            create_pole("cades", "CADES Pays de Redon"),
            full_name="Camille",
            password=PASSWORD,
        )
    )
    page.goto("/")
    assert page.locator("h1").inner_text() == "Connexion"
    page.get_by_label("Adresse e-mail").fill("camille@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Bonjour Camille"
    assert "CADES Pays de Redon" in page.content()
    page.locator("summary", has_text="Camille").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login")
    assert "Vous êtes déconnecté·e." in page.content()
    page.goto("/")
    assert page.locator("h1").inner_text() == "Connexion"
