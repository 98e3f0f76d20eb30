"""People are found as people type them: any word order, part of a word, no accents, in every
person picker (the people list, the séance form and the attendance page)."""

import pytest

from app.people.services import create_person, search_persons
from tests.sessions.factories import SessionFactory

QUERIES = ["awa le gall", "Awa Le Gall", "le gall", "gall awa", "GALL", "âwà gàll", "le gal awa"]


@pytest.fixture
def awa(pole, db):
    person = create_person(pole, first_name="Awa", last_name="Le Gall", email="awa@example.org")
    create_person(pole, first_name="Awa", last_name="Diallo")
    create_person(pole, first_name="Loïc", last_name="Le Goff")
    db.session.flush()
    return person


@pytest.mark.parametrize("query", QUERIES)
def test_search_service_any_order_partial_no_accents(pole, awa, query):
    assert [p.full_name for p in search_persons(pole, query)] == ["Awa Le Gall"]


def test_every_word_must_match(pole, awa):
    assert search_persons(pole, "awa gall diallo") == []
    assert {p.full_name for p in search_persons(pole, "awa")} == {"Awa Le Gall", "Awa Diallo"}
    assert search_persons(pole, "a") == []  # one character offers nothing


def test_other_pole_is_never_found(pole, other_pole, awa, db):
    create_person(other_pole, first_name="Awa", last_name="Le Gall", email="awa@elsewhere.org")
    db.session.flush()
    assert [p.id for p in search_persons(pole, "gall awa")] == [awa.id]


@pytest.mark.parametrize("query", ["awa le gall", "gall awa"])
def test_people_list(client, advisor, login_as, awa, query):
    login_as(advisor)
    page = client.get("/people/", query_string={"q": query}).get_data(as_text=True)
    assert "Le Gall" in page and "Diallo" not in page and "Le Goff" not in page


@pytest.mark.parametrize("query", ["awa le gall", "gall awa"])
def test_attendance_page_picker(client, advisor, login_as, pole, awa, query):
    session = SessionFactory(pole=pole)
    login_as(advisor)
    page = client.get(f"/sessions/{session.id}/presences", query_string={"q": query}).get_data(as_text=True)
    assert f'name="add_person" value="{awa.id}"' in page
    assert "Diallo" not in page


@pytest.mark.parametrize("query", ["awa le gall", "gall awa"])
def test_seance_form_picker(client, advisor, login_as, awa, query):
    login_as(advisor)
    page = client.post(
        "/sessions/new", data={"action": "search", "person_q": query, "title": "x"}
    ).get_data(as_text=True)
    assert f'name="add_person" value="{awa.id}"' in page
    assert "Diallo" not in page
