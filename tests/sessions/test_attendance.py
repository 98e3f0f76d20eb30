import re
from datetime import UTC, datetime, timedelta
from html import unescape

from freezegun import freeze_time
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.models import utcnow
from tests.factories import UserFactory
from tests.sessions.factories import AttendanceFactory, PersonFactory, SessionFactory


def test_correct_attendance_later(client, advisor, login_as, pole, db):
    session = SessionFactory(pole=pole)
    anne, bruno = PersonFactory(pole=pole), PersonFactory(pole=pole)
    AttendanceFactory(session=session, person=anne, status="invited")
    AttendanceFactory(session=session, person=bruno, status="invited")
    login_as(advisor)
    page = client.get(f"/sessions/{session.id}/presences").get_data(as_text=True)
    assert f'aria-label="{anne.full_name} : Absent·e"' in page
    response = client.post(
        f"/sessions/{session.id}/presences",
        data={
            "attendee": [anne.id, bruno.id],
            f"status-{anne.id}": "present",
            f"status-{bruno.id}": "absent",
        },
        follow_redirects=True,
    )
    assert "Présences enregistrées." in response.get_data(as_text=True)
    db.session.expire_all()
    assert {a.person_id: a.status for a in session.attendances} == {anne.id: "present", bruno.id: "absent"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.update")).one()
    assert event.changes[str(bruno.id)] == ["invited", "absent"]
    assert (event.actor_id, event.pole_id) == (advisor.id, pole.id)
    assert (event.target_type, event.target_id) == ("AccompanimentSession", session.id)


def test_add_by_get_search_and_remove(client, advisor, login_as, pole, db):
    session = SessionFactory(pole=pole)
    anne = PersonFactory(pole=pole)
    AttendanceFactory(session=session, person=anne)
    walk_in = PersonFactory(pole=pole, first_name="Zoé", last_name="Passante")
    login_as(advisor)
    page = client.get(f"/sessions/{session.id}/presences?q=passante").get_data(as_text=True)
    assert f'name="add_person" value="{walk_in.id}"' in page
    client.post(
        f"/sessions/{session.id}/presences",
        data={"attendee": [anne.id], f"status-{anne.id}": "present", "add_person": walk_in.id},
    )
    db.session.expire_all()
    assert {a.person_id: a.status for a in session.attendances} == {anne.id: "present", walk_in.id: "present"}
    client.post(
        f"/sessions/{session.id}/presences",
        data={"attendee": [anne.id, walk_in.id], "remove_person": anne.id},
    )
    db.session.expire_all()
    assert [a.person_id for a in session.attendances] == [walk_in.id]


def test_other_pole_person_cannot_be_added(client, advisor, login_as, pole, other_pole, db):
    session = SessionFactory(pole=pole)
    stranger = PersonFactory(pole=other_pole)
    login_as(advisor)
    client.post(f"/sessions/{session.id}/presences", data={"add_person": stranger.id})
    db.session.expire_all()
    assert session.attendances == []


def _unfilled_fixture(pole, advisor):
    past_unfilled = SessionFactory(pole=pole, title="Atelier oublié", starts_at=utcnow() - timedelta(days=3))
    past_unfilled.advisors = [advisor]
    past_done = SessionFactory(pole=pole, title="Atelier complet", starts_at=utcnow() - timedelta(days=2))
    future = SessionFactory(pole=pole, title="Atelier futur", starts_at=utcnow() + timedelta(days=2))
    someone_else = SessionFactory(
        pole=pole, title="Atelier d'une collègue", starts_at=utcnow() - timedelta(days=4)
    )
    for s, status in (
        (past_unfilled, "invited"),
        (past_done, "present"),
        (future, "invited"),
        (someone_else, "invited"),
    ):
        AttendanceFactory(session=s, person=PersonFactory(pole=pole), status=status)
    AttendanceFactory(session=past_unfilled, person=PersonFactory(pole=pole), status="present")
    return past_unfilled


def test_not_filled_in_on_agenda_and_home(client, advisor, admin, login_as, pole):
    _unfilled_fixture(pole, advisor)
    login_as(advisor)
    agenda = client.get("/sessions/agenda").get_data(as_text=True)
    section = agenda.split('id="unfilled-title"')[1]
    assert "Atelier oublié" in section and "1 à renseigner" in section
    assert "Atelier complet" not in section and "Atelier futur" not in section
    home = client.get("/").get_data(as_text=True)
    assert "Présences non renseignées" in home
    assert "Atelier oublié" in home
    assert "Atelier d&#39;une collègue" not in home  # an advisor sees their own séances


def test_admin_home_lists_whole_pole(client, advisor, admin, login_as, pole):
    _unfilled_fixture(pole, advisor)
    login_as(admin)
    home = client.get("/").get_data(as_text=True)
    assert "Atelier oublié" in home and "Atelier d&#39;une collègue" in home


def test_holder_sees_no_unfilled_section(client, pole):
    holder = UserFactory(pole=pole, role="holder")
    client.post("/login", data={"email": holder.email, "password": "correct horse battery staple"})
    assert "Présences non renseignées" not in client.get("/").get_data(as_text=True)


def test_agenda_week_month_navigation_and_filters(client, advisor, login_as, pole):
    other = UserFactory(pole=pole, role="advisor")
    a = SessionFactory(
        pole=pole,
        title="Permanence du lundi",
        kind="permanence",
        starts_at=datetime(2026, 3, 9, 9, 0, tzinfo=UTC),
    )
    a.advisors = [advisor]
    b = SessionFactory(
        pole=pole,
        title="Formation compta",
        kind="training",
        starts_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
    )
    b.advisors = [other]
    b.thematics = [pole_thematic(pole)]
    SessionFactory(pole=pole, title="Atelier d'avril", starts_at=datetime(2026, 4, 2, 9, 0, tzinfo=UTC))
    login_as(advisor)
    week = client.get("/sessions/agenda?d=2026-03-11").get_data(as_text=True)
    assert "Permanence du lundi" in week and "Formation compta" in week and "avril" not in week
    assert "d=2026-03-02" in week and "d=2026-03-16" in week  # previous / next week
    month = client.get("/sessions/agenda?view=month&d=2026-03-20").get_data(as_text=True)
    assert "Permanence du lundi" in month and "Atelier d&#39;avril" not in month
    assert "d=2026-02-01" in month and "d=2026-04-01" in month
    april = client.get("/sessions/agenda?view=month&d=2026-04-01").get_data(as_text=True)
    assert "Atelier d&#39;avril" in april
    by_kind = client.get("/sessions/agenda?d=2026-03-11&kind=training").get_data(as_text=True)
    assert "Formation compta" in by_kind and "Permanence du lundi" not in by_kind
    by_advisor = client.get(f"/sessions/agenda?d=2026-03-11&advisor={advisor.id}").get_data(as_text=True)
    assert "Permanence du lundi" in by_advisor and "Formation compta" not in by_advisor
    by_thematic = client.get(f"/sessions/agenda?d=2026-03-11&thematic={b.thematics[0].id}").get_data(
        as_text=True
    )
    assert "Formation compta" in by_thematic and "Permanence du lundi" not in by_thematic


def _agenda_text(html: str) -> str:
    """The agenda's days and séances as text (tags removed, spaces collapsed)."""
    days = html.split("<h3>", 1)[1].split('<section aria-labelledby="unfilled-title">')[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", "<h3>" + days)).split())


def test_agenda_days_and_times_are_local_across_daylight_saving(client, pole, login_as):
    """Europe/Paris moves to summer time on 29 March 2026 at 01:00 UTC; each séance is listed
    under its local day, at its local time, with its kind, advisors, attendance and badges."""
    zoe = UserFactory(pole=pole, role="advisor", full_name="Zoé Martin")
    alain = UserFactory(pole=pole, role="advisor", full_name="Alain Bernard")
    vigil = SessionFactory(pole=pole, title="Veillée", starts_at=datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    vigil.advisors = [zoe, alain]
    for status in ("present", "present", "invited"):
        AttendanceFactory(session=vigil, person=PersonFactory(pole=pole), status=status)
    sunday = SessionFactory(
        pole=pole,
        title="Atelier ouvert",
        kind="training",
        is_public=True,
        starts_at=datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
    )
    sunday.advisors = [zoe]
    for status in ("invited", "excused", "absent"):
        AttendanceFactory(session=sunday, person=PersonFactory(pole=pole), status=status)
    SessionFactory(pole=pole, title="Tout début", starts_at=datetime(2026, 3, 22, 23, 30, tzinfo=UTC))
    SessionFactory(pole=pole, title="Lundi minuit", starts_at=datetime(2026, 3, 29, 22, 30, tzinfo=UTC))
    with freeze_time("2026-03-29 05:00:00"):
        login_as(zoe)
        week = _agenda_text(client.get("/sessions/agenda?d=2026-03-25").get_data(as_text=True))
        following = _agenda_text(client.get("/sessions/agenda?d=2026-03-30").get_data(as_text=True))
    assert week == (
        "23 mars 2026 00:30 Tout début — Atelier collectif — 0 présent·e(s) "
        "29 mars 2026 aujourd'hui "
        "00:30 Veillée — Atelier collectif — Zoé Martin, Alain Bernard — 2 présent·e(s) "
        "présences à renseigner "
        "09:00 Atelier ouvert — Formation — Zoé Martin — 2 invité·e(s) publique"
    )
    assert following == "30 mars 2026 00:30 Lundi minuit — Atelier collectif — 0 invité·e(s)"


def pole_thematic(pole):
    from app.extensions import db
    from app.poles.models import Thematic

    return db.session.scalars(select(Thematic).where(Thematic.pole_id == pole.id)).first()


def test_agenda_query_count_constant(client, advisor, login_as, pole, count_queries):
    def add(n):
        for i in range(n):
            s = SessionFactory(pole=pole, starts_at=datetime(2026, 3, 10, 8 + i % 8, 0, tzinfo=UTC))
            s.advisors = [advisor]
            AttendanceFactory(session=s, person=PersonFactory(pole=pole))

    login_as(advisor)
    add(2)
    with count_queries() as few:
        client.get("/sessions/agenda?d=2026-03-10")
    add(10)
    with count_queries() as many:
        client.get("/sessions/agenda?d=2026-03-10")
    assert few.count == many.count
