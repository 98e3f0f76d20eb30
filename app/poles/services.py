"""Creating poles with their default reference data."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

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
