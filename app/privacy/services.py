"""Personal-data operations. They flush; the caller commits."""

import calendar
import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, or_, select, union_all

from app.accompaniments.models import Accompaniment, AccompanimentStatusChange, StageTransition
from app.auth.models import User
from app.core.audit import AuditEvent, record_audit
from app.core.models import utcnow
from app.core.text import fold
from app.extensions import db
from app.people.models import Person
from app.people.services import refresh_search_text
from app.poles.models import Pole
from app.portal.models import SatisfactionResponse, SkillAssessment
from app.privacy.departments import DEPARTMENTS, department_code, department_postal_code
from app.privacy.models import REQUEST_KINDS, PrivacyRequest
from app.referrals.models import Referral, ReferralStatusChange
from app.requests.models import Request
from app.sessions.models import AccompanimentSession, Attendance, session_accompaniments


def months_before(moment, months: int):
    """The same day and time `months` calendar months earlier (31 March - 1 month = 28/29 Feb)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def purge_audit(months: int, now: datetime | None = None) -> tuple[int, datetime]:
    """Delete the audit entries older than `months` months; return (count, cutoff)."""
    if months < 1:
        raise ValueError("La durée de conservation doit être d'au moins un mois.")
    cutoff = months_before(now or utcnow(), months)
    result = db.session.execute(
        delete(AuditEvent).where(AuditEvent.occurred_at < cutoff).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount or 0, cutoff


# --- anonymisation ---------------------------------------------------------------------------

ANONYMISED_MARK = "[personne anonymisée]"
ANONYMISED_FIRST_NAME = "Personne"
# Particles too common to be scrubbed on their own when a compound name is split into words.
_PARTICLES = {
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "d",
    "l",
    "van",
    "von",
    "der",
    "den",
    "da",
    "di",
    "el",
    "al",
}
_NAME_SEPARATORS = re.compile(r"[\s\-'’]+")
_SEPARATOR_PATTERN = r"[\s\-'’]+"


class PrivacyError(ValueError):
    """A privacy operation refused for a business reason (message in French)."""


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """The accent- and case-folded text, and for each folded character its index in `text`."""
    folded: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        for piece in _fold_char(char):
            folded.append(piece)
            positions.append(index)
    return "".join(folded), positions


def identity_pattern(person: Person) -> re.Pattern | None:
    """A regex matching, in folded text, the person's names (whole words), e-mail and phone."""
    names = {fold(person.first_name), fold(person.last_name)}
    names.add(fold(f"{person.first_name} {person.last_name}"))
    names.add(fold(f"{person.last_name} {person.first_name}"))
    for name in (person.first_name, person.last_name):
        for word in _NAME_SEPARATORS.split(fold(name)):
            if len(word) >= 3 and word not in _PARTICLES:
                names.add(word)
    alternatives = []
    for name in sorted((n for n in names if len(n.strip()) >= 2), key=len, reverse=True):
        words = [re.escape(w) for w in _NAME_SEPARATORS.split(name.strip()) if w]
        if words:
            alternatives.append(_SEPARATOR_PATTERN.join(words))
    if person.email:
        alternatives.insert(0, re.escape(fold(person.email)))
    digits = re.sub(r"\D", "", person.phone or "")
    if len(digits) >= 6:
        # French numbers are written 06 12… or +33 6 12…: match both spellings.
        variants = {digits}
        if len(digits) == 10 and digits.startswith("0"):
            variants.add("33" + digits[1:])
        elif len(digits) == 11 and digits.startswith("33"):
            variants.add("0" + digits[2:])
        for variant in sorted(variants, key=len, reverse=True):
            alternatives.insert(0, r"\+?" + r"[\s.\-]?".join(re.escape(d) for d in variant))
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def scrub_text(text: str | None, pattern: re.Pattern | None) -> str | None:
    """`text` with every match of `pattern` (found case- and accent-insensitively) replaced."""
    if not text or pattern is None:
        return text
    folded, positions = _folded_with_positions(text)
    pieces, last = [], 0
    for match in pattern.finditer(folded):
        if match.end() == match.start():
            continue
        start, end = positions[match.start()], positions[match.end() - 1] + 1
        if start < last:
            continue
        pieces.append(text[last:start])
        pieces.append(ANONYMISED_MARK)
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _scrub_fields(records, fields: tuple[str, ...], pattern: re.Pattern | None) -> int:
    """Scrub `fields` of each record in place; return how many records changed."""
    changed = 0
    for record in records:
        touched = False
        for name in fields:
            old = getattr(record, name)
            new = scrub_text(old, pattern)
            if new != old:
                setattr(record, name, new)
                touched = True
        changed += touched
    return changed


def _ids(stmt) -> list[int]:
    return list(db.session.scalars(stmt))


def anonymise_person(person: Person, by_user: User | None = None) -> dict[str, int]:
    """Irreversibly remove what identifies `person`, keeping every figure the reports count.

    Names, e-mail, phone, birth year, situation and notes are erased; the address is reduced
    to its département; the person's names, e-mail and phone are replaced by
    "[personne anonymisée]" in the free texts written about them (séances they attended or
    that served their dossiers, their dossiers, requests, orientations and every history
    comment of those, satisfaction comments, their RGPD requests); their holder account is
    closed. Attendance, orientations, dossiers, dates, statuses, scores and levels stay.
    Gender stays too: it is an input of the breakdowns funders ask for.
    """
    if person.anonymized_at is not None:
        raise PrivacyError(_("Cette personne est déjà anonymisée."))
    pattern = identity_pattern(person)
    pid, pole_id = person.id, person.pole_id

    dossier_ids = _ids(
        select(Accompaniment.id).where(Accompaniment.pole_id == pole_id, Accompaniment.person_id == pid)
    )
    session_ids = set(
        _ids(select(Attendance.session_id).where(Attendance.pole_id == pole_id, Attendance.person_id == pid))
    )
    if dossier_ids:
        session_ids |= set(
            _ids(
                select(session_accompaniments.c.session_id).where(
                    session_accompaniments.c.accompaniment_id.in_(dossier_ids)
                )
            )
        )
    referral_filter = Referral.person_id == pid
    if dossier_ids:
        referral_filter = or_(referral_filter, Referral.accompaniment_id.in_(dossier_ids))
    referrals = list(db.session.scalars(select(Referral).where(Referral.pole_id == pole_id, referral_filter)))
    referral_ids = [r.id for r in referrals]
    request_ids = set(_ids(select(Request.id).where(Request.pole_id == pole_id, Request.person_id == pid)))
    dossiers = list(db.session.scalars(select(Accompaniment).where(Accompaniment.id.in_(dossier_ids))))
    request_ids |= {d.request_id for d in dossiers if d.request_id} | {
        r.request_id for r in referrals if r.request_id
    }

    texts = 0
    texts += _scrub_fields(dossiers, ("summary", "objectives", "end_review", "end_reason"), pattern)
    if dossier_ids:
        texts += _scrub_fields(
            db.session.scalars(
                select(StageTransition).where(StageTransition.accompaniment_id.in_(dossier_ids))
            ),
            ("comment",),
            pattern,
        )
        texts += _scrub_fields(
            db.session.scalars(
                select(AccompanimentStatusChange).where(
                    AccompanimentStatusChange.accompaniment_id.in_(dossier_ids)
                )
            ),
            ("comment",),
            pattern,
        )
    if session_ids:
        texts += _scrub_fields(
            db.session.scalars(select(AccompanimentSession).where(AccompanimentSession.id.in_(session_ids))),
            ("shared_summary", "next_steps", "private_notes"),
            pattern,
        )
    texts += _scrub_fields(referrals, ("reason", "outcome"), pattern)
    if referral_ids:
        texts += _scrub_fields(
            db.session.scalars(
                select(ReferralStatusChange).where(ReferralStatusChange.referral_id.in_(referral_ids))
            ),
            ("comment",),
            pattern,
        )
    if request_ids:
        texts += _scrub_fields(
            db.session.scalars(select(Request).where(Request.id.in_(request_ids))),
            ("need", "contact_text"),
            pattern,
        )
    satisfaction_filter = [SatisfactionResponse.person_id == pid]
    if session_ids:
        satisfaction_filter.append(SatisfactionResponse.session_id.in_(session_ids))
    if dossier_ids:
        satisfaction_filter.append(SatisfactionResponse.accompaniment_id.in_(dossier_ids))
    texts += _scrub_fields(
        db.session.scalars(
            select(SatisfactionResponse).where(
                SatisfactionResponse.pole_id == pole_id, or_(*satisfaction_filter)
            )
        ),
        ("comment",),
        pattern,
    )
    texts += _scrub_fields(
        db.session.scalars(select(PrivacyRequest).where(PrivacyRequest.person_id == pid)), ("notes",), pattern
    )

    accounts = list(db.session.scalars(select(User).where(User.person_id == pid)))
    for user in accounts:
        close_account(user)
    _redact_audit_values("Person", [pid])
    _redact_audit_values("User", [u.id for u in accounts])

    person.first_name = ANONYMISED_FIRST_NAME
    person.last_name = f"anonymisée n°{pid}"
    person.email = None
    person.phone = None
    person.birth_year = None
    person.situation = None
    person.notes = None
    department = department_code(person.postal_code)
    person.postal_code = department_postal_code(person.postal_code)
    person.commune = DEPARTMENTS[department] if department else None
    person.anonymized_at = utcnow()
    refresh_search_text(person)
    db.session.flush()
    counts = {"texts_scrubbed": texts, "accounts_closed": len(accounts)}
    record_audit(
        "privacy.anonymise",
        person,
        counts,
        pole_id=pole_id,
        actor_id=by_user.id if by_user is not None else None,
    )
    db.session.flush()
    return counts


def close_account(user: User) -> None:
    """Deactivate a holder account for good: placeholder e-mail, no password, no MFA, no session."""
    user.active = False
    user.email = f"anonyme-{user.id}@anonyme.invalid"
    user.full_name = str(ANONYMISED_MARK)
    user.password_hash = None
    user.totp_secret = None
    user.mfa_enabled_at = None
    user.mfa_recovery_codes = None
    user.totp_last_step = None
    user.end_sessions()


def _redact_audit_values(target_type: str, ids: list[int]) -> None:
    """Keep which fields of these records changed in the journal, not their old or new values."""
    if not ids:
        return
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.target_type == target_type,
            AuditEvent.target_id.in_(ids),
            AuditEvent.changes.is_not(None),
        )
    )
    for event in events:
        if event.changes:
            event.changes = {key: "[effacé]" for key in event.changes}


# --- retention -------------------------------------------------------------------------------


def retention_cutoff(
    pole: Pole, now: datetime | None = None, months: int | None = None
) -> tuple[datetime, date]:
    """(datetime, day) before which a person's last activity makes them due for anonymisation."""
    months = months or current_app.config["PRIVACY_RETENTION_MONTHS"]
    cutoff = months_before(now or utcnow(), months)
    return cutoff, cutoff.astimezone(ZoneInfo(pole.timezone)).date()


def _last_activity_subqueries(pole_id: int):
    """Per person of the pole: (MAX of timestamped activity, MAX of dated activity), as subqueries."""
    A, S = Accompaniment, AccompanimentSession
    timed = union_all(
        select(Attendance.person_id.label("pid"), S.starts_at.label("at"))
        .join(S, S.id == Attendance.session_id)
        .where(Attendance.pole_id == pole_id),
        select(User.person_id, User.last_login_at).where(
            User.pole_id == pole_id, User.person_id.is_not(None), User.last_login_at.is_not(None)
        ),
        select(SatisfactionResponse.person_id, SatisfactionResponse.answered_at).where(
            SatisfactionResponse.pole_id == pole_id
        ),
        select(SkillAssessment.person_id, SkillAssessment.assessed_at).where(
            SkillAssessment.pole_id == pole_id
        ),
    ).subquery()
    dated = union_all(
        select(Referral.person_id.label("pid"), Referral.referred_on.label("on")).where(
            Referral.pole_id == pole_id, Referral.person_id.is_not(None)
        ),
        select(A.person_id, Referral.referred_on)
        .join(A, A.id == Referral.accompaniment_id)
        .where(Referral.pole_id == pole_id, A.person_id.is_not(None)),
        select(Referral.person_id, ReferralStatusChange.changed_on)
        .join(Referral, Referral.id == ReferralStatusChange.referral_id)
        .where(Referral.pole_id == pole_id, Referral.person_id.is_not(None)),
        select(A.person_id, ReferralStatusChange.changed_on)
        .join(Referral, Referral.id == ReferralStatusChange.referral_id)
        .join(A, A.id == Referral.accompaniment_id)
        .where(Referral.pole_id == pole_id, A.person_id.is_not(None)),
        select(A.person_id, A.started_on).where(A.pole_id == pole_id, A.person_id.is_not(None)),
        select(A.person_id, A.ended_on).where(
            A.pole_id == pole_id, A.person_id.is_not(None), A.ended_on.is_not(None)
        ),
        select(A.person_id, StageTransition.transitioned_on)
        .join(A, A.id == StageTransition.accompaniment_id)
        .where(A.pole_id == pole_id, A.person_id.is_not(None)),
        select(A.person_id, AccompanimentStatusChange.changed_on)
        .join(A, A.id == AccompanimentStatusChange.accompaniment_id)
        .where(A.pole_id == pole_id, A.person_id.is_not(None)),
        select(Request.person_id, Request.received_on).where(
            Request.pole_id == pole_id, Request.person_id.is_not(None)
        ),
        select(Request.person_id, Request.outcome_on).where(
            Request.pole_id == pole_id, Request.person_id.is_not(None), Request.outcome_on.is_not(None)
        ),
    ).subquery()
    last_timed = (
        select(timed.c.pid, func.max(timed.c.at).label("last_at"))
        .group_by(timed.c.pid)
        .subquery("last_timed")
    )
    last_dated = (
        select(dated.c.pid, func.max(dated.c.on).label("last_on"))
        .group_by(dated.c.pid)
        .subquery("last_dated")
    )
    return last_timed, last_dated


def retention_query(pole: Pole, now: datetime | None = None, months: int | None = None):
    """One select of (Person, last timestamped activity, last dated activity) for the persons of
    `pole`, not yet anonymised, with no activity since the retention cutoff, oldest activity first."""
    cutoff_at, cutoff_on = retention_cutoff(pole, now, months)
    last_timed, last_dated = _last_activity_subqueries(pole.id)
    return (
        select(Person, last_timed.c.last_at, last_dated.c.last_on)
        .outerjoin(last_timed, last_timed.c.pid == Person.id)
        .outerjoin(last_dated, last_dated.c.pid == Person.id)
        .where(
            Person.pole_id == pole.id,
            Person.anonymized_at.is_(None),
            Person.updated_at < cutoff_at,
            or_(last_timed.c.last_at.is_(None), last_timed.c.last_at < cutoff_at),
            or_(last_dated.c.last_on.is_(None), last_dated.c.last_on < cutoff_on),
        )
        .order_by(Person.updated_at, Person.id)
    )


def last_activity_on(person: Person, last_at: datetime | None, last_on: date | None, zone: str) -> date:
    """The day of a person's last activity, in the pole's time zone."""
    days = [person.updated_at.astimezone(ZoneInfo(zone)).date()]
    if last_at is not None:
        days.append(last_at.astimezone(ZoneInfo(zone)).date())
    if last_on is not None:
        days.append(last_on)
    return max(days)


def retention_candidates(pole: Pole, now: datetime | None = None, months: int | None = None) -> list[Person]:
    """The persons of `pole` due for anonymisation (no activity for the retention period)."""
    return [row[0] for row in db.session.execute(retention_query(pole, now, months))]


# --- register of RGPD requests ---------------------------------------------------------------


def overdue_before(today: date | None = None) -> date:
    """Requests received before this day and still open are late (one month to answer)."""
    return months_before(today or date.today(), 1)


def open_requests_counts(pole_id: int, today: date | None = None) -> tuple[int, int]:
    """(open requests, open requests received more than a month ago) of the pole."""
    limit = overdue_before(today)
    row = db.session.execute(
        select(
            func.count(PrivacyRequest.id),
            func.count(case((PrivacyRequest.received_on < limit, PrivacyRequest.id))),
        ).where(PrivacyRequest.pole_id == pole_id, PrivacyRequest.handled_on.is_(None))
    ).one()
    return row[0] or 0, row[1] or 0


def create_privacy_request(
    person: Person, kind: str, received_on: date, notes: str | None, by_user: User | None
) -> PrivacyRequest:
    """Record a request received from `person`."""
    if kind not in REQUEST_KINDS:
        raise PrivacyError(_("Type de demande inconnu."))
    if received_on > date.today():
        raise PrivacyError(_("La date de réception ne peut pas être dans le futur."))
    item = PrivacyRequest(
        pole_id=person.pole_id,
        person_id=person.id,
        kind=kind,
        received_on=received_on,
        notes=(notes or "").strip() or None,
        recorded_by_id=by_user.id if by_user else None,
    )
    db.session.add(item)
    db.session.flush()
    record_audit(
        "privacy.request.create",
        item,
        {"person_id": person.id, "kind": kind, "received_on": received_on.isoformat()},
    )
    return item


def handle_privacy_request(
    item: PrivacyRequest, handled_on: date, notes: str | None, by_user: User | None
) -> PrivacyRequest:
    """Mark a request as answered on `handled_on`."""
    if item.handled_on is not None:
        raise PrivacyError(_("Cette demande est déjà traitée."))
    if handled_on < item.received_on:
        raise PrivacyError(_("La date de traitement précède la date de réception."))
    if handled_on > date.today():
        raise PrivacyError(_("La date de traitement ne peut pas être dans le futur."))
    item.handled_on = handled_on
    item.handled_by_id = by_user.id if by_user else None
    if notes and notes.strip():
        item.notes = (item.notes + "\n" if item.notes else "") + notes.strip()
    db.session.flush()
    record_audit("privacy.request.handle", item, {"handled_on": handled_on.isoformat()})
    return item


# --- export of a person's data (right of access) ---------------------------------------------


def export_person_data(person: Person) -> dict:
    """Everything Passerelle holds about `person` (right of access), for the admin export.

    The same data the holder downloads from the portal, plus the register of their GDPR
    requests (staff-side records the portal does not show)."""
    from app.portal.services import export_person_data as portal_export

    data = portal_export(person)
    requests = db.session.scalars(
        select(PrivacyRequest)
        .where(PrivacyRequest.person_id == person.id)
        .order_by(PrivacyRequest.received_on, PrivacyRequest.id)
    ).all()
    data["privacy_requests"] = [
        {
            "kind": r.kind,
            "received_on": r.received_on.isoformat(),
            "handled_on": r.handled_on.isoformat() if r.handled_on else None,
        }
        for r in requests
    ]
    return data
