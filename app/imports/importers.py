"""Importers for `people`, `structures` and `collectives` (see formats/imports.md)."""

import re
from collections import defaultdict
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.collectives.models import Collective, Membership
from app.collectives.services import (
    MembershipError,
    add_member,
    create_collective,
    match_role,
    update_membership,
)
from app.extensions import db
from app.imports.base import Column, Importer, PlanItem, Row, register
from app.imports.reader import CellError, fold_key, match_choice, parse_postal_code
from app.people.models import Person
from app.people.services import PersonBatch, PersonError, create_person, update_person
from app.structures.models import STRUCTURE_KINDS, Structure
from app.structures.services import (
    StructureError,
    create_structure,
    normalize_siret,
    siret_problem,
    update_structure,
)

GENDER_CHOICES = {
    **{fold_key(v): "femme" for v in ("femme", "f", "féminin", "mme", "madame")},
    **{fold_key(v): "homme" for v in ("homme", "h", "m", "masculin", "monsieur", "mr")},
    **{fold_key(v): "autre" for v in ("autre", "non binaire", "x")},
}

STRUCTURE_KIND_CHOICES = {
    **{fold_key(k): k for k in STRUCTURE_KINDS},
    **{fold_key(v): "association" for v in ("asso", "association loi 1901")},
    **{fold_key(v): "collectivite" for v in ("collectivité territoriale", "commune", "mairie")},
    **{fold_key(v): "reseau" for v in ("réseau/fédération", "réseau", "fédération", "federation")},
    **{fold_key(v): "entreprise" for v in ("société", "sarl", "sas")},
    **{fold_key(v): "cae" for v in ("coopérative d'activité et d'emploi",)},
}


def parse_gender(value: str) -> str:
    return match_choice(value, GENDER_CHOICES, "genre")


def parse_structure_kind(value: str) -> str:
    return match_choice(value, STRUCTURE_KIND_CHOICES, "type de structure")


# As in the structure form: http(s) addresses only, the scheme added when missing.
_WEBSITE = re.compile(r"^https?://[^\s/?#.]+(\.[^\s/?#.]+)+(?:[/?#]\S*)?$", re.IGNORECASE)


def parse_website(value: str) -> str:
    url = value if "://" in value else "https://" + value
    if not _WEBSITE.match(url):
        raise CellError(f"adresse web invalide « {value} »")
    return url


def parse_siret(value: str) -> str:
    """14 digits passing the checksum of app.structures.services (Luhn; La Poste's rule)."""
    siret = normalize_siret(value) or ""
    if not (siret.isdigit() and len(siret) == 14):
        raise CellError(f"SIRET invalide « {value} » (14 chiffres attendus)")
    if siret_problem(siret):
        raise CellError(f"SIRET invalide « {value} » (clé de contrôle incorrecte)")
    return siret


def _name_key(last: str | None, first: str | None) -> str:
    return f"{fold_key(last)}|{fold_key(first)}"


class PersonIndex:
    """The pole's persons, matched by email, else by folded names (+ postal code)."""

    def __init__(self, pole_id: int):
        persons = db.session.scalars(
            select(Person).where(Person.pole_id == pole_id, Person.anonymized_at.is_(None))
        ).all()
        self.by_email: dict[str, Person] = {}
        self.by_names: dict[str, list[Person]] = defaultdict(list)
        for person in persons:
            self.add(person)

    def add(self, person: Person) -> None:
        if person.email:
            self.by_email[person.email.lower()] = person
        self.by_names[_name_key(person.last_name, person.first_name)].append(person)

    def find(
        self, email: str | None, last: str, first: str, postal_code: str | None
    ) -> tuple[Person | None, tuple[str, str] | None]:
        """(person or None, (column, French reason) when the row cannot be matched safely)."""
        if email and email in self.by_email:
            person = self.by_email[email]
            # Same email, both names different: a shared address, not the same person.
            if fold_key(person.last_name) != fold_key(last) and fold_key(person.first_name) != fold_key(
                first
            ):
                return None, ("email", f"adresse déjà utilisée dans le pôle par {person.full_name}")
            return person, None
        # A person with another email is another person, whatever the names.
        candidates = [p for p in self.by_names.get(_name_key(last, first), []) if not email or not p.email]
        if postal_code:
            same = [p for p in candidates if p.postal_code == postal_code]
            if not same:
                same = [p for p in candidates if not p.postal_code]
            candidates = same
        if len(candidates) > 1:
            return None, (
                "nom",
                f"{len(candidates)} personnes du pôle portent ce nom : "
                "précisez l'adresse e-mail ou le code postal",
            )
        return (candidates[0] if candidates else None), None


PERSON_COLUMNS = (
    Column("nom", required=True, aliases=("nom de famille",)),
    Column("prenom", required=True),
    Column("email", aliases=("courriel", "mail", "adresse email", "adresse e-mail", "adresse mail")),
)


@register
class PeopleImporter(Importer):
    kind = "people"
    label = _l("Personnes")
    columns = (
        *PERSON_COLUMNS,
        Column("telephone", aliases=("tel", "tél.", "portable", "numéro de téléphone")),
        Column("commune", aliases=("ville",)),
        Column("code_postal", aliases=("cp",)),
        Column("genre", aliases=("sexe",)),
        Column("annee_naissance", aliases=("année de naissance",)),
        Column("situation"),
        Column("date_premier_contact", aliases=("premier contact", "date de premier contact")),
    )

    refusals = (PersonError,)
    batch_size = 500

    def prepare(self) -> None:
        self.persons = PersonIndex(self.pole.id)
        self.batch = PersonBatch(self.pole)

    def plan_row(self, row: Row) -> PlanItem:
        last = row.required_text("nom", 120)
        first = row.required_text("prenom", 120)
        data: dict[str, Any] = {
            "last_name": last,
            "first_name": first,
            "email": row.email("email"),
            "phone": row.text("telephone", 40),
            "commune": row.text("commune", 120),
            "postal_code": row.parsed("code_postal", parse_postal_code),
            "gender": row.parsed("genre", parse_gender),
            "birth_year": row.integer("annee_naissance", 1900, date.today().year),
            "situation": row.text("situation", 200),
            "first_contact_on": row.date("date_premier_contact"),
        }
        label = f"{first or ''} {last or ''}".strip()
        if row.errors:
            return self.error(row, label)
        data = {key: value for key, value in data.items() if value is not None}
        person, problem = self.persons.find(data.get("email"), last, first, data.get("postal_code"))
        if problem:
            row.error(*problem)
            return self.error(row, label)
        if person is None:
            return PlanItem(row.line, "create", label=label, payload={"data": data})
        changes = person_changes(person, data)
        action = "update" if changes else "unchanged"
        return PlanItem(
            row.line, action, label=label, changes=changes, payload={"person": person, "data": data}
        )

    def apply(self, item: PlanItem) -> None:
        changed = {key: new for key, (_old, new) in item.changes.items()}
        if not self.deferred:
            if item.action == "create":
                self.persons.add(create_person(self.pole, **item.payload["data"]))
            else:
                update_person(item.payload["person"], **changed)
        elif item.action == "create":
            self.persons.add(self.batch.create(**item.payload["data"]))
        else:
            self.batch.update(item.payload["person"], **changed)

    def write_batch(self) -> None:
        self.batch.flush()


def person_changes(person: Person, data: dict[str, Any]) -> dict[str, list]:
    """The fields a row would change; names differing only by case or accents do not count."""
    changes = {}
    for key, new in data.items():
        old = getattr(person, key)
        if key in ("first_name", "last_name") and fold_key(old) == fold_key(new):
            continue
        if old != new:
            changes[key] = [old, new]
    return changes


class StructureIndex:
    """The pole's structures, matched by SIRET, else by folded name."""

    def __init__(self, pole_id: int):
        structures = db.session.scalars(select(Structure).where(Structure.pole_id == pole_id)).all()
        self.by_siret: dict[str, Structure] = {}
        self.by_name: dict[str, list[Structure]] = defaultdict(list)
        for structure in structures:
            self.add(structure)

    def add(self, structure: Structure) -> None:
        if structure.siret:
            self.by_siret[structure.siret] = structure
        self.by_name[fold_key(structure.name)].append(structure)

    def find(self, siret: str | None, name: str) -> tuple[Structure | None, tuple[str, str] | None]:
        if siret and siret in self.by_siret:
            return self.by_siret[siret], None
        candidates = [s for s in self.by_name.get(fold_key(name), []) if not siret or not s.siret]
        if len(candidates) > 1:
            return None, ("nom", f"{len(candidates)} structures du pôle portent ce nom : précisez le SIRET")
        return (candidates[0] if candidates else None), None

    def lookup(self, value: str) -> Structure | None:
        """A structure named by its name (folded) or its SIRET, for references from other files."""
        try:
            siret = parse_siret(value)
        except CellError:
            siret = None
        if siret and siret in self.by_siret:
            return self.by_siret[siret]
        candidates = self.by_name.get(fold_key(value), [])
        active = [s for s in candidates if not s.archived] or candidates
        return active[0] if active else None


@register
class StructuresImporter(Importer):
    kind = "structures"
    label = _l("Structures")
    columns = (
        Column("nom", required=True, aliases=("raison sociale", "nom de la structure")),
        Column("type", aliases=("type de structure", "forme juridique")),
        Column("siret"),
        Column("commune", aliases=("ville",)),
        Column("code_postal", aliases=("cp",)),
        Column("site_web", aliases=("site", "site internet")),
        Column("partenaire"),
        Column("thematiques"),
        Column("contact_nom", aliases=("contact",)),
        Column("contact_email", aliases=("contact courriel", "contact mail")),
        Column("contact_telephone", aliases=("contact tel", "contact tél.")),
    )

    refusals = (StructureError,)

    def prepare(self) -> None:
        self.structures = StructureIndex(self.pole.id)

    def plan_row(self, row: Row) -> PlanItem:
        name = row.required_text("nom", 200)
        data: dict[str, Any] = {
            "name": name,
            "kind": row.parsed("type", parse_structure_kind),
            "siret": row.parsed("siret", parse_siret),
            "commune": row.text("commune", 120),
            "postal_code": row.parsed("code_postal", parse_postal_code),
            "website": row.parsed("site_web", parse_website),
            "is_partner": row.boolean("partenaire"),
            "contact_name": row.text("contact_nom", 200),
            "contact_email": row.email("contact_email"),
            "contact_phone": row.text("contact_telephone", 40),
        }
        thematics = row.thematics("thematiques")
        label = name or ""
        if row.errors:
            return self.error(row, label)
        data = {key: value for key, value in data.items() if value is not None}
        structure, problem = self.structures.find(data.get("siret"), name)
        if problem:
            row.error(*problem)
            return self.error(row, label)
        payload = {"structure": structure, "data": data, "thematics": thematics}
        if structure is None:
            return PlanItem(row.line, "create", label=label, payload=payload)
        changes = {}
        for key, new in data.items():
            old = getattr(structure, key)
            if key == "name" and fold_key(old) == fold_key(new):
                continue
            if old != new:
                changes[key] = [old, new]
        if thematics is not None and {t.id for t in thematics} != {t.id for t in structure.thematics}:
            changes["thematics"] = [[t.name for t in structure.thematics], [t.name for t in thematics]]
        action = "update" if changes else "unchanged"
        return PlanItem(row.line, action, label=label, changes=changes, payload=payload)

    def apply(self, item: PlanItem) -> None:
        data, thematics = item.payload["data"], item.payload["thematics"]
        thematic_ids = None if thematics is None else [t.id for t in thematics]
        if item.action == "create":
            structure = create_structure(self.pole, thematic_ids=thematic_ids, **data)
            self.structures.add(structure)
            return
        changed = {key: new for key, (_old, new) in item.changes.items() if key != "thematics"}
        if "thematics" not in item.changes:
            thematic_ids = None
        update_structure(item.payload["structure"], thematic_ids=thematic_ids, **changed)


@register
class CollectivesImporter(Importer):
    """One row per membership; the collective and the person are created when missing."""

    kind = "collectives"
    label = _l("Collectifs (une ligne par membre)")
    columns = (
        Column("collectif", required=True, aliases=("nom du collectif",)),
        *PERSON_COLUMNS,
        Column("structure", aliases=("structure représentée",)),
        Column("role", aliases=("rôle", "fonction")),
        Column("date_entree", aliases=("entrée", "date d'entrée", "date d'arrivée")),
    )

    refusals = (PersonError, MembershipError)

    def prepare(self) -> None:
        self.persons = PersonIndex(self.pole.id)
        self.structures = StructureIndex(self.pole.id)
        collectives = db.session.scalars(select(Collective).where(Collective.pole_id == self.pole.id)).all()
        self.collectives: dict[str, Collective] = {}
        for collective in sorted(collectives, key=lambda c: (c.archived, c.id), reverse=True):
            self.collectives[fold_key(collective.name)] = collective  # the first active one wins
        memberships = db.session.scalars(select(Membership).where(Membership.pole_id == self.pole.id)).all()
        self.memberships: dict[tuple[int, int], list[Membership]] = defaultdict(list)
        for membership in memberships:
            self.memberships[(membership.collective_id, membership.person_id)].append(membership)

    def plan_row(self, row: Row) -> PlanItem:
        collective_name = row.required_text("collectif", 200)
        last = row.required_text("nom", 120)
        first = row.required_text("prenom", 120)
        email = row.email("email")
        joined_on = row.date("date_entree")
        role_text = row.text("role", 64)
        structure = None
        if structure_name := row.text("structure"):
            structure = self.structures.lookup(structure_name)
            if structure is None:
                row.error("structure", f"structure inconnue dans le pôle « {structure_name} »")
        label = f"{first or ''} {last or ''} — {collective_name or ''}"
        if row.errors:
            return self.error(row, label)
        person, problem = self.persons.find(email, last, first, None)
        if problem:
            row.error(*problem)
            return self.error(row, label)
        collective = self.collectives.get(fold_key(collective_name))
        role = match_role(role_text) if role_text else None
        payload = {
            "collective": collective,
            "collective_name": collective_name,
            "person": person,
            "person_data": {"last_name": last, "first_name": first, "email": email},
            "structure": structure,
            "role": role,
            "joined_on": joined_on,
        }
        membership = None
        if collective is not None and person is not None:
            existing = self.memberships.get((collective.id, person.id), [])
            current = [m for m in existing if m.left_on is None]
            membership = (current or existing or [None])[0]
        if membership is None:
            notes = []
            if collective is None:
                notes.append("collectif créé")
            if person is None:
                notes.append("personne créée")
            return PlanItem(row.line, "create", label=label, notes=notes, payload=payload)
        changes = {}
        if role is not None and membership.role != role:
            changes["role"] = [membership.role, role]
        if structure is not None and membership.structure_id != structure.id:
            changes["structure"] = [str(membership.structure or ""), structure.name]
        if joined_on is not None and membership.joined_on != joined_on:
            changes["joined_on"] = [membership.joined_on, joined_on]
        if email and not person.email:
            changes["email"] = [None, email]
        payload["membership"] = membership
        action = "update" if changes else "unchanged"
        return PlanItem(row.line, action, label=label, changes=changes, payload=payload)

    def apply(self, item: PlanItem) -> None:
        p = item.payload
        person = p["person"]
        if person is not None and not person.email and p["person_data"]["email"]:
            # A matched person without an email gets the one of the file.
            update_person(person, email=p["person_data"]["email"])
            self.persons.add(person)
        if item.action == "update":
            changed = {}
            if "role" in item.changes:
                changed["role"] = p["role"]
            if "structure" in item.changes:
                changed["structure"] = p["structure"]
            if "joined_on" in item.changes:
                changed["joined_on"] = p["joined_on"]
            if changed:
                update_membership(p["membership"], changed)
            return
        collective = p["collective"]
        if collective is None:
            collective = create_collective(self.pole, name=p["collective_name"])
            self.collectives[fold_key(collective.name)] = collective
        if person is None:
            data = {k: v for k, v in p["person_data"].items() if v is not None}
            person = create_person(self.pole, **data)
            self.persons.add(person)
        membership = add_member(
            collective, person, structure=p["structure"], role=p["role"] or "membre", joined_on=p["joined_on"]
        )
        self.memberships[(collective.id, person.id)].append(membership)
