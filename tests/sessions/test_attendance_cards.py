"""Attendance in one thumb: statuses in the order advisors answer them, « tout le monde
présent » without JavaScript, one labelled radio per status."""

import re
from datetime import timedelta

from app.core.models import utcnow
from tests.sessions.factories import AttendanceFactory, PersonFactory, SessionFactory


def test_statuses_listed_present_first_invited_last(client, advisor, login_as, pole):
    session = SessionFactory(pole=pole)
    anne = PersonFactory(pole=pole)
    AttendanceFactory(session=session, person=anne, status="invited")
    login_as(advisor)
    page = client.get(f"/sessions/{session.id}/presences").get_data(as_text=True)
    values = re.findall(rf'name="status-{anne.id}" value="(\w+)"', page)
    assert values == ["present", "excused", "absent", "invited"]
    # each radio has its own visible label (the segmented button)
    for status in values:
        assert f'<label for="status-{anne.id}-{status}"' in page


def test_everyone_present_in_one_tap(client, advisor, login_as, pole, db):
    session = SessionFactory(pole=pole, starts_at=utcnow() - timedelta(hours=2))
    people = [PersonFactory(pole=pole) for _ in range(3)]
    for person, status in zip(people, ("invited", "absent", "excused"), strict=True):
        AttendanceFactory(session=session, person=person, status=status)
    login_as(advisor)
    page = client.get(f"/sessions/{session.id}/presences").get_data(as_text=True)
    assert "Tout le monde présent" in page
    response = client.post(
        f"/sessions/{session.id}/presences", data={"all_present": "1"}, follow_redirects=True
    )
    assert "Présences enregistrées." in response.get_data(as_text=True)
    db.session.expire_all()
    assert {a.status for a in session.attendances} == {"present"}
    assert len(session.attendances) == 3


def test_everyone_present_refused_for_a_future_seance(client, advisor, login_as, pole, db):
    session = SessionFactory(pole=pole, starts_at=utcnow() + timedelta(days=2))
    AttendanceFactory(session=session, person=PersonFactory(pole=pole), status="invited")
    login_as(advisor)
    assert "Tout le monde présent" not in client.get(f"/sessions/{session.id}/presences").get_data(
        as_text=True
    )
    response = client.post(
        f"/sessions/{session.id}/presences", data={"all_present": "1"}, follow_redirects=True
    )
    assert "est à venir" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [a.status for a in session.attendances] == ["invited"]
