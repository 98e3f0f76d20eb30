from datetime import UTC, datetime

from icalendar import Calendar
from sqlalchemy import select

from app.sessions import services
from app.sessions.models import AccompanimentSession, CalendarFeed
from tests.factories import UserFactory


def _feed_path(client):
    body = client.get("/sessions/agenda/abonnement").get_data(as_text=True)
    start = body.index("/sessions/ical/")
    return body[start : body.index('"', start)]


def test_feed_across_daylight_saving_change(client, advisor, login_as, db, monkeypatch):
    monkeypatch.setattr(services, "FEED_PAST_DAYS", 100_000)
    login_as(advisor)
    for day in ("2026-03-28", "2026-03-30"):
        response = client.post(
            "/sessions/new",
            data={
                "kind": "individual",
                "title": f"RDV {day}",
                "day": day,
                "start_time": "10:00",
                "duration_minutes": "90",
                "advisors": [advisor.id],
                "funding_programme_id": "None",
                "private_notes": "Ne pas diffuser",
                "action": "save",
            },
        )
        assert response.status_code == 302
    stored = sorted(s.starts_at for s in db.session.scalars(select(AccompanimentSession)))
    assert stored == [datetime(2026, 3, 28, 9, 0, tzinfo=UTC), datetime(2026, 3, 30, 8, 0, tzinfo=UTC)]

    client.post("/sessions/agenda/abonnement/regenerer")
    path = _feed_path(client)
    client.post("/logout")
    response = client.get(path)  # no login needed
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert b"Ne pas diffuser" not in response.data
    cal = Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    assert [str(e["SUMMARY"]) for e in events] == ["RDV 2026-03-28", "RDV 2026-03-30"]
    for event in events:
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute) == (10, 0)
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event.decoded("DTEND") - start == __import__("datetime").timedelta(minutes=90)
    assert events[0].decoded("DTSTART").utcoffset().total_seconds() == 3600
    assert events[1].decoded("DTSTART").utcoffset().total_seconds() == 7200


def test_feed_lists_only_the_users_seances(client, advisor, login_as, pole, db, monkeypatch):
    monkeypatch.setattr(services, "FEED_PAST_DAYS", 100_000)
    from tests.sessions.factories import SessionFactory

    mine = SessionFactory(pole=pole, title="La mienne")
    mine.advisors = [advisor]
    SessionFactory(pole=pole, title="Celle d'une collègue").advisors = [UserFactory(pole=pole)]
    feed = services.regenerate_calendar_feed(advisor)
    response = client.get(f"/sessions/ical/{feed.token}.ics")
    assert b"La mienne" in response.data and "collègue".encode() not in response.data


def test_wrong_token_is_404(client, db):
    assert client.get("/sessions/ical/not-a-token.ics").status_code == 404


# A 404 rolls the test transaction back, so each check of a dead token comes last in its test.
def test_regenerated_token_replaces_the_old_one(client, advisor, login_as, db):
    login_as(advisor)
    client.post("/sessions/agenda/abonnement/regenerer")
    first = _feed_path(client)
    assert client.get(first).status_code == 200
    client.post("/sessions/agenda/abonnement/regenerer")
    second = _feed_path(client)
    assert second != first
    assert client.get(second).status_code == 200
    assert client.get(first).status_code == 404


def test_revoked_token_is_404(client, advisor, login_as, db):
    login_as(advisor)
    client.post("/sessions/agenda/abonnement/regenerer")
    path = _feed_path(client)
    client.post("/sessions/agenda/abonnement/revoquer")
    assert db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == advisor.id)) is None
    assert "abonnement active" in client.get("/sessions/agenda/abonnement").get_data(as_text=True)
    assert client.get(path).status_code == 404


def test_deactivated_user_feed_is_404(client, advisor, db):
    feed = services.regenerate_calendar_feed(advisor)
    advisor.active = False
    db.session.flush()
    assert client.get(f"/sessions/ical/{feed.token}.ics").status_code == 404
