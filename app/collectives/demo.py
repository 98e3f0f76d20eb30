"""Demo data: three fictional collectives of the Pays de Redon with their members."""

from datetime import timedelta

from app.collectives.services import add_member, create_collective
from app.people.models import Person
from app.people.services import create_person

COLLECTIVES = (
    {
        "name": "Tiers-lieu de la Gare — Redon",
        "kind": "mixte",
        "description": "Habitants, associations et artisans transforment l'ancienne halle de la gare "
        "en tiers-lieu : café associatif, atelier partagé et espace de coworking.",
        "members": 7,
        "with_structure": 3,
        "former": 1,
    },
    {
        "name": "Épicerie solidaire du Pays d'Allaire",
        "kind": "habitants",
        "description": "Des habitantes et habitants d'Allaire et des communes voisines montent une "
        "épicerie solidaire en circuit court, gérée par ses adhérents.",
        "members": 6,
        "with_structure": 0,
        "former": 1,
    },
    {
        "name": "Coopérative énergie citoyenne Oust & Vilaine",
        "kind": "multi_structures",
        "description": "Associations, communes et entreprises du territoire préparent une SCIC de "
        "production d'énergie renouvelable (toitures photovoltaïques).",
        "members": 5,
        "with_structure": 5,
        "former": 0,
    },
)

# Fictional persons, used only when the people seeder did not provide enough of them.
FALLBACK_PERSONS = (
    ("Annaïg", "Le Bihan", "Redon"),
    ("Erwan", "Guillotin", "Allaire"),
    ("Maëlle", "Josse", "Saint-Nicolas-de-Redon"),
    ("Thierry", "Danet", "Bains-sur-Oust"),
    ("Soizic", "Hervé", "Rieux"),
    ("Kévin", "Lebreton", "Guémené-Penfao"),
    ("Morgane", "Le Calvez", "Saint-Perreux"),
    ("Jean-Yves", "Ollivier", "Peillac"),
    ("Léna", "Bouvier", "Redon"),
    ("Gaël", "Pichon", "Sainte-Marie"),
    ("Rozenn", "Chevalier", "Allaire"),
    ("Patrice", "Rouxel", "Saint-Jean-la-Poterie"),
    ("Nadia", "Benali", "Redon"),
    ("Loïc", "Thébaud", "La Gacilly"),
    ("Ophélie", "Marchand", "Pipriac"),
    ("Yvon", "Lecomte", "Avessac"),
    ("Clémence", "Tual", "Théhillac"),
    ("Mathis", "Gicquel", "Renac"),
)

ROLES = ("membre", "membre", "benevole", "referent", "elu", "salarie", "habitant")


def _persons(ctx, needed: int) -> list[Person]:
    """The people seeder's persons when there are enough, completed with fictional ones."""
    existing = [p for p in (ctx.data.get("persons") or []) if isinstance(p, Person) and not p.archived]
    pool = ctx.rng.sample(existing, min(needed, len(existing)))
    for first, last, commune in FALLBACK_PERSONS:
        if len(pool) >= needed:
            break
        if any(p.first_name == first and p.last_name == last for p in existing):
            continue
        person = create_person(ctx.pole, first_name=first, last_name=last, commune=commune)
        pool.append(person)
    return pool


def _structures(ctx) -> list:
    structures = ctx.data.get("structures") or []
    if isinstance(structures, dict):
        structures = list(structures.values())
    own = [s for s in structures if getattr(s, "pole_id", None) == ctx.pole.id]
    # Members represent the pole's ordinary structures first; partners (DLA, URSCOP…) only if needed.
    return sorted(own, key=lambda s: bool(getattr(s, "is_partner", False)))


def seed(ctx) -> None:
    rng = ctx.rng
    total = sum(spec["members"] for spec in COLLECTIVES)
    persons = _persons(ctx, total)
    structures = _structures(ctx)
    collectives = []
    cursor = 0
    for spec in COLLECTIVES:
        collective = create_collective(
            ctx.pole, name=spec["name"], kind=spec["kind"], description=spec["description"]
        )
        members = persons[cursor : cursor + spec["members"]]
        cursor += spec["members"]
        pool = list(structures[: max(spec["with_structure"] * 2, 1)])
        rng.shuffle(pool)
        for index, person in enumerate(members):
            joined_on = ctx.today - timedelta(days=rng.randint(60, 900))
            structure = pool[index % len(pool)] if pool and index < spec["with_structure"] else None
            left_on = None
            if index >= len(members) - spec["former"]:
                left_on = min(ctx.today - timedelta(days=7), joined_on + timedelta(days=rng.randint(30, 300)))
            role = "referent" if index == 0 else rng.choice(ROLES)
            if spec["kind"] == "habitants" and role in ("salarie", "elu"):
                role = "habitant"
            add_member(
                collective, person, structure=structure, role=role, joined_on=joined_on, left_on=left_on
            )
        collectives.append(collective)
    ctx.data["collectives"] = collectives
