"""`flask sessions …` commands."""

import click
from flask.cli import AppGroup

from app.extensions import db
from app.sessions import services

sessions_cli = AppGroup("sessions", help="Séances et ateliers.")


@sessions_cli.command("purge-registrations")
def purge_registrations_command() -> None:
    """Delete public registrations older than 48 h, unconfirmed or not (for an hourly cron)."""
    removed = services.purge_expired_registrations()
    db.session.commit()
    click.echo(f"{removed} inscription(s) publique(s) de plus de 48 heures effacée(s).")


def register(app) -> None:
    app.cli.add_command(sessions_cli)
