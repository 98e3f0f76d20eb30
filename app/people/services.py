"""Person operations. They flush; the caller commits."""

from typing import Any

from app.core.audit import record_audit
from app.core.text import search_text
from app.extensions import db
from app.people.models import Person
from app.poles.models import Pole


def refresh_search_text(person: Person) -> None:
    person.search_text = search_text(
        person.last_name, person.first_name, person.email, person.commune, person.postal_code
    )


def create_person(pole: Pole, **data: Any) -> Person:
    """Create a person of `pole` from model field values (first_name, last_name, email…)."""
    if data.get("email"):
        data["email"] = data["email"].strip().lower()
    person = Person(pole_id=pole.id, **data)
    refresh_search_text(person)
    db.session.add(person)
    db.session.flush()
    record_audit(
        "person.create",
        person,
        {k: v for k, v in data.items() if k in ("first_name", "last_name", "email", "commune")},
    )
    return person
