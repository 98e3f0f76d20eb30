"""Séance operations: logging, attendance, regularity, feeds, public registration.

Functions that write flush and never commit; the view commits once.
"""

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, distinct, func, insert, or_, select, union
from sqlalchemy.orm import joinedload

from app.accompaniments.models import Accompaniment
from app.auth.models import User
from app.collectives.models import Collective, Membership
from app.core.audit import diff_fields, record_audit
from app.core.links import SignedLink, issue_link, use_link
from app.core.models import utcnow
from app.core.permissions import HOLDER, STAFF
from app.core.urls import absolute_url
from app.extensions import db
from app.people import services as people_services
from app.people.models import Person
from app.people.services import create_person
from app.poles.models import FundingProgramme, Pole, Thematic
from app.sessions.models import (
    ATTENDANCE_STATUSES,
    KINDS,
    PUBLISHABLE_KINDS,
    AccompanimentSession,
    Attendance,
    CalendarFeed,
    PendingRegistration,
    session_accompaniments,
    session_advisors,
)


class SessionError(ValueError):
    """A business rule refused the operation; the message is shown to the user."""


# --- time zones -------------------------------------------------------------------------------


def pole_zone(pole: Pole) -> ZoneInfo:
    return ZoneInfo(pole.timezone or "Europe/Paris")


def local_to_utc(pole: Pole, day: date, at: time) -> datetime:
    """A wall-clock date and time in the pole's zone, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=pole_zone(pole)).astimezone(UTC)


def to_local(pole: Pole, value: datetime) -> datetime:
    return value.astimezone(pole_zone(pole))


def local_day_bounds(pole: Pole, first: date, last_exclusive: date) -> tuple[datetime, datetime]:
    """UTC bounds of the local days [first, last_exclusive)."""
    return local_to_utc(pole, first, time(0)), local_to_utc(pole, last_exclusive, time(0))


# --- choices ----------------------------------------------------------------------------------


def staff_users(pole: Pole) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.pole_id == pole.id, User.role.in_(STAFF), User.active.is_(True))
            .order_by(User.full_name, User.email)
        )
    )


def active_accompaniments(pole: Pole, include_ids: list[int] | None = None) -> list[Accompaniment]:
    """The pole's active dossiers, plus `include_ids` (already linked to the séance)."""
    condition = Accompaniment.status == "active"
    if include_ids:
        condition = or_(condition, Accompaniment.id.in_(include_ids))
    return list(
        db.session.scalars(
            select(Accompaniment)
            .options(joinedload(Accompaniment.person), joinedload(Accompaniment.collective))
            .where(Accompaniment.pole_id == pole.id, condition)
            .order_by(Accompaniment.title)
        ).unique()
    )


def pole_thematics(pole: Pole, include_ids: list[int] | None = None) -> list[Thematic]:
    condition = Thematic.active.is_(True)
    if include_ids:
        condition = or_(condition, Thematic.id.in_(include_ids))
    return list(
        db.session.scalars(
            select(Thematic).where(Thematic.pole_id == pole.id, condition).order_by(Thematic.position)
        )
    )


def funding_programmes(pole: Pole, *, only_active: bool = False, include_id: int | None = None):
    stmt = select(FundingProgramme).where(FundingProgramme.pole_id == pole.id)
    if only_active:
        condition = FundingProgramme.active.is_(True)
        if include_id:
            condition = or_(condition, FundingProgramme.id == include_id)
        stmt = stmt.where(condition)
    return list(db.session.scalars(stmt.order_by(FundingProgramme.name)))


# --- attendees --------------------------------------------------------------------------------


def prefill_persons(accompaniments: list[Accompaniment], on: date) -> list[Person]:
    """Each dossier's beneficiary, or for a collective its members on `on` (one query)."""
    person_ids = [a.person_id for a in accompaniments if a.person_id]
    collective_ids = [a.collective_id for a in accompaniments if a.collective_id]
    if not person_ids and not collective_ids:
        return []
    members = select(Membership.person_id).where(
        Membership.collective_id.in_(collective_ids),
        or_(Membership.joined_on.is_(None), Membership.joined_on <= on),
        or_(Membership.left_on.is_(None), Membership.left_on > on),
    )
    return list(
        db.session.scalars(
            select(Person)
            .where(
                or_(Person.id.in_(person_ids), Person.id.in_(members)),
                Person.anonymized_at.is_(None),
            )
            .order_by(Person.last_name, Person.first_name)
        )
    )


def collective_members(collective_id: int, on: date) -> list[Person]:
    """The collective's members on `on` (pole-scoped query)."""
    members = select(Membership.person_id).where(
        Membership.collective_id == collective_id,
        or_(Membership.joined_on.is_(None), Membership.joined_on <= on),
        or_(Membership.left_on.is_(None), Membership.left_on > on),
    )
    return list(
        db.session.scalars(
            select(Person).where(Person.id.in_(members), Person.anonymized_at.is_(None)).order_by(Person.id)
        )
    )


def persons_by_id(pole: Pole, ids) -> dict[int, Person]:
    """Persons of `pole` with these ids, in one query."""
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    rows = db.session.scalars(select(Person).where(Person.pole_id == pole.id, Person.id.in_(ids)))
    return {p.id: p for p in rows}


def search_persons(pole: Pole, query: str, exclude_ids=(), limit: int = 10) -> list[Person]:
    """The person picker of the séance and attendance forms (the shared people search)."""
    return people_services.search_persons(pole, query, exclude_ids=exclude_ids, limit=limit)


def _check_statuses(statuses: dict[int, str]) -> None:
    for status in statuses.values():
        if status not in ATTENDANCE_STATUSES:
            raise SessionError(f"Statut de présence inconnu : {status}")


def sync_attendance(session: AccompanimentSession, statuses: dict[int, str]) -> dict[str, list]:
    """Make the séance's attendees exactly `statuses` ({person_id: status}), in one flush.

    Persons are bulk-loaded (ids of another pole are ignored); existing rows are updated,
    missing ones removed, new ones added. Returns {person_id: [old, new]} for the journal.
    """
    _check_statuses(statuses)
    pole = db.session.get(Pole, session.pole_id)
    known = persons_by_id(pole, statuses.keys()) if statuses else {}
    existing = {a.person_id: a for a in session.attendances}
    changes: dict[str, list] = {}
    for person_id, attendance in list(existing.items()):
        if person_id not in known:
            session.attendances.remove(attendance)
            changes[str(person_id)] = [attendance.status, None]
    new_rows = []
    for person_id in known:
        status = statuses[person_id]
        attendance = existing.get(person_id)
        if attendance is None:
            new_rows.append((person_id, status))
            changes[str(person_id)] = [None, status]
        elif attendance.status != status:
            changes[str(person_id)] = [attendance.status, status]
            attendance.status = status
    db.session.flush()
    _insert_attendances(session, new_rows)
    return changes


def _insert_attendances(session: AccompanimentSession, rows: list[tuple[int, str]]) -> None:
    """Add attendance rows in one executemany INSERT (no per-row statement), then reload lazily."""
    if rows:
        db.session.execute(
            insert(Attendance),
            [
                {
                    "pole_id": session.pole_id,
                    "session_id": session.id,
                    "person_id": person_id,
                    "status": status,
                    "registered_publicly": False,
                }
                for person_id, status in rows
            ],
        )
        db.session.expire(session, ["attendances"])


# --- séances ----------------------------------------------------------------------------------

SCALAR_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "duration_minutes",
    "place",
    "remote",
    "funding_programme_id",
    "shared_summary",
    "next_steps",
    "private_notes",
    "is_public",
    "capacity",
    "public_description",
)


def _load_by_ids(model, pole: Pole, ids) -> list:
    ids = [int(i) for i in ids or []]
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.pole_id == pole.id, model.id.in_(ids))))


def _validate(data: dict[str, Any]) -> None:
    if data.get("kind") not in KINDS:
        raise SessionError("Type de séance inconnu.")
    if data.get("is_public") and data.get("kind") not in PUBLISHABLE_KINDS:
        raise SessionError(
            "Seuls les ateliers collectifs, formations et événements réseau peuvent être publiés."
        )


def _apply_links(session, pole: Pole, advisor_ids, accompaniment_ids, thematic_ids) -> None:
    advisors = [
        u
        for u in db.session.scalars(
            select(User).where(User.pole_id == pole.id, User.id.in_(advisor_ids or []))
        )
        if u.role in STAFF
    ]
    accompaniments = _load_by_ids(Accompaniment, pole, accompaniment_ids)
    session.advisors = advisors
    session.accompaniments = accompaniments
    session.thematics = _load_by_ids(Thematic, pole, thematic_ids)
    collectives = {a.collective_id for a in accompaniments if a.collective_id}
    session.collective_id = collectives.pop() if len(collectives) == 1 else None


def create_session(
    pole: Pole,
    data: dict[str, Any],
    *,
    advisor_ids=(),
    accompaniment_ids=(),
    thematic_ids=(),
    attendees: dict[int, str] | None = None,
) -> AccompanimentSession:
    """Log a séance with its links and attendees (persons bulk-loaded, one flush)."""
    _validate(data)
    attendees = attendees or {}
    _check_statuses(attendees)
    session = AccompanimentSession(pole_id=pole.id, **{k: data.get(k) for k in SCALAR_FIELDS})
    _apply_links(session, pole, advisor_ids, accompaniment_ids, thematic_ids)
    persons = persons_by_id(pole, attendees.keys())
    db.session.add(session)
    db.session.flush()
    _insert_attendances(session, [(pid, attendees[pid]) for pid in persons])
    record_audit(
        "session.create",
        session,
        {
            "kind": session.kind,
            "title": session.title,
            "starts_at": session.starts_at.isoformat(),
            "attendees": len(persons),
        },
    )
    return session


def update_session(
    session: AccompanimentSession,
    data: dict[str, Any],
    *,
    advisor_ids=(),
    accompaniment_ids=(),
    thematic_ids=(),
    attendees: dict[int, str] | None = None,
) -> dict[str, Any]:
    _validate(data)
    pole = db.session.get(Pole, session.pole_id)
    changes = diff_fields(session, {k: data.get(k) for k in SCALAR_FIELDS if k in data})
    _apply_links(session, pole, advisor_ids, accompaniment_ids, thematic_ids)
    if attendees is not None:
        attendance_changes = sync_attendance(session, attendees)
        if attendance_changes:
            changes["attendance"] = attendance_changes
    db.session.flush()
    record_audit("session.update", session, changes)
    return changes


def record_attendance(session: AccompanimentSession, statuses: dict[int, str]) -> dict[str, list]:
    """Record or correct attendance (the séance's attendees become `statuses`)."""
    changes = sync_attendance(session, statuses)
    if changes:
        record_audit("attendance.update", session, changes)
    return changes


def default_status(starts_at: datetime | None) -> str:
    """Present for a séance already started, invited for a future one."""
    if starts_at is None or starts_at <= utcnow():
        return "present"
    return "invited"


# --- lists ------------------------------------------------------------------------------------


def agenda_query(
    start: datetime,
    end: datetime,
    *,
    advisor_id: int | None = None,
    kind: str | None = None,
    thematic_id: int | None = None,
) -> Select:
    """The agenda's séances: only the columns it lists (rows, not ORM objects; their advisors
    come from `advisor_names`)."""
    stmt = (
        select(
            AccompanimentSession.id,
            AccompanimentSession.title,
            AccompanimentSession.kind,
            AccompanimentSession.starts_at,
            AccompanimentSession.is_public,
        )
        .where(AccompanimentSession.starts_at >= start, AccompanimentSession.starts_at < end)
        .order_by(AccompanimentSession.starts_at, AccompanimentSession.id)
    )
    if advisor_id:
        stmt = stmt.where(
            AccompanimentSession.id.in_(
                select(session_advisors.c.session_id).where(session_advisors.c.user_id == advisor_id)
            )
        )
    if kind:
        stmt = stmt.where(AccompanimentSession.kind == kind)
    if thematic_id:
        stmt = stmt.where(AccompanimentSession.thematics.any(Thematic.id == thematic_id))
    return stmt


def advisor_names(session_ids) -> dict[int, list[str]]:
    """{session_id: its advisors' display names} for these séances, in one query.

    In account order: the order the agenda showed them in when it loaded
    `AccompanimentSession.advisors`, now stated rather than left to the database."""
    names: dict[int, list[str]] = {i: [] for i in session_ids}
    if names:
        rows = db.session.execute(
            select(session_advisors.c.session_id, User.full_name, User.email)
            .join(User, User.id == session_advisors.c.user_id)
            .where(session_advisors.c.session_id.in_(list(names)))
            .order_by(session_advisors.c.session_id, User.id)
        )
        for session_id, full_name, email in rows:
            names[session_id].append(full_name or email)  # as User.display_name
    return names


def attendance_counts(session_ids) -> dict[int, dict[str, int]]:
    """{session_id: {status: count}} for these séances, in one GROUP BY query."""
    ids = list(session_ids)
    counts: dict[int, dict[str, int]] = {i: dict.fromkeys(ATTENDANCE_STATUSES, 0) for i in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(Attendance.session_id, Attendance.status, func.count())
        .where(Attendance.session_id.in_(ids))
        .group_by(Attendance.session_id, Attendance.status)
    )
    for session_id, status, count in rows:
        counts[session_id][status] = count
    return counts


def unfilled_sessions(pole: Pole, *, advisor_id: int | None = None, limit: int = 20):
    """Past séances whose attendees are still `invited`: [(séance, invited count)], latest first."""
    invited = (
        select(Attendance.session_id, func.count().label("invited"))
        .where(Attendance.pole_id == pole.id, Attendance.status == "invited")
        .group_by(Attendance.session_id)
        .subquery()
    )
    stmt = (
        select(AccompanimentSession, invited.c.invited)
        .join(invited, invited.c.session_id == AccompanimentSession.id)
        .where(AccompanimentSession.pole_id == pole.id, AccompanimentSession.starts_at < utcnow())
        .order_by(AccompanimentSession.starts_at.desc())
        .limit(limit)
    )
    if advisor_id:
        stmt = stmt.where(
            AccompanimentSession.id.in_(
                select(session_advisors.c.session_id).where(session_advisors.c.user_id == advisor_id)
            )
        )
    return [(s, n) for s, n in db.session.execute(stmt)]


# --- regularity -------------------------------------------------------------------------------


@dataclass
class MemberRegularity:
    membership: Membership
    attended: int
    expected: int

    @property
    def share(self) -> float | None:
        return self.attended / self.expected if self.expected else None


@dataclass
class Regularity:
    collective: Collective
    members: list[MemberRegularity] = field(default_factory=list)

    @property
    def attended(self) -> int:
        return sum(m.attended for m in self.members)

    @property
    def expected(self) -> int:
        return sum(m.expected for m in self.members)

    @property
    def share(self) -> float | None:
        """The collective's overall share: attendances / expected attendances, all members."""
        return self.attended / self.expected if self.expected else None


def collective_sessions(collective: Collective, before: datetime):
    """Subquery (id, starts_at) of the collective's séances held before `before`.

    A séance is the collective's when it names it (`collective_id`) or serves one of its dossiers.
    The two ways are a UNION of two index lookups, not an OR: with the OR, PostgreSQL could not
    estimate the séances (10,000 expected for 38 real at network scale) and read all 5 million
    attendances (3.3 s for one collective page).
    """
    direct = select(AccompanimentSession.id, AccompanimentSession.starts_at).where(
        AccompanimentSession.collective_id == collective.id,
        AccompanimentSession.pole_id == collective.pole_id,
        AccompanimentSession.starts_at < before,
    )
    via_dossiers = (
        select(AccompanimentSession.id, AccompanimentSession.starts_at)
        .join(session_accompaniments, session_accompaniments.c.session_id == AccompanimentSession.id)
        .join(Accompaniment, Accompaniment.id == session_accompaniments.c.accompaniment_id)
        .where(
            Accompaniment.collective_id == collective.id,
            AccompanimentSession.pole_id == collective.pole_id,
            AccompanimentSession.starts_at < before,
        )
    )
    return union(direct, via_dossiers).subquery()


def recent_collective_sessions(collective: Collective, limit: int = 10) -> list[AccompanimentSession]:
    """The collective's latest séances (past and the next ones), newest first."""
    far = utcnow() + timedelta(days=3650)
    ids = collective_sessions(collective, far)
    return list(
        db.session.scalars(
            select(AccompanimentSession)
            .where(AccompanimentSession.id.in_(select(ids.c.id)))
            .order_by(AccompanimentSession.starts_at.desc())
            .limit(limit)
        )
    )


def regularity_for_collective(collective: Collective, now: datetime | None = None) -> Regularity:
    """Per member: séances of the collective attended (present) / held while a member, in the past.

    One GROUP BY query for the figures, one for the memberships and their persons.
    """
    now = now or utcnow()
    held = collective_sessions(collective, now)
    in_window = and_(
        or_(Membership.joined_on.is_(None), held.c.starts_at >= Membership.joined_on),
        or_(Membership.left_on.is_(None), held.c.starts_at < Membership.left_on),
    )
    figures = db.session.execute(
        select(
            Membership.id,
            func.count(distinct(held.c.id)),
            func.count(distinct(case((Attendance.status == "present", held.c.id)))),
        )
        .select_from(Membership)
        .outerjoin(held, in_window)
        .outerjoin(
            Attendance,
            and_(Attendance.session_id == held.c.id, Attendance.person_id == Membership.person_id),
        )
        .where(Membership.collective_id == collective.id)
        .group_by(Membership.id)
    )
    by_membership = {mid: (expected, attended) for mid, expected, attended in figures}
    memberships = db.session.scalars(
        select(Membership)
        .join(Person, Person.id == Membership.person_id)
        .options(joinedload(Membership.person))
        .where(Membership.collective_id == collective.id)
        .order_by(Person.last_name, Person.first_name, Membership.joined_on)
    ).all()
    result = Regularity(collective=collective)
    for membership in memberships:
        expected, attended = by_membership.get(membership.id, (0, 0))
        result.members.append(MemberRegularity(membership, attended=attended, expected=expected))
    return result


def person_attendance_query(person: Person) -> Select:
    return (
        select(Attendance)
        .join(AccompanimentSession, AccompanimentSession.id == Attendance.session_id)
        .options(joinedload(Attendance.session))
        .where(Attendance.person_id == person.id)
        .order_by(AccompanimentSession.starts_at.desc(), AccompanimentSession.id.desc())
    )


def person_attendance_totals(person: Person) -> dict[str, int]:
    totals = dict.fromkeys(ATTENDANCE_STATUSES, 0)
    rows = db.session.execute(
        select(Attendance.status, func.count())
        .where(Attendance.person_id == person.id)
        .group_by(Attendance.status)
    )
    for status, count in rows:
        totals[status] = count
    return totals


# --- funding programmes -----------------------------------------------------------------------


def _programme_name_taken(pole: Pole, name: str, exclude_id: int | None = None) -> bool:
    stmt = select(FundingProgramme.id).where(
        FundingProgramme.pole_id == pole.id, func.lower(FundingProgramme.name) == name.lower()
    )
    if exclude_id:
        stmt = stmt.where(FundingProgramme.id != exclude_id)
    return db.session.scalar(stmt) is not None


def create_programme(pole: Pole, name: str) -> FundingProgramme:
    name = (name or "").strip()
    if not name:
        raise SessionError("Le nom du programme est obligatoire.")
    if _programme_name_taken(pole, name):
        raise SessionError(f"Le programme « {name} » existe déjà.")
    programme = FundingProgramme(pole_id=pole.id, name=name, active=True)
    db.session.add(programme)
    db.session.flush()
    record_audit("funding_programme.create", programme, {"name": name})
    return programme


def rename_programme(programme: FundingProgramme, name: str) -> None:
    name = (name or "").strip()
    if not name:
        raise SessionError("Le nom du programme est obligatoire.")
    pole = db.session.get(Pole, programme.pole_id)
    if _programme_name_taken(pole, name, exclude_id=programme.id):
        raise SessionError(f"Le programme « {name} » existe déjà.")
    changes = diff_fields(programme, {"name": name})
    db.session.flush()
    record_audit("funding_programme.update", programme, changes)


def set_programme_active(programme: FundingProgramme, active: bool) -> None:
    changes = diff_fields(programme, {"active": active})
    db.session.flush()
    record_audit("funding_programme.update", programme, changes)


# --- calendar feeds ---------------------------------------------------------------------------


def calendar_feed(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def regenerate_calendar_feed(user: User) -> CalendarFeed:
    """Give the user a new secret feed URL; any older one stops working."""
    feed = calendar_feed(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    db.session.flush()
    record_audit("calendar_feed.regenerate", user, pole_id=user.pole_id)
    return feed


def revoke_calendar_feed(user: User) -> None:
    feed = calendar_feed(user)
    if feed is not None:
        db.session.delete(feed)
        db.session.flush()
        record_audit("calendar_feed.revoke", user, pole_id=user.pole_id)


def user_for_feed_token(token: str) -> User | None:
    """The active staff or holder user owning this feed token, or None."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(
        select(User).join(CalendarFeed, CalendarFeed.user_id == User.id).where(CalendarFeed.token == token)
    )
    if user is None or not user.active or user.role not in (*STAFF, HOLDER) or user.pole_id is None:
        return None
    if user.role == HOLDER and user.person_id is None:
        return None
    return user


FEED_PAST_DAYS = 365
FEED_FUTURE_DAYS = 730


def build_calendar(user: User, pole: Pole, detail_url, session_ids=None) -> bytes:
    """The user's séances as RFC 5545 iCalendar, times in the pole's zone.

    Staff get the séances they lead; a holder's feed passes `session_ids`, the séances
    their portal shows them."""
    from icalendar import Calendar, Event

    now = utcnow()
    if session_ids is None:
        session_ids = select(session_advisors.c.session_id).where(session_advisors.c.user_id == user.id)
    else:
        session_ids = list(session_ids)
    sessions = db.session.scalars(
        select(AccompanimentSession)
        .where(
            AccompanimentSession.pole_id == pole.id,
            AccompanimentSession.id.in_(session_ids),
            AccompanimentSession.starts_at >= now - timedelta(days=FEED_PAST_DAYS),
            AccompanimentSession.starts_at < now + timedelta(days=FEED_FUTURE_DAYS),
        )
        .order_by(AccompanimentSession.starts_at)
    ).all()
    zone = pole_zone(pole)
    cal = Calendar()
    cal.add("prodid", "-//Passerelle//Séances//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Passerelle — {pole.name}")
    cal.add("x-wr-timezone", pole.timezone)
    for s in sessions:
        event = Event()
        event.add("uid", f"session-{s.id}-{pole.slug}@passerelle")
        event.add("dtstamp", now)
        event.add("dtstart", s.starts_at.astimezone(zone))
        event.add("dtend", s.ends_at.astimezone(zone))
        event.add("summary", s.title)
        if s.remote:
            event.add("location", "À distance")
        elif s.place:
            event.add("location", s.place)
        event.add("url", detail_url(s))
        event.add("last-modified", s.updated_at or now)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


# --- public workshops -------------------------------------------------------------------------


class Registration(Enum):
    REGISTERED = "registered"
    DUPLICATE = "duplicate"
    FULL = "full"


def published_upcoming_query(pole: Pole) -> Select:
    return (
        select(AccompanimentSession)
        .where(
            AccompanimentSession.pole_id == pole.id,
            AccompanimentSession.is_public.is_(True),
            AccompanimentSession.kind.in_(PUBLISHABLE_KINDS),
            AccompanimentSession.starts_at >= utcnow(),
        )
        .order_by(AccompanimentSession.starts_at)
    )


def seats_taken(session_ids) -> dict[int, int]:
    """Attendees holding a seat (everyone but the excused), per séance, in one query."""
    ids = list(session_ids)
    taken = dict.fromkeys(ids, 0)
    if ids:
        rows = db.session.execute(
            select(Attendance.session_id, func.count())
            .where(Attendance.session_id.in_(ids), Attendance.status != "excused")
            .group_by(Attendance.session_id)
        )
        taken.update(dict(rows.all()))
    return taken


def is_full(session: AccompanimentSession, taken: int) -> bool:
    return session.capacity is not None and taken >= session.capacity


def register_publicly(
    session: AccompanimentSession, first_name: str, last_name: str, email: str, today: date
) -> Registration:
    """Register someone to a published workshop: match or create the person, add them invited.

    Only once they proved they own `email` (confirm_public_registration); `today` is the day
    they accepted the privacy notice."""
    email = (email or "").strip().lower()
    person = db.session.scalar(
        select(Person).where(Person.pole_id == session.pole_id, func.lower(Person.email) == email)
    )
    if person is not None:
        exists = db.session.scalar(
            select(Attendance.id).where(
                Attendance.session_id == session.id, Attendance.person_id == person.id
            )
        )
        if exists is not None:
            return Registration.DUPLICATE
    if is_full(session, seats_taken([session.id])[session.id]):
        return Registration.FULL
    pole = db.session.get(Pole, session.pole_id)
    if person is None:
        person = create_person(
            pole,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email,
            first_contact_on=today,
            privacy_notice_given_on=today,
        )
    elif person.privacy_notice_given_on is None:
        person.privacy_notice_given_on = today
        record_audit("person.update", person, {"privacy_notice_given_on": [None, today.isoformat()]})
    attendance = Attendance(
        pole_id=session.pole_id,
        session_id=session.id,
        person_id=person.id,
        status="invited",
        registered_publicly=True,
    )
    db.session.add(attendance)
    db.session.flush()
    record_audit("attendance.public_registration", session, {"person_id": person.id})
    return Registration.REGISTERED


# --- public registration confirmed by e-mail (issue 19 point 6) ---------------------------------
# A public form proves nothing about the e-mail typed in it: the registration is held in
# `pending_registrations` and only reaches persons and attendances when the person follows the
# single-use link mailed to that address. The form answers the same whatever the address.
CONFIRM_PURPOSE = "registration.confirm"
CONFIRM_VALID_FOR = timedelta(hours=48)
# One confirmation mail per address and workshop in this window: the form cannot be used to
# flood someone's mailbox (the per-address rate limit guards the rest).
RESEND_AFTER = timedelta(minutes=10)


def purge_expired_registrations(pole_id: int | None = None) -> int:
    """Delete pending registrations past their 48 h (and confirmed ones as old: their data now
    lives in persons and attendances), with their links; return how many rows went."""
    cutoff = utcnow() - CONFIRM_VALID_FOR
    stmt = select(PendingRegistration.id).where(PendingRegistration.created_at <= cutoff)
    if pole_id is not None:
        stmt = stmt.where(PendingRegistration.pole_id == pole_id)
    ids = list(db.session.scalars(stmt.execution_options(all_poles=True)))
    if not ids:
        return 0
    db.session.execute(
        SignedLink.__table__.delete().where(
            SignedLink.target_type == PendingRegistration.__name__, SignedLink.target_id.in_(ids)
        )
    )
    db.session.execute(PendingRegistration.__table__.delete().where(PendingRegistration.id.in_(ids)))
    return len(ids)


def request_public_registration(
    session: AccompanimentSession, first_name: str, last_name: str, email: str
) -> None:
    """Hold a public registration pending and mail its confirmation link to `email`.

    Writes nothing to persons or attendances, and behaves the same whether the address is
    unknown, known or already registered: the answer to the form must not tell them apart.
    """
    email = (email or "").strip().lower()
    purge_expired_registrations(session.pole_id)
    now = utcnow()
    recent = db.session.scalar(
        select(PendingRegistration.id).where(
            PendingRegistration.session_id == session.id,
            PendingRegistration.email == email,
            PendingRegistration.confirmed_at.is_(None),
            PendingRegistration.created_at > now - RESEND_AFTER,
        )
    )
    if recent is not None:
        return
    pending = PendingRegistration(
        pole_id=session.pole_id,
        session_id=session.id,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        consent=True,
        created_at=now,
    )
    db.session.add(pending)
    db.session.flush()
    token = issue_link(
        pole_id=session.pole_id,
        purpose=CONFIRM_PURPOSE,
        target=pending,
        recipient=email,
        valid_for=CONFIRM_VALID_FOR,
        single_use=True,
    )
    pole = db.session.get(Pole, session.pole_id)
    start = to_local(pole, session.starts_at)
    url = absolute_url("sessions.confirm_registration", pole_slug=pole.slug, token=token)
    from app.core.mail import render_mail, send_mail  # app.mail imports the sessions models

    body, html = render_mail(
        "registration_confirm",
        title=session.title,
        day=start.strftime("%d/%m/%Y"),
        time=start.strftime("%H:%M"),
        pole=pole,
        link=url,
    )
    subject = _("Confirmez votre inscription : %(title)s", title=session.title)
    send_mail(email, subject, body, html=html, pole_id=session.pole_id, kind="registration_confirm")


class ConfirmationError(ValueError):
    """The confirmation link cannot be honoured; the message is French and shown as is."""


def pending_for_link(link: SignedLink) -> PendingRegistration | None:
    if link.target_type != PendingRegistration.__name__:
        return None
    return db.session.get(PendingRegistration, link.target_id)


def confirm_public_registration(link: SignedLink, pending: PendingRegistration) -> Registration:
    """Turn a pending registration into an invited attendee (matching or creating the person of
    the pole with that e-mail), record the consent with its date, and use up the link."""
    session = db.session.get(AccompanimentSession, pending.session_id)
    if session is None or session.starts_at < utcnow() or not session.is_public:
        raise ConfirmationError(_("Cet atelier n'est plus ouvert aux inscriptions."))
    pole = db.session.get(Pole, session.pole_id)
    consent_on = to_local(pole, pending.created_at).date()  # the day the notice was accepted
    outcome = register_publicly(session, pending.first_name, pending.last_name, pending.email, consent_on)
    if outcome is Registration.FULL:
        raise ConfirmationError(_("Désolé, cet atelier est devenu complet depuis votre demande."))
    pending.confirmed_at = utcnow()
    pending.person_id = db.session.scalar(
        select(Person.id).where(Person.pole_id == pending.pole_id, func.lower(Person.email) == pending.email)
    )
    # The identity now lives in persons (where anonymisation finds it): keep no second copy.
    pending.first_name = pending.last_name = pending.email = ""
    use_link(link)
    return outcome


def session_timeline_entries(accompaniment: Accompaniment) -> list[tuple]:
    """The dossier's séances for its timeline, with present/expected counts (two queries)."""
    sessions = db.session.scalars(
        select(AccompanimentSession)
        .join(session_accompaniments, session_accompaniments.c.session_id == AccompanimentSession.id)
        .where(session_accompaniments.c.accompaniment_id == accompaniment.id)
        .order_by(AccompanimentSession.starts_at)
    ).all()
    if not sessions:
        return []
    counts = dict(
        db.session.execute(
            select(Attendance.session_id, func.count())
            .where(Attendance.session_id.in_([s.id for s in sessions]), Attendance.status == "present")
            .group_by(Attendance.session_id)
        ).all()
    )
    now = utcnow()
    return [
        (
            s.starts_at,
            "session",
            "sessions/_timeline_entry.html",
            {"session": s, "present": counts.get(s.id, 0), "past": s.starts_at < now},
        )
        for s in sessions
    ]


try:  # the dossier timeline lists the dossier's séances
    from app.accompaniments.services import TIMELINE_PROVIDERS

    if session_timeline_entries not in TIMELINE_PROVIDERS:
        TIMELINE_PROVIDERS.append(session_timeline_entries)
except ImportError:  # pragma: no cover
    pass


def forget_pending_registrations(person: Person, _pattern) -> int:
    """Anonymisation: delete the person's public registrations (pending or confirmed) and their
    links, which hold their name and e-mail until the 48 h purge."""
    conditions = [PendingRegistration.person_id == person.id]
    if person.email:
        conditions.append(func.lower(PendingRegistration.email) == person.email.lower())
    stmt = select(PendingRegistration.id).where(
        PendingRegistration.pole_id == person.pole_id, or_(*conditions)
    )
    ids = list(db.session.scalars(stmt))
    if ids:
        db.session.execute(
            SignedLink.__table__.delete().where(
                SignedLink.target_type == PendingRegistration.__name__, SignedLink.target_id.in_(ids)
            )
        )
        db.session.execute(PendingRegistration.__table__.delete().where(PendingRegistration.id.in_(ids)))
    return len(ids)

