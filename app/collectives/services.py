"""Collective and membership operations. They flush; the caller commits."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.collectives.models import COLLECTIVE_KINDS, MEMBER_ROLES, Collective, Membership
from app.core.audit import diff_fields, record_audit
from app.core.dates import pole_today  # noqa: F401  (re-exported)
from app.core.text import fold, search_text
from app.extensions import db
from app.people.models import Person
from app.poles.models import Pole
from app.structures.models import Structure


class MembershipError(ValueError):
    """A membership change refused for a business reason (message in French)."""


def refresh_search_text(collective: Collective) -> None:
    collective.search_text = search_text(collective.name)


def _check_kind(kind: str) -> None:
    if kind not in COLLECTIVE_KINDS:
        raise ValueError(f"unknown collective kind: {kind!r}")


def create_collective(pole: Pole, *, name: str, kind: str = "mixte", description: str | None = None):
    """Create a collective of `pole`."""
    _check_kind(kind)
    collective = Collective(pole_id=pole.id, name=name.strip(), kind=kind, description=description)
    refresh_search_text(collective)
    db.session.add(collective)
    db.session.flush()
    record_audit("collective.create", collective, {"name": collective.name, "kind": kind})
    return collective


def update_collective(collective: Collective, data: dict) -> dict:
    """Change name, kind or description; return the changed fields."""
    if "kind" in data:
        _check_kind(data["kind"])
    changes = diff_fields(collective, data)
    if changes:
        refresh_search_text(collective)
        db.session.flush()
        record_audit("collective.update", collective, changes)
    return changes


def set_archived(collective: Collective, archived: bool) -> None:
    """Archive (hide from the list) or bring back a collective; its members are kept."""
    if collective.archived == archived:
        return
    collective.archived = archived
    db.session.flush()
    record_audit("collective.archive" if archived else "collective.unarchive", collective)


def _is_current_clause(today: date):
    return or_(Membership.left_on.is_(None), Membership.left_on > today)


def current_membership(
    collective: Collective, person: Person, *, exclude: Membership | None = None
) -> Membership | None:
    """The membership making `person` a current member of `collective`, if any."""
    stmt = select(Membership).where(
        Membership.collective_id == collective.id,
        Membership.person_id == person.id,
        _is_current_clause(pole_today(collective_pole(collective))),
    )
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Membership.id != exclude.id)
    return db.session.scalars(stmt.limit(1)).first()


def collective_pole(collective: Collective) -> Pole | None:
    return db.session.get(Pole, collective.pole_id)


def match_role(value: str | None) -> str:
    """A role code for text written leniently ("Référente", "référent·e" -> "referent"); any
    other text is kept as written (trimmed): the role is then free text."""
    text = " ".join((value or "").split())
    key = "".join(c for c in fold(text) if c.isalnum())
    for candidate in (
        key,
        key[:-1] if key.endswith(("e", "s")) else key,
        key[:-2] if key.endswith("es") else key,
    ):
        if candidate in MEMBER_ROLES:
            return candidate
    return text


def _clean_role(role: str | None) -> str:
    role = (role or "").strip()
    if not role:
        raise MembershipError(_("Précisez le rôle."))
    if len(role) > 64:
        raise MembershipError(_("Le rôle ne doit pas dépasser 64 caractères."))
    return role


def _check_dates(joined_on: date | None, left_on: date | None) -> None:
    if joined_on and left_on and left_on < joined_on:
        raise MembershipError(_("La date de départ ne peut pas précéder la date d'arrivée."))


def _check_same_pole(collective: Collective, person: Person, structure: Structure | None) -> None:
    if person.pole_id != collective.pole_id or (
        structure is not None and structure.pole_id != collective.pole_id
    ):
        raise ValueError("person, structure and collective must belong to the same pole")


def _is_current_on(left_on: date | None, today: date) -> bool:
    return left_on is None or left_on > today


def _audit_values(membership: Membership) -> dict:
    return {
        "collective_id": membership.collective_id,
        "person_id": membership.person_id,
        "structure_id": membership.structure_id,
        "role": membership.role,
        "joined_on": membership.joined_on,
        "left_on": membership.left_on,
    }


def add_member(
    collective: Collective,
    person: Person,
    *,
    structure: Structure | None = None,
    role: str = "membre",
    joined_on: date | None = None,
    left_on: date | None = None,
) -> Membership:
    """Make `person` a member of `collective`; refused if already a current member."""
    _check_same_pole(collective, person, structure)
    role = _clean_role(role)
    _check_dates(joined_on, left_on)
    today = pole_today(collective_pole(collective))
    if _is_current_on(left_on, today) and current_membership(collective, person) is not None:
        raise MembershipError(_("%(name)s est déjà membre actuel·le de ce collectif.", name=person.full_name))
    membership = Membership(
        pole_id=collective.pole_id,
        collective_id=collective.id,
        person_id=person.id,
        structure_id=structure.id if structure is not None else None,
        role=role,
        joined_on=joined_on,
        left_on=left_on,
    )
    db.session.add(membership)
    db.session.flush()
    record_audit("membership.create", membership, _audit_values(membership))
    return membership


def update_membership(membership: Membership, data: dict) -> dict:
    """Change structure, role and dates of a membership; return the changed fields."""
    values = dict(data)
    if "structure" in values:
        structure = values.pop("structure")
        if structure is not None and structure.pole_id != membership.pole_id:
            raise ValueError("structure of another pole")
        values["structure_id"] = structure.id if structure is not None else None
    if "role" in values:
        values["role"] = _clean_role(values["role"])
    joined_on = values.get("joined_on", membership.joined_on)
    left_on = values.get("left_on", membership.left_on)
    _check_dates(joined_on, left_on)
    collective = membership.collective
    today = pole_today(collective_pole(collective))
    becomes_current = _is_current_on(left_on, today) and not _is_current_on(membership.left_on, today)
    if becomes_current and current_membership(collective, membership.person, exclude=membership):
        raise MembershipError(
            _("%(name)s est déjà membre actuel·le de ce collectif.", name=membership.person.full_name)
        )
    changes = diff_fields(membership, values)
    if changes:
        db.session.flush()
        record_audit("membership.update", membership, changes)
    return changes


def mark_left(membership: Membership, left_on: date) -> dict:
    """Record that the member left the collective on `left_on`."""
    return update_membership(membership, {"left_on": left_on})


def remove_membership(membership: Membership) -> None:
    """Delete a membership recorded by mistake (a departure is recorded with `mark_left`)."""
    record_audit("membership.delete", membership, _audit_values(membership))
    db.session.delete(membership)
    db.session.flush()
