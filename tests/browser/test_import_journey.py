from app.auth.services import create_user
from app.poles.services import create_pole

PASSWORD = "une phrase de passe solide"
FILE = (
    "Nom;Prénom;E-mail;Code postal\r\n"
    "Le Hénaff;Élodie;elodie@example.org;35600\r\n"
    "Guého;Yann;pas-une-adresse;\r\n"
)


def test_admin_imports_people_from_a_spreadsheet_export(page, seed, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "imports"))
    seed(
        lambda: create_user(
            "camille@example.org",
            "admin",
            create_pole("cades", "CADES"),
            full_name="Camille",
            password=PASSWORD,
        )
    )
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("camille@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="Importer des données").click()
    page.get_by_label("Type de données").select_option("people")
    page.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": FILE.encode("cp1252")}]
    )
    page.get_by_role("button", name="Prévisualiser l'import").click()
    assert "Prévisualisation de l'import" in page.locator("h1").inner_text()
    rejected = page.get_by_role("table", name="Lignes rejetées")
    assert "adresse invalide" in rejected.inner_text() and "3" in rejected.inner_text()
    assert "Élodie Le Hénaff" in page.get_by_role("table", name="Lignes acceptées").inner_text()
    page.get_by_label("Ignorer les lignes invalides").check()
    page.get_by_role("button", name="Confirmer l'import").click()
    assert "Import effectué" in page.locator("h1").inner_text()
    assert "1 enregistrement créé" in page.content()
