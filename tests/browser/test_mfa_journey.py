import pyotp

from app.auth.services import create_user
from app.poles.services import create_pole

PASSWORD = "une phrase de passe solide"


def log_in(page):
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("camille@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_admin_enrols_then_logs_in_with_a_recovery_code(page, seed, app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_ENFORCED", True)
    seed(
        lambda: create_user(
            "camille@example.org",
            "admin",
            create_pole("cades", "CADES"),
            full_name="Camille",
            password=PASSWORD,
        )
    )
    violations = []
    page.on(
        "console",
        lambda msg: (
            violations.append((page.url, msg.text)) if "Content Security Policy" in msg.text else None
        ),
    )

    log_in(page)
    page.wait_for_url("**/account/mfa")  # forced to enrol before anything else
    page.get_by_role("button", name="Configurer la double authentification").click()
    qr = page.get_by_role("img", name="Code QR")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the data: URI passes the CSP
    secret = page.locator("figcaption code").inner_text().replace(" ", "")
    page.get_by_label("Code affiché par l'application").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activer").click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("button", name="J'ai noté mes codes, continuer").click()
    assert page.locator("h1").inner_text() == "Bonjour Camille"

    page.locator("summary", has_text="Camille").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login")
    log_in(page)
    page.wait_for_url("**/login/mfa")
    page.get_by_label("Code de vérification").fill(codes[0])
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url("**/")
    assert "Il vous en reste 9" in page.content()
    assert violations == []
