"""Personal-data operations. They flush; the caller commits."""

import calendar
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, or_, select, union_all

from app.accompaniments.models import Accompaniment, AccompanimentStatusChange, StageTransition
from app.auth.models import User
from app.collectives.models import Collective, Membership
from app.collectives.services import refresh_search_text as collective_refresh_search_text
from app.core.audit import AuditEvent, record_audit
from app.core.links import SignedLink
from app.core.models import utcnow
from app.core.text import fold
from app.extensions import db
from app.imports.pending import remove_pending_imports
from app.people.models import Person
from app.people.services import refresh_search_text
from app.poles.models import Pole
from app.portal.models import SatisfactionResponse, SkillAssessment
from app.privacy.departments import DEPARTMENTS, department_code, department_postal_code
from app.privacy.models import REQUEST_KINDS, PrivacyRequest
from app.referrals.models import Referral, ReferralStatusChange
from app.requests.models import Request
from app.sessions.models import AccompanimentSession, Attendance, session_accompaniments
from app.structures.models import Structure
from app.structures.services import refresh_search_text as structure_refresh_search_text


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


# What other domains must scrub for a person being anonymised (e.g. an e-mail outbox), added
# with `ANONYMISERS.append(fn)`: fn(person, pattern) -> number of texts changed, called while
# the person still has their names, e-mail and phone.
ANONYMISERS: list[Callable[[Person, re.Pattern | None], int]] = []


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
    to its département. In every free text of the records linked to the person, their names,
    e-mail and phone are replaced by "[personne anonymisée]": their dossiers (title, summary,
    sector, objectives, review, end reason, history comments), the séances they attended or
    that served their dossiers (title, place, summaries, notes, public description), their
    requests, orientations and status-history comments, satisfaction comments, RGPD requests,
    the collectives they belong to (name, description), the structures they represent (contact).
    A membership's role stays: it is a report breakdown, not an identity. The contact
    line of their own requests is erased, and so is the place of a séance that concerned them
    alone (most likely their home or workplace). Their holder account is closed, signed links
    sent to their address revoked, the journal's values about these records scrubbed, and the
    pole's pending import files deleted. Attendance, orientations, dossiers, dates, statuses,
    scores, levels and gender stay: they are what the reports count.
    """
    if person.anonymized_at is not None:
        raise PrivacyError(_("Cette personne est déjà anonymisée."))
    pattern = identity_pattern(person)
    pid, pole_id = person.id, person.pole_id
    linked = _linked_records(person)
    texts = 0
    for model, fields in _SCRUBBED_FIELDS:
        ids = linked.get(model.__name__)
        if ids:
            records = list(db.session.scalars(select(model).where(model.id.in_(ids))))
            texts += _scrub_fields(records, fields, pattern)
    for model, fields in _SCRUBBED_CHILDREN:
        parent_ids = linked.get(_PARENT_OF[model.__name__][0])
        if parent_ids:
            column = getattr(model, _PARENT_OF[model.__name__][1])
            children = db.session.scalars(select(model).where(column.in_(parent_ids)))
            texts += _scrub_fields(children, fields, pattern)
    texts += _erase_own_contact_lines(pid, pole_id)
    texts += _erase_places_of_own_sessions(pid, linked.get("AccompanimentSession", set()))
    for collective in db.session.scalars(select(Collective).where(Collective.id.in_(linked["Collective"]))):
        collective_refresh_search_text(collective)
    for structure in db.session.scalars(select(Structure).where(Structure.id.in_(linked["Structure"]))):
        structure_refresh_search_text(structure)
    links = _revoke_links_to(person)
    for anonymiser in ANONYMISERS:
        texts += anonymiser(person, pattern)

    accounts = list(db.session.scalars(select(User).where(User.person_id == pid)))
    for user in accounts:
        close_account(user)
    _redact_audit_values("Person", [pid])
    _redact_audit_values("User", [u.id for u in accounts])
    for target_type, ids in linked.items():
        _scrub_audit_values(target_type, ids, pattern)
    _scrub_export_audits(pole_id, pattern)
    files = remove_pending_imports(pole_id)

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
    counts = {
        "texts_scrubbed": texts,
        "accounts_closed": len(accounts),
        "links_revoked": links,
        "pending_imports_removed": files,
    }
    record_audit(
        "privacy.anonymise",
        person,
        counts,
        pole_id=pole_id,
        actor_id=by_user.id if by_user is not None else None,
    )
    db.session.flush()
    return counts


# Records linked to the person, by model: the free-text fields scrubbed of their identity.
_SCRUBBED_FIELDS = (
    (Accompaniment, ("title", "summary", "sector", "objectives", "end_review", "end_reason")),
    (
        AccompanimentSession,
        ("title", "place", "shared_summary", "next_steps", "private_notes", "public_description"),
    ),
    (Referral, ("reason", "outcome", "decline_detail")),
    (Request, ("need", "contact_text")),
    (SatisfactionResponse, ("comment",)),
    (PrivacyRequest, ("notes",)),
    (Collective, ("name", "description")),
    (Structure, ("contact_name", "contact_email", "contact_phone")),
)
# History rows of those records: (model, fields), and the parent (model name, column).
_SCRUBBED_CHILDREN = (
    (StageTransition, ("comment",)),
    (AccompanimentStatusChange, ("comment",)),
    (ReferralStatusChange, ("comment",)),
)
_PARENT_OF = {
    "StageTransition": ("Accompaniment", "accompaniment_id"),
    "AccompanimentStatusChange": ("Accompaniment", "accompaniment_id"),
    "ReferralStatusChange": ("Referral", "referral_id"),
}


def _linked_records(person: Person) -> dict[str, set[int]]:
    """Ids of the records written about `person`, by model name (as the journal names them)."""
    pid, pole_id = person.id, person.pole_id
    dossier_ids = set(
        _ids(select(Accompaniment.id).where(Accompaniment.pole_id == pole_id, Accompaniment.person_id == pid))
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
    referrals = db.session.execute(
        select(Referral.id, Referral.request_id).where(Referral.pole_id == pole_id, referral_filter)
    ).all()
    request_ids = set(_ids(select(Request.id).where(Request.pole_id == pole_id, Request.person_id == pid)))
    if dossier_ids:
        request_ids |= set(
            _ids(
                select(Accompaniment.request_id).where(
                    Accompaniment.id.in_(dossier_ids), Accompaniment.request_id.is_not(None)
                )
            )
        )
    request_ids |= {request_id for _id, request_id in referrals if request_id}
    satisfaction_filter = [SatisfactionResponse.person_id == pid]
    if session_ids:
        satisfaction_filter.append(SatisfactionResponse.session_id.in_(session_ids))
    if dossier_ids:
        satisfaction_filter.append(SatisfactionResponse.accompaniment_id.in_(dossier_ids))
    memberships = db.session.execute(
        select(Membership.id, Membership.collective_id, Membership.structure_id).where(
            Membership.pole_id == pole_id, Membership.person_id == pid
        )
    ).all()
    structure_ids = {structure_id for _m, _c, structure_id in memberships if structure_id}
    if person.email:  # a structure whose contact is this person
        structure_ids |= set(
            _ids(
                select(Structure.id).where(
                    Structure.pole_id == pole_id, func.lower(Structure.contact_email) == person.email.lower()
                )
            )
        )
    return {
        "Person": {pid},
        "Accompaniment": dossier_ids,
        "AccompanimentSession": session_ids,
        "Referral": {referral_id for referral_id, _r in referrals},
        "Request": request_ids,
        "SatisfactionResponse": set(
            _ids(
                select(SatisfactionResponse.id).where(
                    SatisfactionResponse.pole_id == pole_id, or_(*satisfaction_filter)
                )
            )
        ),
        "SkillAssessment": set(
            _ids(
                select(SkillAssessment.id).where(
                    SkillAssessment.pole_id == pole_id, SkillAssessment.person_id == pid
                )
            )
        ),
        "PrivacyRequest": set(_ids(select(PrivacyRequest.id).where(PrivacyRequest.person_id == pid))),
        "Membership": {membership_id for membership_id, _c, _s in memberships},
        "Collective": {collective_id for _m, collective_id, _s in memberships},
        "Structure": structure_ids,
    }


def _erase_own_contact_lines(pid: int, pole_id: int) -> int:
    """The contact line of the person's own requests is who they are: erased, not scrubbed."""
    requests = list(
        db.session.scalars(
            select(Request).where(
                Request.pole_id == pole_id, Request.person_id == pid, Request.contact_text.is_not(None)
            )
        )
    )
    for req in requests:
        req.contact_text = ANONYMISED_MARK
    return len(requests)


def _erase_places_of_own_sessions(pid: int, session_ids: set[int]) -> int:
    """Erase the place of the séances that concerned this person alone (no other attendee, no
    other beneficiary's dossier): an individual meeting's place is often their home or work."""
    if not session_ids:
        return 0
    others = set(
        _ids(
            select(Attendance.session_id).where(
                Attendance.session_id.in_(session_ids), Attendance.person_id != pid
            )
        )
    )
    others |= set(
        _ids(
            select(session_accompaniments.c.session_id)
            .join(Accompaniment, Accompaniment.id == session_accompaniments.c.accompaniment_id)
            .where(
                session_accompaniments.c.session_id.in_(session_ids),
                or_(Accompaniment.person_id.is_(None), Accompaniment.person_id != pid),
            )
        )
    )
    own = [sid for sid in session_ids if sid not in others]
    erased = 0
    if own:
        for session in db.session.scalars(
            select(AccompanimentSession).where(
                AccompanimentSession.id.in_(own), AccompanimentSession.place.is_not(None)
            )
        ):
            session.place = None
            erased += 1
    return erased


def _revoke_links_to(person: Person) -> int:
    """Signed links mailed to the person's address: revoked, and the address replaced."""
    if not person.email:
        return 0
    links = list(
        db.session.scalars(
            select(SignedLink).where(
                SignedLink.pole_id == person.pole_id, func.lower(SignedLink.recipient) == person.email.lower()
            )
        )
    )
    now = utcnow()
    for link in links:
        link.recipient = f"anonyme-{person.id}@anonyme.invalid"
        if link.revoked_at is None:
            link.revoked_at = now
    return len(links)


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


def _scrub_json(value, pattern: re.Pattern | None):
    if isinstance(value, str):
        return scrub_text(value, pattern)
    if isinstance(value, list):
        return [_scrub_json(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, pattern) for k, v in value.items()}
    return value


def _scrub_events(events, pattern: re.Pattern | None) -> None:
    for event in events:
        if event.changes:
            scrubbed = _scrub_json(event.changes, pattern)
            if scrubbed != event.changes:
                event.changes = scrubbed


def _scrub_audit_values(target_type: str, ids, pattern: re.Pattern | None) -> None:
    """Scrub the person's identity from what the journal kept about these records (entries
    written before the journal stopped keeping free text)."""
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        _scrub_events(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.target_type == target_type,
                    AuditEvent.target_id.in_(ids[start : start + 500]),
                    AuditEvent.changes.is_not(None),
                )
            ),
            pattern,
        )


def _scrub_export_audits(pole_id: int, pattern: re.Pattern | None) -> None:
    """Older export entries kept their search terms, which may be the person's name."""
    _scrub_events(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.pole_id == pole_id,
                AuditEvent.action.like("export.%"),
                AuditEvent.changes.is_not(None),
            )
        ),
        pattern,
    )


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
