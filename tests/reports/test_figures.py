"""Precomputed monthly figures: the long reports read them, and every edit keeps them right.

Each check compares the report computed from the monthly figures with the same report read
from the records (PRECOMPUTED_FIGURES off), after edits made the way users make them.
"""

from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import delete, select

from app.reports.figures import split_period
from app.reports.indicators import funder_indicators
from app.reports.models import POLE_WIDE, MonthlyFigureState, MonthlyParticipant
from app.reports.periods import Period
from app.reports.regional import regional_report
from app.sessions.models import AccompanimentSession, Attendance
from tests.factories import UserFactory
from tests.reports import factories as f
from tests.reports.factories import paris

TODAY = "2026-11-15 10:00:00"


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(TODAY):
        yield


@pytest.fixture
def world(pole, db):
    """A collective of three members with séances from August to November 2026."""
    collective = f.CollectiveFactory(pole=pole, name="Jardin partagé")
    members = [f.PersonFactory(pole=pole) for _ in range(3)]
    memberships = [
        f.MembershipFactory(pole=pole, collective_id=collective.id, person_id=person.id) for person in members
    ]
    sessions = {}
    for month, day in ((8, 5), (8, 20), (9, 9), (10, 14), (11, 3)):
        session = f.SessionFactory(
            pole=pole, kind="workshop", collective_id=collective.id, starts_at=paris(2026, month, day)
        )
        sessions[(month, day)] = session
        for index, person in enumerate(members):
            status = "present" if (index + day) % 3 else "absent"
            f.AttendanceFactory(pole=pole, session_id=session.id, person_id=person.id, status=status)
    governance = f.SessionFactory(pole=pole, kind="governance", starts_at=paris(2026, 9, 30, 18))
    f.AttendanceFactory(pole=pole, session_id=governance.id, person_id=members[0].id, status="excused")
    return {"collective": collective, "members": members, "memberships": memberships, "sessions": sessions}


def _both(app, compute):
    """The result read from the monthly figures, and the same read from the records."""
    cached = compute()
    app.config["PRECOMPUTED_FIGURES"] = False
    try:
        raw = compute()
    finally:
        app.config["PRECOMPUTED_FIGURES"] = True
    return cached, raw


PERIODS = (("2026-08-01", "2026-10-31"), ("2026-08-15", "2026-11-20"), ("2026-01-01", "2026-11-30"))


def _assert_indicators_exact(app, pole):
    for start, end in PERIODS:
        cached, raw = _both(app, lambda s=start, e=end: funder_indicators(pole, s, e))
        assert cached == raw, (start, end)
    cached, raw = _both(app, lambda: regional_report("2026-10"))
    assert cached == raw
    return cached


def _fresh(db, pole, month: str) -> bool:
    state = db.session.get(MonthlyFigureState, (pole.id, month))
    epoch = db.session.get(MonthlyFigureState, (pole.id, POLE_WIDE))
    return (
        state is not None
        and state.computed_version == state.version
        and state.computed_epoch == (epoch.version if epoch else 0)
    )


def test_split_into_closed_months_and_the_rest():
    split = split_period(
        Period(date(2026, 8, 15), date(2026, 11, 20), "Europe/Paris"), today=date(2026, 11, 15)
    )
    assert split.months == ["2026-09", "2026-10"]
    assert [(p.first, p.last) for p in split.rest] == [
        (date(2026, 8, 15), date(2026, 8, 31)),
        (date(2026, 11, 1), date(2026, 11, 20)),
    ]
    whole = split_period(
        Period(date(2026, 1, 1), date(2026, 10, 31), "Europe/Paris"), today=date(2026, 11, 1)
    )
    assert len(whole.months) == 10 and whole.rest == []
    current = split_period(
        Period(date(2026, 11, 1), date(2026, 11, 30), "Europe/Paris"), today=date(2026, 11, 15)
    )
    assert current.months == [] and len(current.rest) == 1


def test_reports_read_the_monthly_figures_once_computed(app, db, pole, world, count_queries):
    first = funder_indicators(pole, "2026-08-01", "2026-10-31")
    assert first["regularity"]["members"] == 3
    assert first["governance"]["meetings"] == 1
    assert all(_fresh(db, pole, month) for month in ("2026-08", "2026-09", "2026-10"))
    assert db.session.scalar(
        select(MonthlyParticipant.person_id).where(MonthlyParticipant.month == "2026-08")
    )
    with count_queries() as counter:
        again = funder_indicators(pole, "2026-08-01", "2026-10-31")
    assert again == first
    # Fresh figures: no séance or attendance record is read again for those months.
    assert not [s for s in counter.statements if "FROM attendances" in s or "JOIN attendances" in s]
    _assert_indicators_exact(app, pole)


def test_attendance_corrected_later(app, client, db, login_as, advisor, pole, world):
    _assert_indicators_exact(app, pole)
    session = world["sessions"][(9, 9)]
    anne, bruno, chloe = world["members"]
    login_as(advisor)
    response = client.post(
        f"/sessions/{session.id}/presences",
        data={
            "attendee": [anne.id, bruno.id, chloe.id],
            f"status-{anne.id}": "absent",
            f"status-{bruno.id}": "absent",
            f"status-{chloe.id}": "excused",
        },
    )
    assert response.status_code == 302
    assert not _fresh(db, pole, "2026-09")
    assert _fresh(db, pole, "2026-08")  # other months keep their figures
    result = _assert_indicators_exact(app, pole)
    assert result["poles"][0]["year_to_date"]["sessions"] == 5  # January to October


def test_seance_logged_in_a_past_month_and_moved(app, client, db, login_as, advisor, pole, world):
    before = _assert_indicators_exact(app, pole)
    anne, bruno, _chloe = world["members"]
    login_as(advisor)
    form = {
        "kind": "workshop",
        "title": "Atelier rattrapage",
        "day": "2026-08-25",
        "start_time": "14:00",
        "duration_minutes": "90",
        "place": "Redon",
        "funding_programme_id": "None",
        "collective_id": str(world["collective"].id),
        "attendee": [str(anne.id), str(bruno.id)],
        f"status-{anne.id}": "present",
        f"status-{bruno.id}": "present",
    }
    response = client.post("/sessions/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    after = _assert_indicators_exact(app, pole)
    assert after["poles"][0]["year_to_date"]["sessions"] == before["poles"][0]["year_to_date"]["sessions"] + 1
    # Moved from August to October: both months change.
    created = db.session.scalar(
        select(AccompanimentSession).where(AccompanimentSession.title == "Atelier rattrapage")
    )
    response = client.post(f"/sessions/{created.id}/edit", data={**form, "day": "2026-10-02"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert not _fresh(db, pole, "2026-08") and not _fresh(db, pole, "2026-10")
    _assert_indicators_exact(app, pole)


def test_membership_dates_change_every_month(app, client, db, login_as, advisor, pole, world):
    _assert_indicators_exact(app, pole)
    membership = world["memberships"][2]
    login_as(advisor)
    response = client.post(
        f"/collectives/{world['collective'].id}/members/{membership.id}/leave", data={"left_on": "2026-09-01"}
    )
    assert response.status_code == 302
    assert not _fresh(db, pole, "2026-10")  # the pole's epoch moved
    result = funder_indicators(pole, "2026-08-01", "2026-10-31")
    assert result["regularity"]["members"] == 3  # still a member in August
    _assert_indicators_exact(app, pole)


def test_bulk_statements_through_the_session_invalidate(app, db, pole, world):
    _assert_indicators_exact(app, pole)
    session = world["sessions"][(10, 14)]
    db.session.execute(delete(Attendance).where(Attendance.session_id == session.id))
    assert not _fresh(db, pole, "2026-10")
    _assert_indicators_exact(app, pole)


def test_other_poles_figures_stay(app, db, pole, other_pole, world):
    outsider = f.PersonFactory(pole=other_pole)
    elsewhere = f.SessionFactory(pole=other_pole, kind="workshop", starts_at=paris(2026, 9, 9))
    f.AttendanceFactory(pole=other_pole, session_id=elsewhere.id, person_id=outsider.id)
    _assert_indicators_exact(app, pole)
    f.AttendanceFactory(
        pole=other_pole,
        session_id=f.SessionFactory(pole=other_pole, starts_at=paris(2026, 9, 10)).id,
        person_id=outsider.id,
    )
    assert _fresh(db, pole, "2026-09")
    assert not _fresh(db, other_pole, "2026-09")
    result = _assert_indicators_exact(app, pole)
    assert result["total"]["year_to_date"]["sessions"] == 5 + 2


def test_a_cold_start_is_spread_over_requests(app, db, pole, world):
    app.config["PRECOMPUTED_FIGURES_BUDGET"] = 1
    try:
        months = ("2026-08", "2026-09", "2026-10")
        first = funder_indicators(pole, "2026-08-01", "2026-10-31")
        assert [_fresh(db, pole, m) for m in months] == [True, False, False]
        funder_indicators(pole, "2026-08-01", "2026-10-31")
        last = funder_indicators(pole, "2026-08-01", "2026-10-31")
        assert all(_fresh(db, pole, m) for m in months)
        assert last == first
    finally:
        app.config["PRECOMPUTED_FIGURES_BUDGET"] = 24


def test_the_time_budget_stops_after_the_first_month(app, db, pole, world, monkeypatch):
    monkeypatch.setitem(app.config, "PRECOMPUTED_FIGURES_BUDGET_SECONDS", 0.0)
    first = funder_indicators(pole, "2026-08-01", "2026-10-31")
    assert [_fresh(db, pole, m) for m in ("2026-08", "2026-09", "2026-10")] == [True, False, False]
    monkeypatch.setitem(app.config, "PRECOMPUTED_FIGURES", False)
    assert funder_indicators(pole, "2026-08-01", "2026-10-31") == first


def test_report_pages_keep_what_they_computed(client, db, login_as, advisor, pole, world):
    login_as(advisor)
    response = client.get("/reports/indicators?start=2026-08-01&end=2026-10-31")
    assert response.status_code == 200
    assert "Jardin partagé" in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(_fresh(db, pole, m) for m in ("2026-08", "2026-09", "2026-10"))


def test_refresh_figures_command(runner, db, pole, world):
    result = runner.invoke(args=["report", "refresh-figures", "--pole", pole.slug, "--months", "6"])
    assert result.exit_code == 0, result.output
    assert "6 mois recalculé(s) pour 1 pôle(s)." in result.output
    assert all(_fresh(db, pole, m) for m in ("2026-05", "2026-08", "2026-10"))
    again = runner.invoke(args=["report", "refresh-figures", "--pole", pole.slug, "--months", "6"])
    assert "0 mois recalculé(s)" in again.output
    unknown = runner.invoke(args=["report", "refresh-figures", "--pole", "nulle-part"])
    assert unknown.exit_code == 2 and "pôle inconnu" in unknown.output


def test_edits_on_expired_records_are_seen(app, db, pole, world):
    _assert_indicators_exact(app, pole)
    session = world["sessions"][(10, 14)]
    attendance = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id))
    db.session.commit()  # every loaded record is expired, the séance too
    db.session.refresh(session)
    db.session.expire(session, ["starts_at"])  # only the date left to load
    attendance.status = "excused" if attendance.status == "present" else "present"
    db.session.flush()
    assert not _fresh(db, pole, "2026-10")
    _assert_indicators_exact(app, pole)


def _grow(pole, collectives: int, months=(8, 9, 10)) -> None:
    """More collectives, members and séances in the same months."""
    for n in range(collectives):
        collective = f.CollectiveFactory(pole=pole, name=f"Collectif {n}")
        people = [f.PersonFactory(pole=pole) for _ in range(4)]
        for person in people:
            f.MembershipFactory(pole=pole, collective_id=collective.id, person_id=person.id)
        for month in months:
            session = f.SessionFactory(
                pole=pole, kind="workshop", collective_id=collective.id, starts_at=paris(2026, month, 12)
            )
            for person in people:
                f.AttendanceFactory(pole=pole, session_id=session.id, person_id=person.id)


def test_report_pages_query_counts_do_not_grow(
    client, db, login_as, advisor, pole, other_pole, world, count_queries
):
    def counts() -> tuple[int, int]:
        login_as(advisor)
        client.get("/reports/indicators?start=2026-08-01&end=2026-10-31")  # figures made fresh
        with count_queries() as indicators:
            assert client.get("/reports/indicators?start=2026-08-01&end=2026-10-31").status_code == 200
        client.post("/logout")
        login_as(regional)
        client.get("/reports/regional?month=2026-10")
        with count_queries() as regional_page:
            assert client.get("/reports/regional?month=2026-10").status_code == 200
        client.post("/logout")
        return indicators.count, regional_page.count

    regional = UserFactory(pole=None, role="regional")
    small = counts()
    _grow(pole, 6)
    _grow(other_pole, 3)
    assert counts() == small


def test_regional_reads_fresh_poles_from_figures_and_the_others_from_records(
    app, db, pole, other_pole, world, monkeypatch
):
    _grow(other_pole, 2)
    first, second = sorted((pole, other_pole), key=lambda p: p.id)
    # January to October for two poles is 20 (pole, month) pairs: only the first pole's fit.
    monkeypatch.setitem(app.config, "PRECOMPUTED_FIGURES_BUDGET", 10)
    report = regional_report("2026-10")
    assert _fresh(db, first, "2026-09") and not _fresh(db, second, "2026-09")
    monkeypatch.setitem(app.config, "PRECOMPUTED_FIGURES", False)
    assert regional_report("2026-10") == report
    monkeypatch.setitem(app.config, "PRECOMPUTED_FIGURES", True)
    monkeypatch.setitem(app.config, "PRECOMPUTED_FIGURES_BUDGET", 24)
    assert regional_report("2026-10") == report
    assert _fresh(db, second, "2026-09")
