"""Demo dossiers: about thirty, individuals and collectives, at every stage, some closed and financed."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.accompaniments.services import change_status, create_accompaniment, move_to_stage
from app.collectives.models import Collective
from app.core.text import search_text
from app.extensions import db
from app.pathways.models import PathwayTemplate
from app.people.services import create_person
from app.requests.services import open_accompaniment, split_contact_text

DIRECT_DOSSIERS = 8
SECTORS = (
    "Alimentation",
    "Réemploi et recyclage",
    "Culture",
    "Mobilité",
    "Agriculture",
    "Petite enfance",
    "Habitat",
    "Services à la personne",
)
LEGAL_FORMS = ("association", "scop", "scic", "cae", "sas_ess", "autre", None)
MODALITIES = ("formation_complete", "accompagnateur_referent", "aide_ponctuelle")
FALLBACK_PERSONS = (("Armelle", "Pichon"), ("Bastien", "Le Floc'h"), ("Chloé", "Rannou"), ("David", "Nicol"))
FALLBACK_COLLECTIVES = ("Collectif du Bois-Joli", "Les Ateliers partagés de l'Oust")


def _beneficiaries(ctx):
    persons = list(ctx.data.get("persons") or [])
    collectives = list(ctx.data.get("collectives") or [])
    if not persons:
        persons = [
            create_person(ctx.pole, first_name=first, last_name=last) for first, last in FALLBACK_PERSONS
        ]
        ctx.data.setdefault("persons", []).extend(persons)
    if not collectives:
        for name in FALLBACK_COLLECTIVES:
            collective = Collective(
                pole_id=ctx.pole.id, name=name, search_text=search_text(name), kind="mixte"
            )
            db.session.add(collective)
            collectives.append(collective)
        db.session.flush()
        ctx.data.setdefault("collectives", []).extend(collectives)
    return persons, collectives


def _dossier_fields(ctx, template, title: str) -> dict:
    rng = ctx.rng
    return {
        "title": title,
        "sector": rng.choice(SECTORS),
        "intended_legal_form": rng.choice(LEGAL_FORMS),
        "template": template,
        "referent": rng.choice([*ctx.advisors, *ctx.advisors, ctx.admin]),
        "modality": rng.choice(MODALITIES),
        "objectives": "Clarifier le projet, bâtir son modèle économique, trouver des financements.",
    }


def _progress(ctx, acc, target: int, index: int) -> None:
    """Move the dossier to stage `target` at plausible dates, then maybe close/abandon/suspend it."""
    rng, today = ctx.rng, ctx.today
    stages = [s for s in acc.template.stages if s.active]
    target = min(target, len(stages) - 1)
    available = max(0, (today - acc.started_on).days)
    span = int(available * rng.uniform(0.6, 0.95))
    on = acc.started_on
    for step in range(1, target + 1):
        on = min(today, acc.started_on + timedelta(days=span * step // (target + 1)))
        move_to_stage(
            acc, stages[step], on, by=acc.referent, comment=None if rng.random() < 0.6 else "Étape validée"
        )
    last = on
    left = (today - last).days
    if target >= 4 and left > 10 and index % 3 != 2:
        financed = rng.random() < 0.7
        change_status(
            acc,
            "close",
            last + timedelta(days=rng.randint(5, min(60, left))),
            by=acc.referent,
            end_reason="Projet lancé",
            end_review="Structure créée, activité démarrée ; le collectif est autonome sur sa gestion.",
            financing_obtained=financed,
            financing_amount=Decimal(rng.randrange(5_000, 80_000, 500)) if financed else None,
        )
    elif index % 11 == 5 and left > 5:
        change_status(
            acc,
            "abandon",
            last + timedelta(days=rng.randint(1, left)),
            by=acc.referent,
            end_reason="Projet arrêté",
        )
    elif index % 13 == 7 and left > 5:
        change_status(
            acc, "suspend", last + timedelta(days=rng.randint(1, left)), by=acc.referent, comment="En pause"
        )


def seed(ctx) -> None:
    rng, pole = ctx.rng, ctx.pole
    template = db.session.scalar(
        select(PathwayTemplate).where(PathwayTemplate.pole_id == pole.id).order_by(PathwayTemplate.id)
    )
    persons, collectives = _beneficiaries(ctx)
    dossiers = []
    for req in ctx.data.get("requests_to_open") or []:
        new_person = None
        if req.person is None and req.collective is None:
            new_person = split_contact_text(req.contact_text)
            new_person["email"] = None
        started_on = min(ctx.today, req.received_on + timedelta(days=rng.randint(3, 20)))
        data = _dossier_fields(ctx, template, "")  # the default title: parcours and number
        data["started_on"] = started_on
        acc = open_accompaniment(req, data, by=data["referent"], new_person=new_person)
        if new_person is not None:
            ctx.data.setdefault("persons", []).append(acc.person)
        dossiers.append(acc)
    for i in range(DIRECT_DOSSIERS):
        beneficiary = (
            {"collective": collectives[i % len(collectives)]} if i % 2 else {"person": rng.choice(persons)}
        )
        data = _dossier_fields(ctx, template, f"Projet {rng.choice(SECTORS).lower()} n°{i + 1}")
        data.update(beneficiary)
        data["summary"] = "Projet repéré lors d'une permanence."
        data["started_on"] = ctx.today - timedelta(days=rng.randint(15, 330))
        data["thematics"] = []
        dossiers.append(create_accompaniment(pole, data, by=data["referent"]))
    for index, acc in enumerate(dossiers):
        _progress(ctx, acc, index % 6, index)
    db.session.flush()
    ctx.data["accompaniments"] = dossiers
