"""Person operations. They flush; the caller commits."""

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true

from app.core.audit import audit_values, diff_fields, record_audit, record_audits
from app.core.text import fold, like_pattern, search_text
from app.extensions import db
from app.people.models import Person
from app.poles.models import Pole

# Fields a form may set on a person (others are managed by dedicated operations).
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "commune",
    "postal_code",
    "gender",
    "birth_year",
    "situation",
    "first_contact_on",
    "privacy_notice_given_on",
    "notes",
)


class PersonError(ValueError):
    """A person operation refused for a business reason (message in French)."""


def refresh_search_text(person: Person) -> None:
    person.search_text = search_text(
        person.last_name, person.first_name, person.email, person.commune, person.postal_code
    )


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Strip text values, store empty ones as None and e-mails in lower case."""
    cleaned = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[key] = value
    if cleaned.get("email"):
        cleaned["email"] = cleaned["email"].lower()
    if cleaned.get("postal_code"):
        cleaned["postal_code"] = cleaned["postal_code"].replace(" ", "")
    return cleaned


def email_taken(pole: Pole, email: str | None, exclude: Person | None = None) -> Person | None:
    """The other person of `pole` already using `email`, if any."""
    if not email:
        return None
    stmt = select(Person).where(Person.pole_id == pole.id, Person.email == email.strip().lower())
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Person.id != exclude.id)
    return db.session.scalars(stmt).first()


def find_likely_duplicates(
    pole: Pole,
    *,
    email: str | None = None,
    last_name: str | None = None,
    first_name: str | None = None,
    postal_code: str | None = None,
    exclude: Person | None = None,
) -> list[Person]:
    """Persons of `pole` that are probably the same individual: same e-mail, or same
    last name + first name + postal code (accent- and case-insensitive)."""
    conditions = []
    if email and email.strip():
        conditions.append(Person.email == email.strip().lower())
    last, first = fold(last_name), fold(first_name)
    if last and first:
        prefix = like_pattern(f"{last} {first}")[1:]  # "%x%" -> "x%": search_text starts with the names
        conditions.append(Person.search_text.like(prefix, escape="\\"))
    if not conditions:
        return []
    stmt = select(Person).where(Person.pole_id == pole.id, or_(*conditions)).order_by(Person.id).limit(50)
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Person.id != exclude.id)
    wanted_email = (email or "").strip().lower() or None
    wanted_pc = (postal_code or "").replace(" ", "") or None
    found = []
    for person in db.session.scalars(stmt):
        same_email = wanted_email is not None and person.email == wanted_email
        same_names = (
            fold(person.last_name) == last
            and fold(person.first_name) == first
            and (person.postal_code or None) == wanted_pc
        )
        if same_email or same_names:
            found.append(person)
    return found


EMAIL_TAKEN = "Une personne du pôle a déjà cette adresse e-mail."


def _creation_journal(data: dict[str, Any]) -> dict[str, Any]:
    """What `person.create` records: the values given, free-text notes left out."""
    return {k: v for k, v in data.items() if v is not None and k != "notes"}


def _editable(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable on a person: {', '.join(sorted(unknown))}")
    return _clean(data)


def _update_journal(changes: dict[str, Any]) -> dict[str, Any]:
    """What `person.update` records: the changes, free-text notes masked."""
    if "notes" in changes:
        changes["notes"] = ["…", "…"]  # free text stays out of the journal
    return changes


def create_person(pole: Pole, **data: Any) -> Person:
    """Create a person of `pole` from model field values (first_name, last_name, email…)."""
    data = _clean(data)
    if email_taken(pole, data.get("email")):
        raise PersonError(EMAIL_TAKEN)
    person = Person(pole_id=pole.id, **data)
    refresh_search_text(person)
    db.session.add(person)
    db.session.flush()
    record_audit("person.create", person, _creation_journal(data))
    return person


def update_person(person: Person, **data: Any) -> dict[str, Any]:
    """Update a person; returns the changed fields ({field: [old, new]}), audited."""
    data = _editable(data)
    pole = db.session.get(Pole, person.pole_id)
    if email_taken(pole, data.get("email"), exclude=person):
        raise PersonError(EMAIL_TAKEN)
    changes = diff_fields(person, data)
    if changes:
        refresh_search_text(person)
        db.session.flush()
        record_audit("person.update", person, _update_journal(changes))
    return changes


class PersonBatch:
    """Create and update many persons of one pole with a constant number of statements.

    Same rules, values and audit events as `create_person` / `update_person`, for imports:
    the e-mail check reads the pole's e-mails loaded once (and kept up to date here),
    nothing is flushed per person, and `flush()` writes the persons (the ORM batches the
    INSERTs) then their audit events in one executemany. A refusal (PersonError) leaves
    nothing behind. After a rollback, throw the batch away and start a new one.
    """

    def __init__(self, pole: Pole):
        self.pole = pole
        rows = db.session.execute(
            select(Person.email, Person.id).where(Person.pole_id == pole.id, Person.email.is_not(None))
        )
        # e-mail -> owner: a person id, or the Person itself while it is not flushed.
        self._owners: dict[str, int | Person] = {email: person_id for email, person_id in rows}
        self._audits: list[tuple[str, Person, dict[str, Any]]] = []
        self._new: list[Person] = []

    def _taken(self, email: str | None, exclude: Person | None = None) -> bool:
        """As `email_taken`: another person of the pole uses `email` (exact, as stored)."""
        if not email:
            return False
        owner = self._owners.get(email.strip().lower())
        if owner is None or exclude is None:
            return owner is not None
        return not (owner is exclude or (exclude.id is not None and owner == exclude.id))

    def _own(self, person: Person, old_email: str | None = None) -> None:
        if old_email and self._owners.get(old_email) in (person, person.id):
            del self._owners[old_email]
        if person.email:
            self._owners[person.email] = person.id if person.id is not None else person

    def create(self, **data: Any) -> Person:
        """As `create_person`, the INSERT and the audit event deferred to `flush()`."""
        data = _clean(data)
        if self._taken(data.get("email")):
            raise PersonError(EMAIL_TAKEN)
        # Every editable column set (None when absent, as an omitted column would be): the
        # persons then share one INSERT shape, which the ORM batches into a few statements.
        person = Person(pole_id=self.pole.id, **{**dict.fromkeys(EDITABLE_FIELDS), **data})
        refresh_search_text(person)
        db.session.add(person)
        self._new.append(person)
        self._own(person)
        self._audits.append(("person.create", person, _creation_journal(data)))
        return person

    def update(self, person: Person, **data: Any) -> dict[str, Any]:
        """As `update_person`, the UPDATE and the audit event deferred to `flush()`."""
        data = _editable(data)
        if self._taken(data.get("email"), exclude=person):
            raise PersonError(EMAIL_TAKEN)
        old_email = person.email
        changes = diff_fields(person, data)
        if changes:
            refresh_search_text(person)
            self._own(person, old_email)
            self._audits.append(("person.update", person, _update_journal(changes)))
        return changes

    def flush(self) -> None:
        """Write the pending persons, then their audit events (in the order of the calls)."""
        if self._new and db.session.get_bind().dialect.name == "sqlite":
            # SQLite cannot return the ids of a many-row INSERT in a guaranteed order, so the
            # ORM would insert row by row: give the ids SQLite would give (the table has no
            # AUTOINCREMENT: max + 1…). A web import's transaction holds the write lock from
            # its start (BEGIN IMMEDIATE); elsewhere the INSERT takes it, and fails with
            # "database is locked" — the whole import is rolled back — if another connection
            # wrote since this one read the max. A clash with persons of this very session
            # not flushed yet is an IntegrityError, which the import replays row by row.
            with db.session.no_autoflush:
                last = db.session.scalar(select(func.max(Person.id)).execution_options(all_poles=True))
            for offset, person in enumerate(self._new, start=(last or 0) + 1):
                person.id = offset
        self._new.clear()
        db.session.flush()
        record_audits([audit_values(action, person, changes) for action, person, changes in self._audits])
        self._audits.clear()
        for email, owner in list(self._owners.items()):
            if isinstance(owner, Person):
                self._owners[email] = owner.id


def archive_person(person: Person, archived: bool = True) -> bool:
    """Archive (or bring back) a person; returns whether anything changed."""
    if person.archived == archived:
        return False
    person.archived = archived
    db.session.flush()
    record_audit(
        "person.archive" if archived else "person.unarchive",
        person,
        {"archived": [not archived, archived]},
    )
    return True


def person_matches(query: str | None) -> ColumnElement[bool]:
    """The search every person picker shares: each word typed, folded (no accents, any case),
    is found somewhere in `search_text` ("last first email commune postcode"), in any order and
    as part of a word: « awa le gall », « gall awa », « le gal » all find Awa Le Gall."""
    words = fold(query).split()
    return and_(true(), *(Person.search_text.like(like_pattern(word), escape="\\") for word in words))


def search_persons(pole: Pole, query: str | None, exclude_ids=(), limit: int = 10) -> list[Person]:
    """Persons of `pole` a picker offers for `query` (at least two characters), by name; archived
    and anonymised persons left out."""
    if len(fold(query).replace(" ", "")) < 2:
        return []
    stmt = select(Person).where(
        Person.pole_id == pole.id,
        Person.archived.is_(False),
        Person.anonymized_at.is_(None),
        person_matches(query),
    )
    if exclude_ids:
        stmt = stmt.where(Person.id.not_in(list(exclude_ids)))
    return list(db.session.scalars(stmt.order_by(Person.search_text, Person.id).limit(limit)))


def persons_query(pole: Pole, q: str | None = None, include_archived: bool = False) -> Select:
    """Persons of `pole` matching a search, sorted by name (for lists and exports)."""
    stmt = select(Person).where(Person.pole_id == pole.id)
    if q and fold(q):
        stmt = stmt.where(person_matches(q))
    if not include_archived:
        stmt = stmt.where(Person.archived.is_(False))
    # search_text starts with the folded "last first": an accent- and case-insensitive order.
    return stmt.order_by(Person.search_text, Person.id)
