"""Demo data: a year of orientations to the demo partners, with their status histories."""

from datetime import timedelta

from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from app.auth.services import create_user
from app.collectives.models import Collective
from app.core.text import search_text
from app.extensions import db
from app.people.models import Person
from app.people.services import create_person
from app.poles.models import Thematic
from app.referrals import services
from app.structures.models import Structure

PARTNER_EMAIL = "partner@demo.passerelle.test"

# name, commune, thematics offered, contact email
DEMO_PARTNERS = (
    (
        "DLA Ille-et-Vilaine",
        "Rennes",
        ("Gouvernance partagée", "Modèle économique", "Ressources humaines et bénévolat"),
        "dla35@demo.passerelle.test",
    ),
    ("URSCOP Ouest", "Rennes", ("Cadre juridique", "Gouvernance partagée"), "urscop@demo.passerelle.test"),
    ("France Active Bretagne", "Rennes", ("Montage financier", "Modèle économique"), None),
    ("BGE Ille-et-Vilaine", "Redon", ("Modèle économique", "Communication"), None),
)
REASONS = (
    "Besoin d'un appui sur la gouvernance du collectif.",
    "Étude de la transformation en SCIC.",
    "Recherche de financement d'amorçage.",
    "Consolider le modèle économique avant l'embauche.",
    "Appui à la structuration de l'équipe bénévole.",
)
OUTCOMES = (
    "Diagnostic DLA réalisé, accompagnement collectif engagé.",
    "Rendez-vous pris, dossier de prêt d'honneur déposé.",
    "Statuts rédigés avec l'appui du partenaire.",
    "Deux séances d'appui réalisées.",
)


def _partners(ctx) -> list[Structure]:
    partners = [s for s in (ctx.data.get("partners") or []) if getattr(s, "is_partner", False)]
    if partners:
        return partners
    thematics = {
        t.name: t for t in db.session.scalars(select(Thematic).where(Thematic.pole_id == ctx.pole.id))
    }
    for name, commune, names, email in DEMO_PARTNERS:
        structure = Structure(
            pole_id=ctx.pole.id,
            name=name,
            kind="reseau",
            commune=commune,
            is_partner=True,
            contact_email=email,
            search_text=search_text(name, commune),
            thematics=[thematics[n] for n in names if n in thematics],
        )
        db.session.add(structure)
        partners.append(structure)
    db.session.flush()
    ctx.data["partners"] = partners
    return partners


def _beneficiaries(ctx) -> list[dict]:
    pole_id = ctx.pole.id
    dossiers = db.session.scalars(select(Accompaniment).where(Accompaniment.pole_id == pole_id)).all()
    persons = db.session.scalars(select(Person).where(Person.pole_id == pole_id).limit(60)).all()
    collectives = db.session.scalars(select(Collective).where(Collective.pole_id == pole_id)).all()
    if not (dossiers or persons or collectives):
        names = (
            ("Maëlle", "Le Bihan", "maelle.lebihan"),
            ("Yannick", "Rouxel", "yannick.rouxel"),
            ("Soizic", "Hamon", "soizic.hamon"),
            ("Erwan", "Cadiou", "erwan.cadiou"),
        )
        persons = [
            create_person(
                ctx.pole,
                first_name=first,
                last_name=last,
                email=f"{local}@demo.passerelle.test",
                phone=f"02 99 00 00 0{i}",
            )
            for i, (first, last, local) in enumerate(names)
        ]
        collectives = []
        for name in ("Collectif de l'épicerie solidaire", "Tiers-lieu de la Vilaine"):
            collective = Collective(pole_id=pole_id, name=name, search_text=search_text(name))
            db.session.add(collective)
            collectives.append(collective)
        db.session.flush()
    return (
        [{"accompaniment": a} for a in dossiers]
        + [{"person": p} for p in persons]
        + [{"collective": c} for c in collectives]
    )


def seed(ctx) -> None:
    pole = ctx.pole
    rng = ctx.rng
    partners = _partners(ctx)
    beneficiaries = _beneficiaries(ctx)
    today = min(ctx.today, services.pole_today(pole))
    advisors = ctx.advisors or [ctx.admin]
    dla = next((p for p in partners if "DLA" in p.name), partners[0])
    from app.demo.cli import DEMO_PASSWORD

    user = create_user(PARTNER_EMAIL, "partner", pole, full_name="Gaëlle Morvan", password=DEMO_PASSWORD)
    user.structure_id = dla.id
    ctx.data["partner_user"] = user
    referrals = []
    for _i in range(60):
        partner = rng.choice(partners)
        referred_on = today - timedelta(days=rng.randint(0, 360))
        offered = list(partner.thematics) or []
        referral = services.refer_to_partner(
            pole,
            rng.choice(advisors),
            partner=partner,
            referred_on=referred_on,
            thematics=rng.sample(offered, k=min(len(offered), rng.randint(1, 2))),
            reason=rng.choice(REASONS),
            consent_to_share=rng.random() < 0.75,
            **rng.choice(beneficiaries),
        )
        _play_history(referral, rng, today, user if partner is dla else None)
        referrals.append(referral)
    ctx.data["referrals"] = referrals


def _play_history(referral, rng, today, partner_user) -> None:
    """Walk a referral through a plausible history, never past today."""

    def step(status, after_days, **kwargs):
        on = referral.history[-1].changed_on + timedelta(days=after_days)
        if on > today:
            return False
        services.change_referral_status(
            referral, status, on=on, by=kwargs.pop("by", None), notify=False, **kwargs
        )
        return True

    by = referral.referred_by
    answered_by = partner_user or by
    if rng.random() < 0.08:
        step("no_follow_up", rng.randint(5, 20), by=by, comment="La personne n'a pas donné suite.")
        return
    if not step("sent", rng.randint(0, 3), by=by):
        return
    roll = rng.random()
    if roll < 0.15:
        step(
            "declined",
            rng.randint(3, 20),
            decline_reason=rng.choice(services.DECLINE_REASONS),
            decline_detail="Projet pas encore assez mûr.",
            comment="Hors de notre périmètre actuel.",
            by=answered_by,
        )
        return
    if roll < 0.3:
        if rng.random() < 0.5:
            step("no_follow_up", rng.randint(31, 45), by=by, comment="Sans réponse du partenaire.")
        return  # otherwise still waiting: appears in the list to chase
    if rng.random() < 0.3 and not step("under_review", rng.randint(1, 4), by=answered_by):
        return
    if not step("accepted", rng.randint(3, 15), by=answered_by, comment="Premier rendez-vous fixé."):
        return
    if rng.random() < 0.7:
        step("completed", rng.randint(20, 90), by=answered_by, outcome=rng.choice(OUTCOMES))
