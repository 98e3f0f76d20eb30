import re

from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.sessions.models import Attendance
from tests.conftest import PASSWORD


def _feed_url(client) -> str:
    client.post("/sessions/agenda/abonnement/regenerer")
    page = client.get("/sessions/agenda/abonnement").get_data(as_text=True)
    return re.search(r'value="http://localhost(/sessions/ical/[^"]+\.ics)"', page).group(1)


def test_holder_gets_a_private_feed_of_their_own_seances(client, world):
    assert client.post("/login", data={"email": "anne@example.org", "password": PASSWORD}).status_code == 302
    assert "abonnement iCalendar" in client.get("/portal/seances").get_data(as_text=True)
    url = _feed_url(client)
    client.post("/logout")
    response = client.get(url)  # no login: the token is the key
    assert response.status_code == 200
    titles = {str(e["summary"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}
    assert {"Rendez-vous diagnostic", "Prochain rendez-vous", "Atelier statuts (après le départ)"} <= titles
    assert "Séance de Dan" not in titles
    assert b"NOTE PRIV" not in response.data


def test_member_who_left_gets_no_new_collective_seances_in_the_feed(client, world):
    # Her invitation withdrawn, nothing but a past membership links her to the later séance.
    invited = select(Attendance).filter_by(session_id=world.s_new.id, person_id=world.chloe.id)
    db.session.delete(db.session.scalar(invited))
    db.session.flush()
    assert client.post("/login", data={"email": "chloe@example.org", "password": PASSWORD}).status_code == 302
    url = _feed_url(client)
    titles = {str(e["summary"]) for e in Calendar.from_ical(client.get(url).data).walk("VEVENT")}
    assert "Atelier gouvernance (avant le départ)" in titles
    assert "Atelier statuts (après le départ)" not in titles
