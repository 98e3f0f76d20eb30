"""French by the book: elision before a vowel or a mute h, real plurals."""

import pytest

from app.core.formatting import elides
from tests.sessions.factories import AttendanceFactory, PersonFactory, SessionFactory


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Awa", True),
        ("Élodie", True),
        ("Hélène", True),
        ("Yves", True),
        ("Ines", True),
        ("Yann", False),
        ("Bruno", False),
        ("", False),
        (None, False),
    ],
)
def test_elides(name, expected):
    assert elides(name) is expected


def test_person_seances_caption_elides(client, advisor, login_as, pole):
    awa = PersonFactory(pole=pole, first_name="Awa", last_name="Le Gall")
    yann = PersonFactory(pole=pole, first_name="Yann", last_name="Guého")
    session = SessionFactory(pole=pole)
    AttendanceFactory(session=session, person=awa, status="present")
    AttendanceFactory(session=session, person=yann, status="present")
    login_as(advisor)
    assert "Séances d'Awa Le Gall" in client.get(f"/sessions/personnes/{awa.id}/presences").get_data(
        as_text=True
    )
    assert "Séances de Yann Guého" in client.get(f"/sessions/personnes/{yann.id}/presences").get_data(
        as_text=True
    )


def test_attendance_counts_are_real_plurals(client, advisor, login_as, pole):
    session = SessionFactory(pole=pole)
    for status in ("present", "present", "absent"):
        AttendanceFactory(session=session, person=PersonFactory(pole=pole), status=status)
    login_as(advisor)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "2 présent·es" in page and "1 absent·e," in page and "(s)" not in page
