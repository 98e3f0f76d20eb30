"""Demo persons: ~40 fictional porteurs de projet across Redon Agglomération's communes.

Names, e-mails (@example.org) and phone numbers (ARCEP's range reserved for fiction) are
invented. Puts the persons in ctx.data["persons"] for later seeders.
"""

from datetime import timedelta

from app.core.text import fold
from app.people.services import create_person

COMMUNES = (
    ("Redon", "35600"),
    ("Redon", "35600"),
    ("Redon", "35600"),
    ("Bains-sur-Oust", "35600"),
    ("Sainte-Marie", "35600"),
    ("Allaire", "56350"),
    ("Saint-Perreux", "56350"),
    ("Saint-Jean-la-Poterie", "56350"),
    ("Rieux", "56350"),
    ("Saint-Vincent-sur-Oust", "56350"),
    ("Saint-Nicolas-de-Redon", "44460"),
    ("Avessac", "44460"),
    ("Fégréac", "44460"),
    ("Guémené-Penfao", "44290"),
    ("Pipriac", "35550"),
    ("Sixt-sur-Aff", "35550"),
    ("Renac", "35660"),
    ("Langon", "35660"),
    ("Peillac", "56220"),
    ("Plessé", "44630"),
)
FIRST_NAMES = (
    ("Élodie", "femme"),
    ("Gwenaëlle", "femme"),
    ("Maëlle", "femme"),
    ("Anne-Sophie", "femme"),
    ("Soizic", "femme"),
    ("Nathalie", "femme"),
    ("Léa", "femme"),
    ("Chloé", "femme"),
    ("Awa", "femme"),
    ("Inès", "femme"),
    ("Françoise", "femme"),
    ("Morgane", "femme"),
    ("Yann", "homme"),
    ("Erwan", "homme"),
    ("Loïc", "homme"),
    ("Mathis", "homme"),
    ("Jean-François", "homme"),
    ("Killian", "homme"),
    ("Karim", "homme"),
    ("Ronan", "homme"),
    ("Théo", "homme"),
    ("Gaël", "homme"),
    ("Camille", None),
    ("Sacha", None),
)
LAST_NAMES = (
    "Le Goff",
    "Le Bihan",
    "Guého",
    "Briand",
    "Morvan",
    "Hamon",
    "Le Floch",
    "Jégou",
    "Rouxel",
    "Tanguy",
    "Le Gall",
    "Quéméner",
    "Bouvier",
    "Chevalier",
    "Diallo",
    "Benali",
    "Poirier",
    "Lemoine",
    "Cadoret",
    "Le Roux",
    "Mahé",
    "Josse",
    "Danet",
    "Perrin",
)
SITUATIONS = (
    "Demandeur·euse d'emploi",
    "Salarié·e",
    "Bénévole associatif",
    "Agriculteur·rice",
    "Retraité·e",
    "Étudiant·e",
    "Indépendant·e",
    "Élu·e municipal·e",
    None,
)
COUNT = 40


def _email(first: str, last: str, n: int) -> str:
    local = f"{fold(first)}.{fold(last)}".replace(" ", "-").replace("'", "")
    return f"{local}{n if n > 1 else ''}@example.org"


def seed(ctx) -> None:
    rng = ctx.rng
    persons, used_names, used_emails = [], set(), set()
    while len(persons) < COUNT:
        first, gender = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        if (first, last) in used_names:
            continue
        used_names.add((first, last))
        commune, postal_code = rng.choice(COMMUNES)
        first_contact = ctx.today - timedelta(days=rng.randint(7, 720))
        email = None
        if rng.random() < 0.85:
            n = 1
            while _email(first, last, n) in used_emails:
                n += 1
            email = _email(first, last, n)
            used_emails.add(email)
        persons.append(
            create_person(
                ctx.pole,
                first_name=first,
                last_name=last,
                email=email,
                phone=f"06 39 98 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
                if rng.random() < 0.8
                else None,
                commune=commune,
                postal_code=postal_code,
                gender=gender if rng.random() < 0.9 else None,
                birth_year=rng.randint(1955, 2003) if rng.random() < 0.75 else None,
                situation=rng.choice(SITUATIONS),
                first_contact_on=first_contact,
                privacy_notice_given_on=first_contact if rng.random() < 0.9 else None,
            )
        )
    ctx.data["persons"] = persons
