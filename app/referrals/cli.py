"""`flask referrals …` commands."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.poles.models import Pole
from app.poles.services import get_pole_by_slug
from app.referrals import services

referrals_cli = AppGroup("referrals", help="Orientations vers les partenaires.")


@referrals_cli.command("remind")
@click.option("--pole", "pole_slug", help="Identifiant du pôle (par défaut : tous les pôles).")
def remind_command(pole_slug: str | None) -> None:
    """Email each advisor the orientations to chase (for a daily cron)."""
    if pole_slug:
        pole = get_pole_by_slug(pole_slug)
        if pole is None:
            raise click.ClickException(f"Pôle inconnu : {pole_slug}")
        poles = [pole]
    else:
        poles = list(db.session.scalars(select(Pole).order_by(Pole.slug)))
    total = 0
    for pole in poles:
        sent, lists = services.send_reminders(pole)
        total += sent
        click.echo(
            f"{pole.slug} : {len(lists.due)} orientation(s) à relancer, "
            f"{len(lists.to_close)} sans réponse à clore, {sent} e-mail(s) envoyé(s)."
        )
    db.session.commit()  # e-mails may be outbox rows
    click.echo(f"Total : {total} e-mail(s) de relance envoyé(s).")


def register(app) -> None:
    app.cli.add_command(referrals_cli)
