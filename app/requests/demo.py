"""Demo requests: a year of plausible sollicitations for the demo pole."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.poles.models import Thematic
from app.requests.services import create_request, set_outcome
from app.structures.models import Structure

REQUEST_COUNT = 80
FIRST_NAMES = (
    "Maëlle",
    "Yannick",
    "Soizic",
    "Erwan",
    "Gwenaëlle",
    "Loïc",
    "Nolwenn",
    "Tristan",
    "Anaïs",
    "Mathis",
    "Katell",
    "Goulven",
    "Inès",
    "Ronan",
    "Sterenn",
    "Hugo",
    "Léna",
    "Corentin",
    "Aziza",
    "Jean-Marc",
)
LAST_NAMES = (
    "Le Bihan",
    "Guillou",
    "Riou",
    "Tanguy",
    "Morvan",
    "Le Gall",
    "Jégou",
    "Hamon",
    "Cadiou",
    "Quéré",
    "Le Roux",
    "Madec",
    "Bouvier",
    "Benali",
    "Lucas",
    "Perrin",
    "Kerbrat",
    "Pichon",
    "Coquet",
    "Daniel",
)
NEEDS = (
    "Créer une épicerie solidaire en milieu rural",
    "Monter une recyclerie associative",
    "Transformer l'association en SCIC",
    "Trouver un modèle économique pour un tiers-lieu",
    "Structurer la gouvernance d'un collectif d'habitants",
    "Reprendre une entreprise en SCOP avec les salariés",
    "Lancer un café associatif et culturel",
    "Financer un atelier vélo participatif",
    "Créer une activité de maraîchage en insertion",
    "Mutualiser un emploi entre trois associations",
    "Développer une offre de mobilité solidaire",
    "Ouvrir une crèche parentale",
)
# Channels weighted as a pole sees them: phone and permanence first.
CHANNEL_WEIGHTS = (
    ("phone", 30),
    ("permanence", 20),
    ("email", 20),
    ("prescriber", 15),
    ("event", 10),
    ("other", 5),
)


def _pick_outcome(rng, age: int) -> str:
    """Recent requests are pending; older ones mostly resolved, a few left pending for weeks."""
    if age < 20:
        return "pending"
    roll = rng.random()
    if roll < 0.28:
        return "open"
    if roll < 0.6:
        return "oriented"
    if roll < 0.88 or age > 90:
        return "no_follow_up"
    return "pending"  # the home page flags these


def seed(ctx) -> None:
    rng, pole = ctx.rng, ctx.pole
    thematics = list(db.session.scalars(select(Thematic).where(Thematic.pole_id == pole.id)))
    structures = list(db.session.scalars(select(Structure).where(Structure.pole_id == pole.id)))
    persons = list(ctx.data.get("persons") or [])
    collectives = list(ctx.data.get("collectives") or [])
    channels = [c for c, _w in CHANNEL_WEIGHTS]
    weights = [w for _c, w in CHANNEL_WEIGHTS]
    staff = [ctx.admin, *ctx.advisors]
    requests, to_open = [], []
    for i in range(REQUEST_COUNT):
        received_on = ctx.today - timedelta(
            days=int(365 * (REQUEST_COUNT - i) / REQUEST_COUNT) - rng.randint(0, 3)
        )
        received_on = min(received_on, ctx.today)
        channel = rng.choices(channels, weights)[0]
        data = {
            "received_on": received_on,
            "channel": channel,
            "need": rng.choice(NEEDS),
            "thematics": rng.sample(thematics, k=min(len(thematics), rng.randint(1, 2))),
            "prescriber": rng.choice(structures) if structures and channel == "prescriber" else None,
        }
        age = (ctx.today - received_on).days
        outcome = _pick_outcome(rng, age)
        roll = rng.random()
        # Requests that become dossiers name persons and collectives the directory already has
        # (when it has some), so the demo's person count stays the people seeder's own.
        known = outcome == "open" and (persons or collectives)
        if collectives and (roll < 0.15 or (known and not persons) or (known and roll < 0.3)):
            data["collective"] = rng.choice(collectives)
        elif persons and (roll < 0.3 or known):
            data["person"] = rng.choice(persons)
        else:
            data["contact_text"] = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        req = create_request(pole, data, by=rng.choice(staff))
        requests.append(req)
        if outcome == "open":
            to_open.append(req)  # the dossier seeder opens these
        elif outcome == "oriented":
            set_outcome(req, "oriented", on=received_on + timedelta(days=rng.randint(2, 15)))
        elif outcome == "no_follow_up":
            set_outcome(req, "no_follow_up", on=received_on + timedelta(days=rng.randint(5, 20)))
    db.session.flush()
    ctx.data["requests"] = requests
    ctx.data["requests_to_open"] = to_open
