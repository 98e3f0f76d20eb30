"""`flask referrals …` commands."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.poles.models import Pole
from app.poles.services import get_pole_by_slug
from app.referrals import services

referrals_cli = AppGroup("referrals", help="Orientations vers les partenaires.")


def _poles(pole_slug: str | None) -> list[Pole]:
    if pole_slug:
        pole = get_pole_by_slug(pole_slug)
        if pole is None:
            raise click.ClickException(f"Pôle inconnu : {pole_slug}")
        return [pole]
    return list(db.session.scalars(select(Pole).order_by(Pole.slug)))


@referrals_cli.command("daily")
@click.option("--pole", "pole_slug", help="Identifiant du pôle (par défaut : tous les pôles).")
def daily_command(pole_slug: str | None) -> None:
    """Remind partners (days 7 and 21), expire unanswered orientations (day 30), then email each
    advisor their digest (as `remind`). For a daily cron; running it twice a day is harmless."""
    for pole in _poles(pole_slug):
        result = services.run_daily(pole)
        db.session.commit()
        click.echo(
            f"{pole.slug} : {result.first_reminders} première(s) relance(s), "
            f"{result.second_reminders} deuxième(s) relance(s), {result.expired} orientation(s) "
            f"sans réponse, {result.emails} e-mail(s) au partenaire."
        )
    _remind(pole_slug)


@referrals_cli.command("remind")
@click.option("--pole", "pole_slug", help="Identifiant du pôle (par défaut : tous les pôles).")
def remind_command(pole_slug: str | None) -> None:
    """Email each advisor the orientations to chase (for a daily cron)."""
    _remind(pole_slug)


def _remind(pole_slug: str | None) -> None:
    poles = _poles(pole_slug)
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
