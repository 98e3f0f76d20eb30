"""Structure and partner directory operations. They flush; the caller commits."""

import re
from typing import Any

from sqlalchemy import Select, String, cast, select
from sqlalchemy.orm import selectinload

from app.core.audit import diff_fields, record_audit
from app.core.text import fold, like_pattern, search_text
from app.extensions import db
from app.poles.models import Pole, Thematic
from app.structures.models import PROJECT_STAGES, STRUCTURE_KINDS, Structure

# La Poste's establishments share one SIREN and follow their own checksum rule.
LA_POSTE_SIREN = "356000000"

BASE_FIELDS = ("name", "kind", "siret", "commune", "postal_code", "website")
PARTNER_FIELDS = (
    "is_partner",
    "partner_stages",
    "territory",
    "contact_name",
    "contact_email",
    "contact_phone",
    "offer_description",
    "how_to_refer",
)
EDITABLE_FIELDS = BASE_FIELDS + PARTNER_FIELDS
_NOT_DIGITS = re.compile(r"[\s.\-]")


class StructureError(ValueError):
    """A structure operation refused for a business reason (message in French)."""


def _editable(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable on a structure: {', '.join(sorted(unknown))}")
    return data


def normalize_siret(value: str | None) -> str | None:
    """'123 456 789 00012' -> '12345678900012'; empty -> None."""
    if value is None:
        return None
    value = _NOT_DIGITS.sub("", value)
    return value or None


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def siret_problem(value: str | None) -> str | None:
    """Why `value` is not a valid SIRET (French message), or None when it is valid or empty."""
    siret = normalize_siret(value)
    if siret is None:
        return None
    if not siret.isdigit() or len(siret) != 14:
        return "Le SIRET compte 14 chiffres."
    # La Poste's establishments: sum of the digits a multiple of 5 (its head office passes Luhn).
    if siret.startswith(LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0:
        return None
    if not _luhn_ok(siret):
        return "Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte)."
    return None


def refresh_search_text(structure: Structure) -> None:
    structure.search_text = search_text(
        structure.name,
        structure.commune,
        structure.postal_code,
        structure.siret,
        structure.territory,
        structure.contact_name,
    )


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[key] = value
    if "siret" in cleaned:
        cleaned["siret"] = normalize_siret(cleaned["siret"])
    if cleaned.get("contact_email"):
        cleaned["contact_email"] = cleaned["contact_email"].lower()
    if cleaned.get("postal_code"):
        cleaned["postal_code"] = cleaned["postal_code"].replace(" ", "")
    if "kind" in cleaned and cleaned["kind"] not in STRUCTURE_KINDS:
        cleaned["kind"] = "autre"
    if "partner_stages" in cleaned:
        stages = cleaned["partner_stages"] or []
        cleaned["partner_stages"] = [s for s in PROJECT_STAGES if s in stages]
    return cleaned


def siret_taken(pole: Pole, siret: str | None, exclude: Structure | None = None) -> Structure | None:
    """The other structure of `pole` with this SIRET, if any."""
    siret = normalize_siret(siret)
    if not siret:
        return None
    stmt = select(Structure).where(Structure.pole_id == pole.id, Structure.siret == siret)
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Structure.id != exclude.id)
    return db.session.scalars(stmt).first()


def _check(pole: Pole, data: dict[str, Any], exclude: Structure | None = None) -> None:
    if "siret" in data:
        problem = siret_problem(data["siret"])
        if problem:
            raise StructureError(problem)
        if siret_taken(pole, data["siret"], exclude):
            raise StructureError("Une structure du pôle a déjà ce numéro SIRET.")


def _pole_thematics(pole: Pole, thematic_ids) -> list[Thematic]:
    ids = {int(i) for i in thematic_ids or ()}
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Thematic)
            .where(Thematic.pole_id == pole.id, Thematic.id.in_(ids))
            .order_by(Thematic.position, Thematic.id)
        )
    )


def create_structure(pole: Pole, thematic_ids=None, **data: Any) -> Structure:
    """Create a structure of `pole` (thematic_ids: the partner's thematics, ids of the pole)."""
    data = _clean(_editable(data))
    _check(pole, data)
    structure = Structure(pole_id=pole.id, **data)
    structure.thematics = _pole_thematics(pole, thematic_ids)
    refresh_search_text(structure)
    db.session.add(structure)
    db.session.flush()
    changes = {k: v for k, v in data.items() if v not in (None, [], False)}
    if structure.thematics:
        changes["thematics"] = sorted(t.id for t in structure.thematics)
    record_audit("structure.create", structure, changes)
    return structure


def update_structure(structure: Structure, thematic_ids=None, **data: Any) -> dict[str, Any]:
    """Update the given fields (and the thematics when `thematic_ids` is not None); audited."""
    pole = db.session.get(Pole, structure.pole_id)
    data = _clean(_editable(data))
    _check(pole, data, exclude=structure)
    changes = diff_fields(structure, data)
    if thematic_ids is not None:
        new = _pole_thematics(pole, thematic_ids)
        old_ids = sorted(t.id for t in structure.thematics)
        if {t.id for t in new} != set(old_ids):
            structure.thematics = new
            changes["thematics"] = [old_ids, sorted(t.id for t in new)]
    if changes:
        refresh_search_text(structure)
        db.session.flush()
        record_audit("structure.update", structure, changes)
    return changes


def archive_structure(structure: Structure, archived: bool = True) -> bool:
    """Archive (or bring back) a structure; returns whether anything changed."""
    if structure.archived == archived:
        return False
    structure.archived = archived
    db.session.flush()
    record_audit(
        "structure.archive" if archived else "structure.unarchive",
        structure,
        {"archived": [not archived, archived]},
    )
    return True


def structures_query(
    pole: Pole,
    q: str | None = None,
    kind: str | None = None,
    partner: bool | None = None,
    include_archived: bool = False,
) -> Select:
    """Structures of `pole` matching the filters, sorted by name."""
    stmt = select(Structure).where(Structure.pole_id == pole.id)
    if q and fold(q):
        stmt = stmt.where(Structure.search_text.like(like_pattern(q), escape="\\"))
    if kind in STRUCTURE_KINDS:
        stmt = stmt.where(Structure.kind == kind)
    if partner is not None:
        stmt = stmt.where(Structure.is_partner.is_(partner))
    if not include_archived:
        stmt = stmt.where(Structure.archived.is_(False))
    # search_text starts with the folded name: an accent- and case-insensitive order.
    return stmt.order_by(Structure.search_text, Structure.id)


def partners_query(
    pole: Pole, q: str | None = None, thematic_id: int | None = None, stage: str | None = None
) -> Select:
    """Active partners of `pole` for the directory, with their thematics loaded."""
    stmt = structures_query(pole, q, partner=True).options(selectinload(Structure.thematics))
    if thematic_id:
        stmt = stmt.where(Structure.thematics.any(Thematic.id == thematic_id))
    if stage in PROJECT_STAGES:
        # JSON list of stage codes: match the quoted code in its text (SQLite and PostgreSQL).
        stmt = stmt.where(cast(Structure.partner_stages, String).like(f'%"{stage}"%'))
    return stmt


def rank_partners(
    pole: Pole, thematic_ids=(), stage: str | None = None, commune: str | None = None
) -> list[Structure]:
    """Every active partner of `pole`, best first: most matching thematics, then serving
    `stage`, then covering `commune` in its territory (or located there), then by name."""
    wanted = {int(i) for i in thematic_ids or ()}
    place = fold(commune)
    partners = db.session.scalars(
        select(Structure)
        .where(Structure.pole_id == pole.id, Structure.is_partner.is_(True), Structure.archived.is_(False))
        .options(selectinload(Structure.thematics))
    ).all()

    def key(partner: Structure):
        matching = len(wanted & {t.id for t in partner.thematics})
        serves_stage = bool(stage) and stage in (partner.partner_stages or [])
        covers = bool(place) and (place in fold(partner.territory) or place == fold(partner.commune))
        return (-matching, not serves_stage, not covers, fold(partner.name), partner.id)

    return sorted(partners, key=key)
