"""Shortcuts where the work starts: « Saisir une séance » and « Orienter » from a person, a
collective and a dossier, prefilled from the query string; the record pages list dossiers and
séances."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.core.models import utcnow
from app.poles.models import Thematic
from tests.sessions.factories import AccompanimentFactory, PersonFactory, SessionFactory


def _thematics(db, pole, n=2):
    stmt = select(Thematic).where(Thematic.pole_id == pole.id).order_by(Thematic.id)
    return db.session.scalars(stmt).all()[:n]


def _checked_attendees(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'name="attendee" value="(\d+)"', page)}


def _selected(page: str, name: str) -> set[int]:
    """Values of the ticked `name` checkboxes."""
    return {int(v) for v in re.findall(rf'name="{name}" value="(\d+)" checked', page)}


def test_person_page_lists_dossiers_with_shortcuts(client, advisor, login_as, pole):
    awa = PersonFactory(pole=pole, first_name="Awa", last_name="Le Gall")
    dossier = AccompanimentFactory(pole=pole, person_id=awa.id, title="Épicerie solidaire")
    login_as(advisor)
    page = client.get(f"/people/{awa.id}").get_data(as_text=True)
    assert f"Épicerie solidaire — Awa Le Gall — n° {dossier.id}" in page
    assert f'href="/sessions/new?person={awa.id}"' in page
    assert f'href="/referrals/new?person_id={awa.id}"' in page
    assert f'href="/sessions/new?accompaniment={dossier.id}"' in page
    assert f'href="/referrals/new?accompaniment_id={dossier.id}"' in page


def test_new_seance_from_a_person_prefills_participant_dossier_and_thematics(
    client, advisor, login_as, pole, db
):
    awa = PersonFactory(pole=pole, first_name="Awa", last_name="Le Gall")
    dossier = AccompanimentFactory(pole=pole, person_id=awa.id, title="Épicerie solidaire")
    dossier.thematics = _thematics(db, pole)
    AccompanimentFactory(pole=pole, person_id=awa.id, title="Ancien projet", status="closed")
    db.session.flush()
    login_as(advisor)
    page = client.get(f"/sessions/new?person={awa.id}").get_data(as_text=True)
    assert _checked_attendees(page) == {awa.id}
    assert _selected(page, "accompaniments") == {dossier.id}
    assert _selected(page, "thematics") == {t.id for t in dossier.thematics}


def test_new_seance_from_a_collective_prefills_members_and_kind(
    client, advisor, login_as, pole, collective_dossier
):
    collective, dossier, members, gone = collective_dossier
    login_as(advisor)
    page = client.get(f"/collectives/{collective.id}").get_data(as_text=True)
    assert f'href="/sessions/new?collective={collective.id}"' in page
    assert f'href="/referrals/new?collective_id={collective.id}"' in page
    assert f"Ouvrir le tiers-lieu — {collective.name} — n° {dossier.id}" in page
    page = client.get(f"/sessions/new?collective={collective.id}").get_data(as_text=True)
    assert _checked_attendees(page) == {m.id for m in members}
    assert _selected(page, "accompaniments") == {dossier.id}
    assert re.search(r'<option selected value="workshop">', page)


def test_collective_page_lists_its_seances(client, advisor, login_as, pole, collective_dossier):
    collective, dossier, members, _gone = collective_dossier
    held = SessionFactory(pole=pole, title="Atelier statuts", starts_at=utcnow() - timedelta(days=3))
    held.accompaniments = [dossier]
    SessionFactory(pole=pole, title="Séance d'un autre collectif", starts_at=utcnow() - timedelta(days=2))
    login_as(advisor)
    page = client.get(f"/collectives/{collective.id}").get_data(as_text=True)
    assert f'href="/sessions/{held.id}"' in page and "Atelier statuts" in page
    assert "un autre collectif" not in page


def test_shortcut_ids_of_another_pole_prefill_nothing(client, advisor, login_as, other_pole, db):
    stranger = PersonFactory(pole=other_pole)
    AccompanimentFactory(pole=other_pole, person_id=stranger.id)
    login_as(advisor)
    response = client.get(f"/sessions/new?person={stranger.id}&collective=999999")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _checked_attendees(page) == set()
    assert stranger.last_name not in page
