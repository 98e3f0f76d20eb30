"""Funder indicators' regularity with excused and absent members, counted by hand.

Only « présent » is attended: an excused or absent member still had the séance to attend.
Checked through both ways the indicators read séances: the precomputed monthly figures (a
closed month) and the records (precomputed figures switched off).
"""

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.reports.indicators import funder_indicators
from app.reports.models import MonthlyMemberFigures
from tests.reports import factories as f
from tests.reports.factories import paris

# Four séances of the collective in October 2026; one row per member, one column per séance.
ATTENDANCE = {
    "Alice": ("present", "present", "excused", "absent"),  # 2 / 4
    "Bruno": ("excused", "excused", "excused", "excused"),  # 0 / 4
    "Chloé": ("absent", "absent", "present", None),  # 1 / 4 (no record for the last one)
    "Dalila": ("present", "present", "present", "present"),  # 4 / 4
}
ATTENDED = {"Alice": 2, "Bruno": 0, "Chloé": 1, "Dalila": 4}
# Shares 0.5, 0, 0.25, 1: mean 1.75 / 4 = 0.4375, rounded half-up to 0.438; one per bucket
# (a share equal to a bucket's lower bound belongs to that bucket).
EXPECTED = {
    "collective": "Atelier vélo",
    "members": 4,
    "mean_regularity": 0.438,
    "distribution": {"0-25": 1, "25-50": 1, "50-75": 1, "75-100": 1},
}


@pytest.fixture
def workshop(pole, db):
    collective = f.CollectiveFactory(pole=pole, name="Atelier vélo")
    members = {name: f.PersonFactory(pole=pole, first_name=name) for name in ATTENDANCE}
    memberships = {
        name: f.MembershipFactory(pole=pole, collective_id=collective.id, person_id=person.id)
        for name, person in members.items()
    }
    sessions = [
        f.SessionFactory(
            pole=pole, kind="workshop", collective_id=collective.id, starts_at=paris(2026, 10, day)
        )
        for day in (5, 12, 19, 26)
    ]
    for name, statuses in ATTENDANCE.items():
        for session, status in zip(sessions, statuses, strict=True):
            if status:
                f.AttendanceFactory(
                    pole=pole, session_id=session.id, person_id=members[name].id, status=status
                )
    # Someone present who is not a member: no share of their own, no effect on the members'.
    visitor = f.PersonFactory(pole=pole)
    f.AttendanceFactory(pole=pole, session_id=sessions[0].id, person_id=visitor.id, status="present")
    return memberships


def _regularity(pole) -> dict:
    result = funder_indicators(pole, "2026-10-01", "2026-10-31")["regularity"]
    assert result["members"] == 4
    assert result["distribution"] == EXPECTED["distribution"]
    return result["collectives"]


def test_regularity_from_the_precomputed_monthly_figures(app, db, pole, workshop):
    assert app.config["PRECOMPUTED_FIGURES"]
    with freeze_time("2026-11-15 10:00:00"):  # October is a closed month: read from its figures
        assert _regularity(pole) == [EXPECTED]
    stored = dict(
        db.session.execute(
            select(MonthlyMemberFigures.membership_id, MonthlyMemberFigures.attended).where(
                MonthlyMemberFigures.pole_id == pole.id, MonthlyMemberFigures.month == "2026-10"
            )
        ).all()
    )
    assert stored == {workshop[name].id: attended for name, attended in ATTENDED.items()}


def test_regularity_from_the_records(app, db, pole, workshop):
    app.config["PRECOMPUTED_FIGURES"] = False
    try:
        with freeze_time("2026-11-15 10:00:00"):
            assert _regularity(pole) == [EXPECTED]
    finally:
        app.config["PRECOMPUTED_FIGURES"] = True
    with freeze_time("2026-10-30 10:00:00"):  # the current month is always read from the records
        assert _regularity(pole) == [EXPECTED]
    assert (
        db.session.scalar(select(MonthlyMemberFigures).where(MonthlyMemberFigures.pole_id == pole.id)) is None
    )
