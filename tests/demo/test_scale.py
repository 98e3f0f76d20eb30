"""`flask demo seed --scale …`: the synthetic benchmark data, at the tiny test size."""

from datetime import UTC

from sqlalchemy import func, select

from app.accompaniments.models import STATUSES as DOSSIER_STATUSES
from app.accompaniments.models import Accompaniment, AccompanimentStatusChange, StageTransition
from app.auth.models import User
from app.collectives.models import Membership
from app.demo.scale import BENCH_PASSWORD, SCALES
from app.extensions import db
from app.people.models import Person
from app.poles.models import Pole
from app.referrals.models import STATUSES as REFERRAL_STATUSES
from app.referrals.models import Referral, ReferralStatusChange
from app.requests.models import OUTCOMES, Request
from app.sessions.models import ATTENDANCE_STATUSES, KINDS, AccompanimentSession, Attendance
from app.sessions.services import unfilled_sessions

TINY = SCALES["tiny"]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _seed(runner, *extra):
    result = runner.invoke(args=["demo", "seed", "--scale", "tiny", *extra])
    assert result.exit_code == 0, result.output
    return result


def test_tiny_scale_has_the_requested_shape(runner, db):
    result = _seed(runner)
    assert "bench-passerelle-2026" in result.output
    poles = db.session.scalars(select(Pole).where(Pole.slug.like("pole-%"))).all()
    assert len(poles) == TINY.poles
    assert _count(Person) == TINY.poles * TINY.persons
    assert _count(AccompanimentSession) == TINY.poles * TINY.sessions
    # Attendances are aimed at, not exact: within 15 %.
    attendances = _count(Attendance)
    assert abs(attendances - TINY.poles * TINY.attendances) < 0.15 * TINY.poles * TINY.attendances
    assert _count(Accompaniment) == TINY.poles * TINY.dossiers
    assert _count(Referral) == TINY.poles * TINY.referrals
    assert _count(Request) == TINY.poles * TINY.requests
    # Each collective has 3 to 15 members.
    sizes = db.session.execute(
        select(func.count()).select_from(Membership).group_by(Membership.collective_id)
    )
    assert all(3 <= size <= 15 for (size,) in sizes)


def test_tiny_scale_respects_the_model_constraints(runner, db):
    _seed(runner)
    # Dossiers: one beneficiary, a known status, a stage, a history.
    assert (
        _count(Accompaniment, (Accompaniment.person_id.is_(None)) == (Accompaniment.collective_id.is_(None)))
        == 0
    )
    assert _count(Accompaniment, Accompaniment.status.not_in(DOSSIER_STATUSES)) == 0
    assert _count(Accompaniment, Accompaniment.current_stage_id.is_(None)) == 0
    assert _count(Accompaniment, Accompaniment.collective_id.is_not(None)) > 0
    statuses = set(db.session.scalars(select(Accompaniment.status).distinct()))
    assert {"active", "closed"} <= statuses
    assert _count(StageTransition) >= _count(Accompaniment)
    assert _count(AccompanimentStatusChange) >= _count(Accompaniment)
    # Attendance: unique per séance and person, known statuses.
    duplicates = db.session.execute(
        select(Attendance.session_id, Attendance.person_id)
        .group_by(Attendance.session_id, Attendance.person_id)
        .having(func.count() > 1)
    ).all()
    assert duplicates == []
    assert _count(Attendance, Attendance.status.not_in(ATTENDANCE_STATUSES)) == 0
    assert _count(AccompanimentSession, AccompanimentSession.kind.not_in(KINDS)) == 0
    # Attendance rows belong to the pole of their séance.
    mismatched = db.session.scalar(
        select(func.count())
        .select_from(Attendance)
        .join(AccompanimentSession, AccompanimentSession.id == Attendance.session_id)
        .where(AccompanimentSession.pole_id != Attendance.pole_id)
    )
    assert mismatched == 0
    # Orientations: known statuses, a history starting with "proposed" and ending on the status.
    assert _count(Referral, Referral.status.not_in(REFERRAL_STATUSES)) == 0
    assert _count(ReferralStatusChange) > _count(Referral)
    referral = db.session.scalars(select(Referral).where(Referral.status == "completed")).first()
    assert referral is not None
    assert [c.status for c in referral.history][0] == "proposed"
    assert referral.history[-1].status == "completed"
    assert _count(Request, Request.outcome.not_in(OUTCOMES)) == 0
    # Datetimes come back aware UTC.
    session = db.session.scalars(select(AccompanimentSession)).first()
    assert session.starts_at.tzinfo is not None and session.starts_at.utcoffset() == UTC.utcoffset(None)


def test_staff_can_log_in_and_new_rows_get_fresh_ids(runner, client, db):
    _seed(runner)
    admin = db.session.scalar(select(User).where(User.email == "admin@pole-01.bench.test"))
    assert admin is not None and admin.role == "admin"
    response = client.post("/login", data={"email": admin.email, "password": BENCH_PASSWORD})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200
    # The id sequences were moved past the chosen ids: the ORM can insert after the bulk load.
    person = Person(pole_id=admin.pole_id, first_name="Nouvelle", last_name="Personne")
    db.session.add(person)
    db.session.flush()
    assert person.id > TINY.poles * TINY.persons


def test_a_second_run_is_refused(runner, db):
    _seed(runner, "--seed", "7")
    result = runner.invoke(args=["demo", "seed", "--scale", "tiny"])
    assert result.exit_code != 0
    assert "déjà" in result.output


def test_some_recent_seances_are_left_to_fill_in(runner, db):
    _seed(runner)
    pole = db.session.scalar(select(Pole).where(Pole.slug == "pole-01"))
    assert unfilled_sessions(pole)
