"""The main menu folds behind one « Menu » button on a phone (a <details>, no JavaScript) and
stays a menu bar on a wide screen."""

from app.auth.services import create_user
from app.poles.services import create_pole

PASSWORD = "une phrase de passe solide"


def _login(page):
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("yann@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")


def _seed():
    pole = create_pole("cades", "CADES Pays de Redon")
    create_user("yann@example.org", "advisor", pole, full_name="Yann", password=PASSWORD)


def test_phone_menu_is_one_button_that_opens_without_javascript(browser, live_server, seed):
    seed(_seed)
    phone = {"width": 360, "height": 740}
    context = browser.new_context(
        locale="fr-FR", base_url=live_server, viewport=phone, java_script_enabled=False
    )
    page = context.new_page()
    try:
        _login(page)
        nav = page.get_by_role("navigation", name="Navigation principale")
        # folded: no menu link is shown (nor exposed) until « Menu » is opened
        assert nav.get_by_role("link", name="Personnes").count() == 0
        header_height = page.locator("header.site-header").bounding_box()["height"]
        assert header_height < 120, f"the header takes {header_height} px of a 740 px screen"
        nav.locator("summary", has_text="Menu").click()
        nav.get_by_role("link", name="Personnes").click()
        page.wait_for_url("**/people/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Personnes")
    finally:
        context.close()


def test_wide_screen_keeps_the_menu_bar(page, seed):
    seed(_seed)
    page.set_viewport_size({"width": 1280, "height": 720})
    _login(page)
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.get_by_role("link", name="Personnes").is_visible()
    assert not nav.locator("summary", has_text="Menu").is_visible()
