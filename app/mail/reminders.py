"""Séance reminders to participants, with a calendar invitation (.ics) that stays in step.

A daily run (`flask mail reminders`, part of `flask mail daily`) e-mails each registered
participant (invited or present, with an e-mail, not anonymised, not opted out) of the séances
starting within the pole's `session_reminder_days` a French reminder with an iCalendar
`METHOD:REQUEST` event. The event's UID is stable per séance, so when the séance later moves
(date, time, place, title) the next run sends the same UID with a higher SEQUENCE and the
participant's calendar updates the event; a deleted séance, or a participant removed or
excused, gets a `METHOD:CANCEL`. A `SessionReminder` row per (séance, person) records what was
sent, so each mail goes once.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from app.core.links import issue_link
from app.core.models import utcnow
from app.core.urls import absolute_url
from app.extensions import db
from app.mail.models import ReminderOptOut, SessionReminder
from app.mail.services import Attachment, render_mail, send_mail
from app.people.models import Person
from app.poles.models import Pole
from app.sessions.models import AccompanimentSession, Attendance

OPTOUT_PURPOSE = "session_reminders_optout"
OPTOUT_VALID_FOR = timedelta(days=365)
REMINDED_STATUSES = ("invited", "present")
RECHECK_PAST = timedelta(days=31)


@dataclass
class ReminderResult:
    reminders: int = 0
    updates: int = 0
    cancellations: int = 0

    @property
    def total(self) -> int:
        return self.reminders + self.updates + self.cancellations


def session_uid(session_id: int) -> str:
    """The event's UID, the same in every mail about one séance."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "passerelle"
    return f"seance-{session_id}@{host}"


def _place(session: AccompanimentSession) -> str | None:
    if session.remote:
        return _("À distance") + (f" — {session.place}" if session.place else "")
    return session.place or None


def _when(pole: Pole, value: datetime) -> str:
    """« jeudi 10 décembre 2026 à 14:00 », in the pole's zone."""
    return format_datetime(value, "EEEE d MMMM y 'à' HH:mm", tzinfo=ZoneInfo(pole.timezone), locale="fr")


def _eligible_person(person: Person | None, opted_out: set[int]) -> bool:
    return (
        person is not None
        and bool(person.email)
        and person.anonymized_at is None
        and person.id not in opted_out
    )


def build_invitation(
    pole: Pole, reminder: SessionReminder, method: str, email: str, name: str, description: str = ""
) -> bytes:
    """One VEVENT in a VCALENDAR with `method` (REQUEST or CANCEL), times in the pole's zone."""
    zone = ZoneInfo(pole.timezone)
    cal = Calendar()
    cal.add("prodid", "-//Passerelle//Rappels de séance//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", reminder.uid)
    event.add("sequence", reminder.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", reminder.starts_at.astimezone(zone))
    event.add("dtend", reminder.ends_at.astimezone(zone))
    event.add("summary", reminder.title)
    if reminder.place:
        event.add("location", reminder.place)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{current_app.config['MAIL_DEFAULT_SENDER']}")
    organizer.params["cn"] = vText(pole.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{email}")
    attendee.params["cn"] = vText(name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _snapshot(reminder: SessionReminder, session: AccompanimentSession) -> None:
    reminder.title = session.title[:200]
    reminder.starts_at = session.starts_at
    reminder.ends_at = session.ends_at
    reminder.place = (_place(session) or "")[:200] or None


def _changed(reminder: SessionReminder, session: AccompanimentSession) -> bool:
    place = (_place(session) or "")[:200] or None
    return (reminder.title, reminder.starts_at, reminder.ends_at, reminder.place) != (
        session.title[:200],
        session.starts_at,
        session.ends_at,
        place,
    )


def _send(pole: Pole, reminder: SessionReminder, person: Person, kind: str, advisors: list[str]) -> None:
    """Queue the mail of `kind` (reminder, update, cancel) about `reminder`'s séance to `person`."""
    token = issue_link(
        pole_id=pole.id,
        purpose=OPTOUT_PURPOSE,
        target=person,
        recipient=person.email,
        valid_for=OPTOUT_VALID_FOR,
        revoke_previous=False,  # the links in earlier reminders keep working
    )
    when = _when(pole, reminder.starts_at)
    context = {
        "kind": kind,
        "pole": pole,
        "person": person,
        "title": reminder.title,
        "when": when,
        "place": reminder.place,
        "advisors": advisors,
        "optout_url": absolute_url("mail.reminder_optout", token=token),
    }
    text, html = render_mail("session_reminder", **context)
    subjects = {
        "reminder": _("Rappel : « %(title)s » le %(when)s", title=reminder.title, when=when),
        "update": _("Séance modifiée : « %(title)s » le %(when)s", title=reminder.title, when=when),
        "cancel": _("Séance annulée : « %(title)s » du %(when)s", title=reminder.title, when=when),
    }
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    ics = build_invitation(pole, reminder, method, person.email, person.full_name, text)
    send_mail(
        person.email,
        subjects[kind],
        text,
        html=html,
        attachments=[Attachment("invitation.ics", f"text/calendar; method={method}; charset=UTF-8", ics)],
        pole_id=pole.id,
        kind=f"session_{kind}",
    )
    reminder.last_sent_at = utcnow()


def _advisor_names(session: AccompanimentSession | None) -> list[str]:
    if session is None:
        return []
    return sorted((u.full_name or u.email) for u in session.advisors)


def send_session_reminders(pole: Pole, now: datetime | None = None) -> ReminderResult:
    """Queue the day's reminders, updates and cancellations for one pole (flushes, no commit)."""
    now = now or utcnow()
    result = ReminderResult()
    zone = ZoneInfo(pole.timezone)
    local_today = now.astimezone(zone).date()
    days = max(0, pole.session_reminder_days or 0)
    # Séances starting from now to the end of the local day `days` days ahead; a missed run
    # is caught up by the next one.
    window_end = datetime.combine(local_today + timedelta(days=days + 1), time(0), zone)
    opted_out = set(
        db.session.scalars(select(ReminderOptOut.person_id).where(ReminderOptOut.pole_id == pole.id))
    )

    # 1. What was already sent for séances still to come: moved, cancelled, or re-added.
    # (A séance reminded for a date now past but since moved into the future is caught within
    # RECHECK_PAST; older rows are never read again, so the daily query stays small.)
    existing = db.session.scalars(
        select(SessionReminder)
        .outerjoin(AccompanimentSession, AccompanimentSession.id == SessionReminder.session_id)
        .where(
            SessionReminder.pole_id == pole.id,
            SessionReminder.starts_at > now - RECHECK_PAST,
            SessionReminder.person_id.is_not(None),
            or_(SessionReminder.starts_at > now, AccompanimentSession.starts_at > now),
        )
        .options(
            selectinload(SessionReminder.person),
            selectinload(SessionReminder.session).selectinload(AccompanimentSession.advisors),
        )
        .order_by(SessionReminder.id)
    ).all()
    statuses = _attendance_statuses(existing)
    for reminder in existing:
        person, session = reminder.person, reminder.session
        if not _eligible_person(person, opted_out):
            continue
        if session is not None and session.starts_at <= now:
            continue  # moved to an earlier time already past: it took place, nothing to tell
        registered = (
            session is not None
            and session.starts_at > now
            and statuses.get((session.id, person.id)) in REMINDED_STATUSES
        )
        if reminder.cancelled_at is None:
            if not registered:
                reminder.sequence += 1
                reminder.cancelled_at = now
                _send(pole, reminder, person, "cancel", _advisor_names(session))
                result.cancellations += 1
            elif _changed(reminder, session):
                reminder.sequence += 1
                _snapshot(reminder, session)
                _send(pole, reminder, person, "update", _advisor_names(session))
                result.updates += 1
        elif registered and session.starts_at < window_end:
            reminder.sequence += 1
            reminder.cancelled_at = None
            _snapshot(reminder, session)
            _send(pole, reminder, person, "reminder", _advisor_names(session))
            result.reminders += 1

    # 2. Participants of the coming séances not yet reminded (none when the pole turned them off).
    if days == 0:
        db.session.flush()
        return result
    already = exists().where(
        SessionReminder.session_id == Attendance.session_id, SessionReminder.person_id == Attendance.person_id
    )
    rows = db.session.execute(
        select(Attendance.session_id, Attendance.person_id)
        .join(AccompanimentSession, AccompanimentSession.id == Attendance.session_id)
        .join(Person, Person.id == Attendance.person_id)
        .where(
            AccompanimentSession.pole_id == pole.id,
            AccompanimentSession.starts_at > now,
            AccompanimentSession.starts_at < window_end,
            Attendance.status.in_(REMINDED_STATUSES),
            and_(Person.email.is_not(None), Person.email != ""),
            Person.anonymized_at.is_(None),
            ~already,
        )
        .order_by(AccompanimentSession.starts_at, Attendance.session_id, Attendance.person_id)
    ).all()
    sessions = _load(AccompanimentSession, {s for s, _p in rows}, selectinload(AccompanimentSession.advisors))
    persons = _load(Person, {p for _s, p in rows})
    for session_id, person_id in rows:
        person, session = persons[person_id], sessions[session_id]
        if person_id in opted_out:
            continue
        reminder = SessionReminder(
            pole_id=pole.id,
            session_id=session_id,
            person_id=person_id,
            uid=session_uid(session_id),
            sequence=0,
            first_sent_at=now,
        )
        _snapshot(reminder, session)
        db.session.add(reminder)
        _send(pole, reminder, person, "reminder", _advisor_names(session))
        result.reminders += 1
    db.session.flush()
    return result


def _attendance_statuses(reminders: list[SessionReminder]) -> dict[tuple[int, int], str]:
    session_ids = {r.session_id for r in reminders if r.session_id is not None}
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.session_id, Attendance.person_id, Attendance.status).where(
            Attendance.session_id.in_(session_ids)
        )
    )
    return {(s, p): status for s, p, status in rows}


def _load(model, ids: set[int], *options) -> dict:
    if not ids:
        return {}
    objects = db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))
    return {obj.id: obj for obj in objects}


def opt_out(person: Person) -> bool:
    """Stop séance reminders for `person`; False when they had already opted out."""
    if db.session.scalar(select(ReminderOptOut.id).where(ReminderOptOut.person_id == person.id)):
        return False
    db.session.add(ReminderOptOut(pole_id=person.pole_id, person_id=person.id, opted_out_at=utcnow()))
    db.session.flush()
    return True


def has_opted_out(person: Person) -> bool:
    return opted_out_at(person) is not None


def opted_out_at(person: Person) -> datetime | None:
    return db.session.scalar(select(ReminderOptOut.opted_out_at).where(ReminderOptOut.person_id == person.id))


def opt_in(person: Person) -> bool:
    """Séance reminders again for `person`; False when they had not opted out."""
    found = db.session.scalar(select(ReminderOptOut).where(ReminderOptOut.person_id == person.id))
    if found is None:
        return False
    db.session.delete(found)
    db.session.flush()
    return True
