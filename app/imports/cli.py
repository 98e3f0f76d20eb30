"""`flask import KIND FILE --pole SLUG [--commit] [--skip-invalid]`, `flask imports purge`.

Exit status of `flask import`: 0 every row accepted, 1 some row rejected, 2 the file cannot
be read at all.
"""

import click
from flask.cli import with_appcontext

from app.core.audit import record_audit
from app.extensions import db
from app.imports.base import ImportReport, run_import
from app.imports.pending import PENDING_MAX_AGE_SECONDS, purge_pending
from app.imports.reader import ImportFileError
from app.poles.services import get_pole_by_slug

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    raise click.exceptions.Exit(EXIT_UNREADABLE)


def report_lines(report: ImportReport, *, dry_run: bool) -> list[str]:
    """The French summary printed by the command."""
    counts = report.counts
    if dry_run:
        head = "Simulation (rien n'a été écrit ; ajoutez --commit pour importer)"
        verbs = ("À créer", "À mettre à jour", "Inchangées", "Rejetées")
    elif report.committed:
        head = "Import effectué"
        verbs = ("Créées", "Mises à jour", "Inchangées", "Rejetées")
    else:
        head = "Import annulé : le fichier contient des lignes invalides, rien n'a été écrit"
        verbs = ("À créer", "À mettre à jour", "Inchangées", "Rejetées")
    lines = [f"{head} — import « {report.kind} »"]
    if report.unknown_columns:
        lines.append("Colonnes inconnues ignorées : " + ", ".join(report.unknown_columns))
    for verb, action in zip(verbs, ("create", "update", "unchanged", "error"), strict=True):
        lines.append(f"{verb} : {counts[action]}")
    for note, number in sorted(report.notes.items()):
        lines.append(f"  dont {note} : {number}")
    lines.extend(str(error) for error in report.errors)
    if report.rejected and not dry_run and not report.committed:
        lines.append("Corrigez ces lignes, ou relancez avec --skip-invalid pour importer les lignes valides.")
    return lines


@click.command("import")
@with_appcontext
@click.argument("kind")
@click.argument("file")
@click.option("--pole", "pole_slug", required=True, help="Identifiant du pôle qui reçoit les données.")
@click.option("--commit", is_flag=True, help="Écrire les données (sinon : simulation).")
@click.option(
    "--skip-invalid", is_flag=True, help="Avec --commit : importer les lignes valides malgré les autres."
)
def import_command(kind: str, file: str, pole_slug: str, commit: bool, skip_invalid: bool) -> None:
    """Import a CSV file of KIND (people, structures, collectives…) into a pole."""
    pole = get_pole_by_slug(pole_slug)
    if pole is None:
        _fail(f"pôle inconnu « {pole_slug} ».")
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        _fail(f"fichier introuvable « {file} ».")
    except IsADirectoryError:
        _fail(f"« {file} » est un dossier, pas un fichier.")
    except PermissionError:
        _fail(f"accès refusé au fichier « {file} ».")
    except OSError:
        _fail(f"impossible de lire le fichier « {file} ».")
    try:
        report = run_import(kind, pole, data, commit=commit, skip_invalid=skip_invalid)
    except ImportFileError as exc:
        _fail(str(exc))
    if report.committed:
        counts = report.counts
        record_audit(
            "import.commit",
            changes={
                "kind": report.kind,
                "created": counts["create"],
                "updated": counts["update"],
                "rejected": counts["error"],
            },
            pole_id=pole.id,
        )
        db.session.commit()
    for line in report_lines(report, dry_run=not commit):
        click.echo(line)
    raise click.exceptions.Exit(EXIT_REJECTED if report.rejected else EXIT_OK)


@click.group("imports")
def imports_group() -> None:
    """Files uploaded through the import pages."""


@imports_group.command("purge")
@with_appcontext
@click.option(
    "--hours",
    type=click.IntRange(min=0),
    default=PENDING_MAX_AGE_SECONDS // 3600,
    show_default=True,
    help="Supprimer les fichiers prévisualisés et non confirmés plus anciens que ce nombre d'heures.",
)
def purge_command(hours: int) -> None:
    """Delete previewed but unconfirmed uploads older than --hours (schedule it hourly or daily)."""
    removed = purge_pending(hours * 3600)
    click.echo(f"{removed} fichier(s) d'import en attente supprimé(s) (plus de {hours} h).")


def register(app) -> None:
    app.cli.add_command(import_command)
    app.cli.add_command(imports_group)
