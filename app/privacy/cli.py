"""`flask audit purge`, `flask backup` and `flask privacy retention`."""

import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.core.backup import backup_sqlite, pg_dump_command
from app.core.models import utcnow
from app.extensions import db
from app.poles.models import Pole
from app.privacy import services

audit_cli = AppGroup("audit", help="Journal d'audit.")
privacy_cli = AppGroup("privacy", help="Données personnelles (RGPD).")


@audit_cli.command("purge")
@click.option(
    "--months",
    type=click.IntRange(min=1),
    default=None,
    help="Conserver ce nombre de mois (par défaut : AUDIT_RETENTION_MONTHS, 12).",
)
def purge_command(months: int | None) -> None:
    """Delete audit entries older than the retention period."""
    months = months or current_app.config["AUDIT_RETENTION_MONTHS"]
    count, cutoff = services.purge_audit(months)
    db.session.commit()
    click.echo(f"{count} entrée(s) du journal supprimée(s) (antérieures au {cutoff:%d/%m/%Y %H:%M} UTC).")


@click.command("backup")
@with_appcontext
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Fichier de sauvegarde (par défaut : instance/backups/passerelle-AAAAMMJJ-HHMMSS.sqlite).",
)
def backup_command(output: str | None) -> None:
    """Write a consistent copy of the database (SQLite), or explain pg_dump (PostgreSQL)."""
    url = db.engine.url
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    if url.get_backend_name() == "postgresql":
        command = pg_dump_command(url, output or f"passerelle-{stamp}.dump")
        click.echo(
            "Base PostgreSQL : utilisez pg_dump (le mot de passe est lu dans PGPASSWORD ou ~/.pgpass) :\n"
            "PostgreSQL database: use pg_dump (the password is read from PGPASSWORD or ~/.pgpass):\n\n"
            f"    {command}\n\n"
            "Restauration / restore : pg_restore --no-owner --dbname=<base> <fichier>",
            err=True,
        )
        sys.exit(1)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        click.echo(f"Sauvegarde non prise en charge pour cette base ({url.get_backend_name()}).", err=True)
        sys.exit(1)
    source = Path(url.database)
    destination = Path(output) if output else source.parent / "backups" / f"passerelle-{stamp}.sqlite"
    if destination.exists():
        raise click.ClickException(f"Le fichier {destination} existe déjà : choisissez un autre nom.")
    if destination.resolve() == source.resolve():
        raise click.ClickException("La sauvegarde ne peut pas remplacer la base elle-même.")
    try:
        size = backup_sqlite(source, destination)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise click.ClickException(f"Sauvegarde impossible : {exc}") from exc
    click.echo(f"Sauvegarde écrite : {destination} ({size / 1024:.0f} Kio).")


@privacy_cli.command("retention")
@click.option("--pole", "pole_slug", required=True, help="Identifiant (slug) du pôle.")
@click.option("--apply", "apply", is_flag=True, help="Anonymiser les personnes listées (irréversible).")
def retention_command(pole_slug: str, apply: bool) -> None:
    """List the persons with no activity for the retention period; anonymise them with --apply."""
    pole = db.session.scalar(select(Pole).where(Pole.slug == pole_slug))
    if pole is None:
        raise click.ClickException(f"Pôle inconnu : {pole_slug}")
    months = current_app.config["PRIVACY_RETENTION_MONTHS"]
    _cutoff_at, cutoff_on = services.retention_cutoff(pole, months=months)
    persons = services.retention_candidates(pole, months=months)
    ids = ", ".join(str(p.id) for p in persons) or "aucune"
    click.echo(
        f"{len(persons)} personne(s) du pôle {pole.slug} sans activité depuis {months} mois "
        f"(avant le {cutoff_on:%d/%m/%Y}) : {ids}"
    )
    if not persons:
        return
    if not apply:
        click.echo("Relancez avec --apply pour les anonymiser (opération irréversible).")
        return
    for person in persons:
        services.anonymise_person(person, None)
    db.session.commit()
    click.echo(f"{len(persons)} personne(s) anonymisée(s).")


def register(app) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(backup_command)
