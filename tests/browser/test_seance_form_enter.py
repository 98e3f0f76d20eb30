"""Enter in « Intitulé » or in the person search of /sessions/new never runs « Préremplir les
participants »: it saves, or searches when a person is being searched."""

from app.auth.services import create_user
from app.people.services import create_person
from app.poles.services import create_pole

PASSWORD = "une phrase de passe solide"


def _seed():
    pole = create_pole("cades", "CADES Pays de Redon")
    create_user("yann@example.org", "advisor", pole, full_name="Yann", password=PASSWORD)
    create_person(pole, first_name="Awa", last_name="Le Gall")


def _login(page):
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("yann@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")


def test_enter_in_person_search_searches(page, seed):
    seed(_seed)
    _login(page)
    page.goto("/sessions/new")
    page.get_by_label("Ajouter une autre personne").fill("awa le gall")
    with page.expect_navigation():
        page.get_by_label("Ajouter une autre personne").press("Enter")
    assert "Choisissez d'abord" not in page.content()
    assert page.get_by_role("button", name="Ajouter Awa Le Gall").is_visible()


def test_enter_in_title_saves(page, seed):
    seed(_seed)
    _login(page)
    page.goto("/sessions/new")
    page.get_by_label("Intitulé").fill("Permanence du mardi")
    with page.expect_navigation():
        page.get_by_label("Intitulé").press("Enter")
    assert "Choisissez d'abord" not in page.content()
    assert "Séance enregistrée." in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "Permanence du mardi"
