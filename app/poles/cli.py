"""`flask poles …` commands."""

import click
from flask.cli import AppGroup

from app.extensions import db
from app.poles.services import PoleError, create_pole

poles_cli = AppGroup("poles", help="Gérer les pôles.")


@poles_cli.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--timezone", default="Europe/Paris", show_default=True)
def create_command(slug: str, name: str, timezone: str) -> None:
    """Create a pole SLUG named NAME with its default thematics."""
    try:
        pole = create_pole(slug, name, timezone)
    except PoleError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Pôle créé : {pole.slug} — {pole.name}")


def register(app) -> None:
    app.cli.add_command(poles_cli)
