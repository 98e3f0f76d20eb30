"""`flask demo seed`: a fictional demo pole, enriched by each domain's `demo.seed(ctx)`."""

import random
from dataclasses import dataclass, field
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services import create_user
from app.extensions import db
from app.poles.models import Pole
from app.poles.services import create_pole, get_pole_by_slug

DEMO_SLUG = "demo"
DEMO_NAME = "Pôle ESS de démonstration — Pays de Redon"
DEMO_PASSWORD = "demo-passerelle-redon"
DEMO_USERS = (
    ("admin@demo.passerelle.test", "admin", "Camille Le Goff"),
    ("advisor1@demo.passerelle.test", "advisor", "Yann Guého"),
    ("advisor2@demo.passerelle.test", "advisor", "Nolwenn Briand"),
)

demo_cli = AppGroup("demo", help="Données de démonstration.")


@dataclass
class DemoContext:
    """What each domain's demo seeder receives and may enrich for the next ones."""

    pole: Pole
    admin: User
    advisors: list[User]
    rng: random.Random
    today: date
    data: dict = field(default_factory=dict)


def _print_logins() -> None:
    """Every account of the demo pole (staff, and the partner and holder the domains add)."""
    click.echo(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    pole = get_pole_by_slug(DEMO_SLUG)
    users = db.session.scalars(
        select(User)
        .where(User.pole_id == pole.id, User.email.like("%@demo.passerelle.test"))
        .order_by(User.id)
    ).all()
    for user in users:
        click.echo(f"  {user.email:<34} {user.role:<8} {user.full_name}")


def seed_demo(seed: int = 2026, today: date | None = None) -> Pole:
    """Create the demo pole with its staff, then let every domain add its data."""
    from app import domain_module, existing_domains

    pole = create_pole(DEMO_SLUG, DEMO_NAME)
    users = [
        create_user(email, role, pole, full_name=name, password=DEMO_PASSWORD)
        for email, role, name in DEMO_USERS
    ]
    ctx = DemoContext(
        pole=pole,
        admin=users[0],
        advisors=users[1:],
        rng=random.Random(seed),
        today=today or date.today(),
    )
    for domain in existing_domains():
        module = domain_module(domain, "demo")
        if module is not None and hasattr(module, "seed"):
            module.seed(ctx)
            db.session.flush()
    return pole


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Ne rien faire si la base contient déjà un pôle.")
@click.option("--seed", "seed_value", default=2026, show_default=True, type=int)
@click.option(
    "--scale",
    type=click.Choice(["pole", "network", "tiny"]),
    default=None,
    help="Données synthétiques de banc d'essai : pole (1 pôle, 20 000 séances) ou network "
    "(50 pôles, 1 000 000 de séances) ; voir bench/README.md. tiny : pour les tests.",
)
def seed_command(if_empty: bool, seed_value: int, scale: str | None) -> None:
    """Load the fictional demo pole (Pays de Redon) with its staff accounts."""
    if scale is not None:
        _seed_scale(scale, seed_value)
        return
    existing = get_pole_by_slug(DEMO_SLUG)
    if existing is not None:
        click.echo("Le pôle de démonstration existe déjà.")
        _print_logins()
        return
    if if_empty and db.session.scalar(select(func.count(Pole.id))):
        click.echo("La base contient déjà des données : démonstration non chargée.")
        return
    seed_demo(seed_value)
    db.session.commit()
    click.echo(f"Pôle de démonstration créé : {DEMO_NAME}")
    _print_logins()


def _seed_scale(scale: str, seed_value: int) -> None:
    import time

    from app.demo.scale import BENCH_PASSWORD, SCALES, build_scale

    spec = SCALES[scale]
    click.echo(f"Génération à l'échelle « {scale} » ({spec.poles} pôle(s), graine {seed_value})…")
    started = time.monotonic()
    try:
        counts = build_scale(spec, seed_value, echo=click.echo)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    elapsed = time.monotonic() - started
    for table in ("persons", "collectives", "sessions", "attendances", "accompaniments", "referrals"):
        click.echo(f"  {table:<16} {counts[table]:>10,}")
    click.echo(f"{sum(counts.values()):,} lignes en {elapsed:.0f} s. Mot de passe commun : {BENCH_PASSWORD}")


def register(app) -> None:
    app.cli.add_command(demo_cli)
