"""Creating poles with their default reference data."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import func, select, union_all

from app.core.audit import record_audit
from app.core.text import fold
from app.extensions import db
from app.poles.models import DEFAULT_THEMATICS, Pole, Thematic

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

# Hooks run after a pole is created, so later domains add their defaults
# (e.g. the default parcours template) without this module knowing them.
POLE_CREATED_HOOKS: list = []


class PoleError(ValueError):
    pass


def create_pole(slug: str, name: str, timezone: str = "Europe/Paris") -> Pole:
    """Create a pole with the default thematics (and whatever defaults other domains add)."""
    slug = slug.strip().lower()
    name = name.strip()
    if not SLUG_RE.match(slug):
        raise PoleError("Identifiant invalide : lettres minuscules, chiffres et tirets, 2 à 63 caractères.")
    if not name:
        raise PoleError("Le nom du pôle est obligatoire.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PoleError(f"Fuseau horaire inconnu : {timezone}") from exc
    if db.session.scalar(select(Pole.id).where(Pole.slug == slug)) is not None:
        raise PoleError(f"Un pôle avec l'identifiant « {slug} » existe déjà.")
    pole = Pole(slug=slug, name=name, timezone=timezone)
    db.session.add(pole)
    db.session.flush()
    for position, thematic in enumerate(DEFAULT_THEMATICS):
        db.session.add(Thematic(pole_id=pole.id, name=thematic, position=position))
    for hook in POLE_CREATED_HOOKS:
        hook(pole)
    db.session.flush()
    return pole


def get_pole_by_slug(slug: str) -> Pole | None:
    return db.session.scalar(select(Pole).where(Pole.slug == slug.strip().lower()))


# --- Thematics administration ----------------------------------------------------------

# Every (table, column) referencing a thematic: a thematic found there is "in use" and is never
# deleted (the foreign keys cascade, so deleting it would silently erase history).
THEMATIC_REFERENCES = (
    ("structure_thematics", "thematic_id"),
    ("request_thematics", "thematic_id"),
    ("accompaniment_thematics", "thematic_id"),
    ("session_thematics", "thematic_id"),
    ("referral_thematics", "thematic_id"),
    ("skill_assessments", "thematic_id"),
)


class ThematicError(ValueError):
    """A thematic change refused for a business reason (message in French)."""


def pole_thematics(pole_id: int) -> list[Thematic]:
    """The pole's thematics in display order."""
    return list(
        db.session.scalars(
            select(Thematic).where(Thematic.pole_id == pole_id).order_by(Thematic.position, Thematic.id)
        )
    )


def _clean_thematic_name(pole_id: int, name: str, exclude: Thematic | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ThematicError(_("Le nom de la thématique est obligatoire."))
    if len(name) > 120:
        raise ThematicError(_("Le nom de la thématique ne doit pas dépasser 120 caractères."))
    folded = fold(name)
    for other in pole_thematics(pole_id):
        if other is not exclude and fold(other.name) == folded:
            raise ThematicError(_("La thématique « %(name)s » existe déjà.", name=other.name))
    return name


def add_thematic(pole: Pole, name: str) -> Thematic:
    """Add a thematic at the end of the pole's list; names are unique (accents and case aside)."""
    name = _clean_thematic_name(pole.id, name)
    positions = [t.position for t in pole_thematics(pole.id)]
    thematic = Thematic(pole_id=pole.id, name=name, position=max(positions, default=-1) + 1, active=True)
    db.session.add(thematic)
    db.session.flush()
    record_audit("thematic.create", thematic, {"name": name}, pole_id=pole.id)
    return thematic


def rename_thematic(thematic: Thematic, name: str) -> None:
    name = _clean_thematic_name(thematic.pole_id, name, exclude=thematic)
    if name == thematic.name:
        return
    record_audit("thematic.rename", thematic, {"name": [thematic.name, name]})
    thematic.name = name
    db.session.flush()


def move_thematic(thematic: Thematic, offset: int) -> bool:
    """Move a thematic one place up (-1) or down (+1); positions are renumbered 0..n-1."""
    ordered = pole_thematics(thematic.pole_id)
    index = ordered.index(thematic)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    record_audit("thematic.reorder", thematic, {"position": [index, target]})
    return True


def set_thematic_active(thematic: Thematic, active: bool) -> None:
    """A deactivated thematic is no longer offered in forms; records keep it."""
    if thematic.active == active:
        return
    thematic.active = active
    db.session.flush()
    record_audit("thematic.activate" if active else "thematic.deactivate", thematic)


def thematic_usage(thematic_ids: list[int]) -> dict[int, int]:
    """How many records reference each thematic (one query, whatever the number of thematics)."""
    if not thematic_ids:
        return {}
    parts = []
    for table_name, column in THEMATIC_REFERENCES:
        table = db.metadata.tables.get(table_name)
        if table is not None:
            parts.append(
                select(table.c[column].label("thematic_id")).where(table.c[column].in_(thematic_ids))
            )
    refs = union_all(*parts).subquery()
    rows = db.session.execute(select(refs.c.thematic_id, func.count()).group_by(refs.c.thematic_id))
    return {thematic_id: count for thematic_id, count in rows}


def delete_thematic(thematic: Thematic) -> None:
    """Delete a thematic that nothing references; one in use must be deactivated instead."""
    uses = thematic_usage([thematic.id]).get(thematic.id, 0)
    if uses:
        raise ThematicError(
            _(
                "La thématique « %(name)s » est utilisée (%(count)d fois) : elle ne peut pas être "
                "supprimée. Désactivez-la plutôt : elle ne sera plus proposée et l'historique reste intact.",
                name=thematic.name,
                count=uses,
            )
        )
    record_audit("thematic.delete", thematic, {"name": thematic.name})
    db.session.delete(thematic)
    db.session.flush()
