"""Precomputed monthly figures (models in app.reports.models): filled lazily, correct under edits.

Reading. A report over a period splits it into the closed months it covers whole (their
figures come from the monthly tables) and the rest (partial months, the current month: read
from the records as before). `ensure_fresh` first checks, in one query, that every month
needed is current; the stale ones are recomputed from the records in a savepoint and
committed. On PostgreSQL the recomputation takes its row locks with NOWAIT, so a report never
waits for a writer (nor deadlocks with one); on SQLite a report that cannot take the write
lock at once does the same. Either way the report then reads those months from the records:
slower, never wrong.

Writing. Every change that can move a figure bumps the version of the (pole, month) it
touches, in the writer's own transaction: a séance created, edited or deleted (its month,
before and after), an attendance added, changed or removed (its séance's month). Changes
that can move every month of a pole bump the pole's epoch (`POLE_WIDE` state row): a
membership (its dates decide regularity), a dossier's beneficiary, a collective or person
deleted (their rows cascade in the database), the pole's time zone. The hooks are SQLAlchemy
session events, so no service has to remember them: ORM flushes (`before_flush` collects,
`after_flush` bumps) and bulk DML run through the session (`do_orm_execute`: an INSERT of
attendance rows bumps their séances' months; any other bulk statement on a watched table
bumps the epoch of the poles concerned — every pole when it cannot tell).

Why it is safe under concurrency: a recomputation locks the month's state row, reads its
version *before* reading the records, and stores the figures as computed at that version.
A writer committed before is seen; a writer still open either holds the state row (the
recomputation gives up: NOWAIT) or bumps it after, which makes the figures stale again.
"""

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, delete, distinct, event, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, attributes

from app.accompaniments.models import Accompaniment
from app.collectives.models import Collective, Membership
from app.core.scoping import current_pole_scope
from app.extensions import db
from app.people.models import Person
from app.poles.models import Pole
from app.reports.models import (
    POLE_WIDE,
    MonthlyFigureState,
    MonthlyMemberFigures,
    MonthlyParticipant,
    MonthlySessionFigures,
)
from app.reports.periods import Period, local_today, month_key, month_period, shift_month
from app.reports.services import _rows
from app.sessions.models import AccompanimentSession, Attendance, session_accompaniments

STATUSES = ("invited", "present", "excused", "absent")
WATCHED_TABLES = {"sessions", "attendances", "memberships", "session_accompaniments", "accompaniments"}


def month_of(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return month_key(local.year, local.month)


# --- splitting a period ------------------------------------------------------------------


@dataclass
class Split:
    """A period as closed whole months (from the monthly tables) and the remaining ranges."""

    months: list[str]
    rest: list[Period]


def split_period(period: Period, today: date | None = None) -> Split:
    """The whole months of `period` that ended before `today` (the pole's today), and the
    ranges left over (a partial first or last month, the current month, future days)."""
    today = today or local_today(period.zone)
    months: list[str] = []
    rest: list[Period] = []
    pending: date | None = None  # start of the current leftover range
    year, number = period.first.year, period.first.month
    while date(year, number, 1) <= period.last:
        whole = month_period(year, number, period.zone)
        part_first, part_last = max(whole.first, period.first), min(whole.last, period.last)
        if whole.first >= period.first and whole.last <= period.last and whole.last < today:
            if pending is not None:
                rest.append(Period(pending, whole.first - timedelta(days=1), period.zone))
                pending = None
            months.append(month_key(year, number))
        elif pending is None:
            pending = part_first
        if part_last == period.last and pending is not None:
            rest.append(Period(pending, part_last, period.zone))
        year, number = shift_month(year, number, 1)
    return Split(months, rest)


# --- the figures, from the records ---------------------------------------------------------


def _utc_day(column):
    """The UTC calendar date of a stored datetime, on SQLite (naive UTC text) and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return func.date(func.timezone("UTC", column))


def _in_period(pole_ids: Iterable[int], period: Period, extra=()) -> list:
    return [
        AccompanimentSession.pole_id.in_(list(pole_ids)),
        AccompanimentSession.starts_at >= period.start_utc,
        AccompanimentSession.starts_at < period.end_utc,
        *extra,
    ]


def session_counts(pole_ids: Iterable[int], period: Period, conds=()) -> dict[int, dict[str, dict[str, int]]]:
    """{pole_id: {kind: {sessions, minutes, invited, present, excused, absent}}} from the records.
    `conds` replace the default pole/period conditions on séances when given (report filters)."""
    where = list(conds) or _in_period(pole_ids, period)
    result: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)

    def entry(pole_id: int, kind: str) -> dict[str, int]:
        return result[pole_id].setdefault(kind, dict.fromkeys(("sessions", "minutes", *STATUSES), 0))

    for pole_id, kind, count, minutes in _rows(
        select(
            AccompanimentSession.pole_id,
            AccompanimentSession.kind,
            func.count(),
            func.coalesce(func.sum(AccompanimentSession.duration_minutes), 0),
        )
        .where(*where)
        .group_by(AccompanimentSession.pole_id, AccompanimentSession.kind)
    ):
        values = entry(pole_id, kind)
        values["sessions"] += int(count)
        values["minutes"] += int(minutes)
    for pole_id, kind, status, count in _rows(
        select(AccompanimentSession.pole_id, AccompanimentSession.kind, Attendance.status, func.count())
        .join(AccompanimentSession, AccompanimentSession.id == Attendance.session_id)
        .where(*where)
        .group_by(AccompanimentSession.pole_id, AccompanimentSession.kind, Attendance.status)
    ):
        entry(pole_id, kind)[status] += int(count)
    return result


def present_persons(pole_ids: Iterable[int], period: Period):
    """SELECT (pole_id, person_id) of the persons present at a séance of the period."""
    return (
        select(AccompanimentSession.pole_id.label("pole_id"), Attendance.person_id.label("person_id"))
        .join(AccompanimentSession, AccompanimentSession.id == Attendance.session_id)
        .where(*_in_period(pole_ids, period), Attendance.status == "present")
        .distinct()
    )


def collective_sessions(pole_id: int, conds: list):
    """Subquery (collective_id, session_id, starts_at): séances matching `conds` of each
    collective, i.e. naming it or serving one of its dossiers (as on the collective's page)."""
    named = select(
        AccompanimentSession.collective_id.label("collective_id"),
        AccompanimentSession.id.label("session_id"),
        AccompanimentSession.starts_at.label("starts_at"),
    ).where(*conds, AccompanimentSession.collective_id.isnot(None))
    via_dossier = (
        select(Accompaniment.collective_id, AccompanimentSession.id, AccompanimentSession.starts_at)
        .join(session_accompaniments, session_accompaniments.c.session_id == AccompanimentSession.id)
        .join(Accompaniment, Accompaniment.id == session_accompaniments.c.accompaniment_id)
        .where(*conds, Accompaniment.collective_id.isnot(None))
    )
    return named.union(via_dossier).subquery()


def member_counts_select(pole_id: int, conds: list):
    """SELECT (membership_id, collective_id, eligible, attended) over the séances matching
    `conds`: for each member, the collective's séances held while a member (membership days
    compared with the séance's UTC date) and those attended (present)."""
    held = collective_sessions(pole_id, conds)
    day = _utc_day(held.c.starts_at)
    present = and_(
        Attendance.session_id == held.c.session_id,
        Attendance.person_id == Membership.person_id,
        Attendance.status == "present",
    )
    return (
        select(
            Membership.id.label("membership_id"),
            Membership.collective_id.label("collective_id"),
            func.count(distinct(held.c.session_id)).label("eligible"),
            func.count(distinct(Attendance.id)).label("attended"),
        )
        .select_from(Membership)
        .join(
            held,
            and_(
                held.c.collective_id == Membership.collective_id,
                or_(Membership.joined_on.is_(None), day >= Membership.joined_on),
                or_(Membership.left_on.is_(None), day < Membership.left_on),
            ),
        )
        .outerjoin(Attendance, present)
        .where(Membership.pole_id == pole_id)
        .group_by(Membership.id, Membership.collective_id)
    )


def member_counts(pole_id: int, conds: list) -> dict[int, tuple[int, int, int]]:
    """{membership_id: (collective_id, eligible, attended)} (see member_counts_select)."""
    rows = _rows(member_counts_select(pole_id, conds))
    return {mid: (cid, int(eligible), int(attended)) for mid, cid, eligible, attended in rows}


# --- freshness and recomputation -----------------------------------------------------------


def _pole_zone(pole_id: int, session: Session | None = None) -> str:
    pole = (session or db.session).get(Pole, pole_id)
    return pole.timezone if pole is not None else "Europe/Paris"


def _stale_months(pole_ids: list[int], months: list[str]) -> dict[int, list[str]]:
    """{pole_id: [months whose figures are missing or stale]} in one query."""
    states = {
        (pole_id, month): (version, computed, epoch)
        for pole_id, month, version, computed, epoch in _rows(
            select(
                MonthlyFigureState.pole_id,
                MonthlyFigureState.month,
                MonthlyFigureState.version,
                MonthlyFigureState.computed_version,
                MonthlyFigureState.computed_epoch,
            ).where(
                MonthlyFigureState.pole_id.in_(pole_ids),
                MonthlyFigureState.month.in_([*months, POLE_WIDE]),
            )
        )
    }
    stale: dict[int, list[str]] = {}
    for pole_id in pole_ids:
        epoch = states.get((pole_id, POLE_WIDE), (0, None, None))[0]
        for month in months:
            version, computed, computed_epoch = states.get((pole_id, month), (0, None, None))
            if computed != version or computed_epoch != epoch:
                stale.setdefault(pole_id, []).append(month)
    return stale


def _upsert(rows: list[dict], bump: bool, session: Session | None = None):
    """INSERT state rows; on conflict bump the version (writers) or do nothing (readers)."""
    dialect = (session or db.session).get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(MonthlyFigureState).values(rows)
    if bump:
        return stmt.on_conflict_do_update(
            index_elements=["pole_id", "month"], set_={"version": MonthlyFigureState.version + 1}
        )
    return stmt.on_conflict_do_nothing(index_elements=["pole_id", "month"])


def _locked_version(pole_id: int, month: str, share: bool) -> int:
    return db.session.execute(
        select(MonthlyFigureState.version)
        .where(MonthlyFigureState.pole_id == pole_id, MonthlyFigureState.month == month)
        .with_for_update(read=share, nowait=True)
    ).scalar_one()


def _recompute(pole_id: int, month: str, zone: str) -> None:
    year, number = (int(part) for part in month.split("-"))
    period = month_period(year, number, zone)
    where = (MonthlySessionFigures.pole_id == pole_id, MonthlySessionFigures.month == month)
    db.session.execute(delete(MonthlySessionFigures).where(*where))
    rows = [
        {"pole_id": pole_id, "month": month, "kind": kind, **values}
        for kind, values in session_counts([pole_id], period).get(pole_id, {}).items()
    ]
    if rows:
        db.session.execute(MonthlySessionFigures.__table__.insert(), rows)
    db.session.execute(
        delete(MonthlyParticipant).where(
            MonthlyParticipant.pole_id == pole_id, MonthlyParticipant.month == month
        )
    )
    persons = present_persons([pole_id], period).subquery()
    db.session.execute(
        MonthlyParticipant.__table__.insert().from_select(
            ["pole_id", "month", "person_id"],
            select(persons.c.pole_id, literal(month), persons.c.person_id),
        )
    )
    db.session.execute(
        delete(MonthlyMemberFigures).where(
            MonthlyMemberFigures.pole_id == pole_id, MonthlyMemberFigures.month == month
        )
    )
    counts = member_counts_select(pole_id, _in_period([pole_id], period)).subquery()
    db.session.execute(
        MonthlyMemberFigures.__table__.insert().from_select(
            ["pole_id", "month", "membership_id", "collective_id", "eligible", "attended"],
            select(
                literal(pole_id),
                literal(month),
                counts.c.membership_id,
                counts.c.collective_id,
                counts.c.eligible,
                counts.c.attended,
            ),
        )
    )


def ensure_fresh(pole_ids: list[int], months: list[str]) -> bool:
    """Make the figures of `months` current for `pole_ids`; False when some are not (then read
    those months from the records): a writer holds them, SQLite's write lock is taken, or more
    (pole, month) pairs are stale than the request may recompute — PRECOMPUTED_FIGURES_BUDGET
    of them, none started after PRECOMPUTED_FIGURES_BUDGET_SECONDS, pole by pole — so that a
    cold start (after an import or on a new installation) spreads over a few requests instead
    of stalling one; `flask report refresh-figures` does them all at once.

    The recomputed figures are written in the caller's transaction (in a savepoint): the report
    views and commands commit it; a caller that rolls back simply loses them."""
    if not months or not pole_ids:
        return True
    if not current_app.config.get("PRECOMPUTED_FIGURES", True):
        return False
    stale = _stale_months(pole_ids, months)
    if not stale:
        return True
    config = current_app.config
    return _refresh(
        stale,
        config.get("PRECOMPUTED_FIGURES_BUDGET", 24),
        config.get("PRECOMPUTED_FIGURES_BUDGET_SECONDS", 1.0),
    )


def _refresh(stale: dict[int, list[str]], budget: float, seconds: float) -> bool:
    """Recompute `stale` ({pole_id: [months]}), pole by pole (a report reading several poles
    uses the figures of every pole made whole), within `budget` months and `seconds`; whether
    all of them were."""
    pairs = sorted((pole_id, month) for pole_id, pole_months in stale.items() for month in pole_months)
    chosen: dict[int, list[str]] = defaultdict(list)
    for pole_id, month in pairs[: int(min(budget, len(pairs)))]:
        chosen[pole_id].append(month)
    started = time.monotonic()
    done = 0

    def out_of_time() -> bool:  # at least one month per call, whatever the clock says
        return done > 0 and time.monotonic() - started >= seconds

    try:
        with db.session.begin_nested():
            for pole_id, needed in sorted(chosen.items()):
                if out_of_time():
                    break
                zone = _pole_zone(pole_id)
                state_rows = [{"pole_id": pole_id, "month": m, "version": 0} for m in [POLE_WIDE, *needed]]
                db.session.execute(_upsert(state_rows, bump=False))
                epoch = _locked_version(pole_id, POLE_WIDE, share=True)
                for month in needed:
                    if out_of_time():
                        break
                    version = _locked_version(pole_id, month, share=False)
                    _recompute(pole_id, month, zone)
                    db.session.execute(
                        update(MonthlyFigureState)
                        .where(MonthlyFigureState.pole_id == pole_id, MonthlyFigureState.month == month)
                        .values(computed_version=version, computed_epoch=epoch)
                    )
                    done += 1
    except DBAPIError:
        # Locked by a writer (PostgreSQL NOWAIT) or SQLite's write lock taken since this
        # transaction's snapshot: the savepoint is rolled back, nothing is half-written.
        current_app.logger.info("monthly figures not refreshed (locked): reading the records")
        return False
    return done == len(pairs)


def fresh_poles(pole_ids: list[int], months: list[str]) -> set[int]:
    """The poles of `pole_ids` whose figures for `months` are all current, after recomputing
    what the request's budget allows (the others are read from the records)."""
    if not months or ensure_fresh(pole_ids, months):
        return set(pole_ids)
    if not current_app.config.get("PRECOMPUTED_FIGURES", True):
        return set()
    stale = _stale_months(pole_ids, months)
    return {pole_id for pole_id in pole_ids if pole_id not in stale}


def split_for(pole_ids: list[int], period: Period, *, filtered: bool = False) -> Split:
    """How to read `period`: the closed months from the monthly figures (made fresh first), the
    rest from the records; everything from the records when the report is filtered (figures
    are not kept per programme or advisor) or when the months could not be refreshed."""
    if filtered:
        return Split([], [period])
    split = split_period(period)
    if split.months and not ensure_fresh(pole_ids, split.months):
        return Split([], [period])
    return split


def refresh(pole_id: int, months: int = 24) -> int:
    """Recompute every stale figure of the pole's last `months` closed months, whatever it
    takes (CLI); how many months that was. The caller commits."""
    today = local_today(_pole_zone(pole_id))
    keys = [month_key(*shift_month(today.year, today.month, -back)) for back in range(months, 0, -1)]
    stale = _stale_months([pole_id], keys)
    if stale and not _refresh(stale, budget=float("inf"), seconds=float("inf")):
        raise RuntimeError("monthly figures locked by a writer")
    return len(stale.get(pole_id, []))


# --- reading ---------------------------------------------------------------------------------


def cached_session_counts(pole_ids: list[int], months: list[str]) -> dict[int, dict[str, dict[str, int]]]:
    result: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    if not months:
        return result
    t = MonthlySessionFigures
    for pole_id, kind, *values in _rows(
        select(
            t.pole_id,
            t.kind,
            func.sum(t.sessions),
            func.sum(t.minutes),
            func.sum(t.invited),
            func.sum(t.present),
            func.sum(t.excused),
            func.sum(t.absent),
        )
        .where(t.pole_id.in_(pole_ids), t.month.in_(months))
        .group_by(t.pole_id, t.kind)
    ):
        result[pole_id][kind] = dict(
            zip(("sessions", "minutes", *STATUSES), (int(v or 0) for v in values), strict=True)
        )
    return result


def cached_participants(pole_ids: list[int], months: list[str]):
    """SELECT (pole_id, person_id) of the persons present in any of `months`."""
    return select(MonthlyParticipant.pole_id, MonthlyParticipant.person_id).where(
        MonthlyParticipant.pole_id.in_(pole_ids), MonthlyParticipant.month.in_(months)
    )


def cached_member_counts(pole_id: int, months: list[str]) -> dict[int, tuple[int, int, int]]:
    if not months:
        return {}
    t = MonthlyMemberFigures
    rows = _rows(
        select(t.membership_id, t.collective_id, func.sum(t.eligible), func.sum(t.attended))
        .where(t.pole_id == pole_id, t.month.in_(months))
        .group_by(t.membership_id, t.collective_id)
    )
    return {mid: (cid, int(eligible), int(attended)) for mid, cid, eligible, attended in rows}


def add_counts(*parts: dict) -> dict:
    """Sum nested {key: {key: int}} or {key: (collective_id, eligible, attended)} mappings."""
    total: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, tuple):
                previous = total.get(key, (value[0], 0, 0))
                total[key] = (value[0], previous[1] + value[1], previous[2] + value[2])
            elif isinstance(value, dict):
                total[key] = add_counts(total.get(key, {}), value)
            else:
                total[key] = total.get(key, 0) + value
    return total


# --- invalidation: SQLAlchemy session hooks ------------------------------------------------


def _touched(session: Session) -> set[tuple[int, str]]:
    return session.info.setdefault("figures_touched", set())


def _old_and_new(obj, name: str) -> list:
    # PASSIVE_OFF: an expired attribute (after a commit) is loaded, not taken as empty.
    history = attributes.get_history(obj, name, passive=attributes.PASSIVE_OFF)
    return [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]


def _session_months(session: Session, sessions: Iterable[AccompanimentSession]) -> set[tuple[int, str]]:
    """The (pole, month) of each séance, before and after its pending change of date."""
    found = set()
    for record in sessions:
        if record.pole_id is None:
            continue
        zone = _pole_zone(record.pole_id, session)
        for moment in _old_and_new(record, "starts_at"):
            found.add((record.pole_id, month_of(moment, zone)))
    return found


@event.listens_for(Session, "before_flush")
def _collect_changes(session: Session, _context, _instances) -> None:
    touched = _touched(session)
    records: set[AccompanimentSession] = set()  # séances whose month(s) the flush touches
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, AccompanimentSession):
                records.add(obj)
            elif isinstance(obj, Attendance):
                record = (
                    obj.session
                    if obj.session_id is None
                    else session.get(AccompanimentSession, obj.session_id)
                )
                if record is not None:
                    records.add(record)
            elif isinstance(obj, Membership | Collective | Person) and obj.pole_id is not None:
                if isinstance(obj, Membership) or obj in session.deleted:
                    touched.add((obj.pole_id, POLE_WIDE))
            elif isinstance(obj, Accompaniment) and obj.pole_id is not None:
                changed = attributes.get_history(obj, "collective_id").has_changes()
                if obj in session.deleted or (obj not in session.new and changed):
                    touched.add((obj.pole_id, POLE_WIDE))
            elif (
                isinstance(obj, Pole)
                and obj.id is not None
                and attributes.get_history(obj, "timezone").has_changes()
            ):
                touched.add((obj.id, POLE_WIDE))
        touched |= _session_months(session, records)


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, _context) -> None:
    touched = session.info.pop("figures_touched", None)
    if touched:
        _bump(session, touched)


def _bump(session: Session, touched: set[tuple[int, str]]) -> None:
    rows = [{"pole_id": p, "month": m, "version": 1} for p, m in sorted(touched)]
    session.connection().execute(_upsert(rows, bump=True, session=session))


def _bump_all_poles(session: Session) -> None:
    session.connection().execute(
        update(MonthlyFigureState)
        .where(MonthlyFigureState.month == POLE_WIDE)
        .values(version=MonthlyFigureState.version + 1)
    )
    # A pole without an epoch row has no computed figures: nothing to invalidate there.


@event.listens_for(Session, "do_orm_execute")
def _bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in WATCHED_TABLES:
        return
    session = state.session
    params = state.parameters
    rows = params if isinstance(params, list) else ([params] if params else [])
    if table.name == "attendances" and state.is_insert and rows:
        ids = {row.get("session_id") for row in rows}
        if None not in ids:
            with session.no_autoflush:
                records = [session.get(AccompanimentSession, i) for i in ids]
            touched = _session_months(session, [r for r in records if r is not None])
            if touched:
                _bump(session, touched)
            return
    poles = {row.get("pole_id") for row in rows} if rows else {None}
    if None in poles:
        scope = current_pole_scope()
        poles = {scope} if scope else {None}
    if None in poles:
        _bump_all_poles(session)
    else:
        _bump(session, {(p, POLE_WIDE) for p in poles})
