"""`flask report monthly|indicators|regional|refresh-figures …`: the reports from the command line.

JSON and CSV go to stdout without --output; XLSX and PDF need --output. Bad parameters
print a French message on stderr and exit with status 2.
"""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.poles.models import FundingProgramme, Pole
from app.poles.services import get_pole_by_slug
from app.reports import figures, formats
from app.reports.indicators import funder_indicators
from app.reports.periods import ReportError, parse_month
from app.reports.regional import regional_report
from app.reports.services import monthly_report

report_cli = AppGroup("report", help="Produire les rapports (mensuel, indicateurs, régional).")
FORMAT_CHOICE = click.Choice(["json", "csv", "csv_fr", "xlsx", "pdf"])


def fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(2)


def _pole(slug: str) -> Pole:
    pole = get_pole_by_slug(slug)
    if pole is None:
        fail(f"pôle inconnu : « {slug} ».")
    return pole


def _programme_id(pole: Pole, value: str | None) -> int | None:
    if not value:
        return None
    query = select(FundingProgramme).where(FundingProgramme.pole_id == pole.id)
    if value.isdigit():
        query = query.where(FundingProgramme.id == int(value))
    else:
        query = query.where(FundingProgramme.name == value.strip())
    programme = db.session.scalars(query).first()
    if programme is None:
        fail(f"programme de financement inconnu pour ce pôle : « {value} ».")
    return programme.id


def _advisor_id(pole: Pole, email: str | None) -> int | None:
    if not email:
        return None
    user = db.session.scalar(select(User).where(User.pole_id == pole.id, User.email == email.strip().lower()))
    if user is None:
        fail(f"aucun compte « {email} » dans ce pôle.")
    return user.id


def _write(content: str | bytes, fmt: str, output: str | None) -> None:
    if output is None:
        if isinstance(content, bytes):
            content = content.decode("utf-8")
        click.echo(content, nl=not content.endswith("\n"))
        return
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with open(output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        fail(f"impossible d'écrire « {output} » : {exc.strerror}.")
    click.echo(f"Rapport écrit dans {output}", err=True)


def _check_output(fmt: str, output: str | None) -> None:
    if output is None and fmt in ("xlsx", "pdf"):
        fail(f"le format {fmt} demande un fichier de sortie (--output FICHIER).")


@report_cli.command("monthly")
@click.option("--pole", "pole_slug", required=True, help="Identifiant du pôle.")
@click.option("--month", required=True, help="Mois au format AAAA-MM.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Fichier de sortie.")
@click.option("--programme", help="Programme de financement (nom ou identifiant).")
@click.option("--advisor", help="Adresse e-mail de l'accompagnateur·rice.")
def monthly_command(pole_slug, month, fmt, output, programme, advisor) -> None:
    """Rapport mensuel d'un pôle (JSON conforme à formats/report-monthly.md)."""
    _check_output(fmt, output)
    pole = _pole(pole_slug)
    try:
        report = monthly_report(pole, month, _programme_id(pole, programme), _advisor_id(pole, advisor))
    except ReportError as exc:
        fail(str(exc))
    _write(formats.MONTHLY_FORMATS[fmt](report), fmt, output)


@report_cli.command("indicators")
@click.option("--pole", "pole_slug", required=True, help="Identifiant du pôle.")
@click.option("--start", help="Premier jour (AAAA-MM-JJ) ; par défaut, il y a 12 mois.")
@click.option("--end", help="Dernier jour (AAAA-MM-JJ) ; par défaut, la fin du mois dernier.")
@click.option("--stage", "stage_id", type=int, help="Identifiant de l'étape « projet structuré ».")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Fichier de sortie.")
@click.option("--programme", help="Programme de financement (nom ou identifiant).")
@click.option("--advisor", help="Adresse e-mail de l'accompagnateur·rice.")
def indicators_command(pole_slug, start, end, stage_id, fmt, output, programme, advisor) -> None:
    """Indicateurs pour les financeurs sur une période."""
    _check_output(fmt, output)
    pole = _pole(pole_slug)
    try:
        result = funder_indicators(
            pole,
            start=start,
            end=end,
            stage_id=stage_id,
            programme_id=_programme_id(pole, programme),
            advisor_id=_advisor_id(pole, advisor),
        )
    except ReportError as exc:
        fail(str(exc))
    db.session.commit()  # keeps the monthly figures recomputed on the way
    _write(formats.INDICATOR_FORMATS[fmt](result), fmt, output)


@report_cli.command("regional")
@click.option("--month", required=True, help="Mois au format AAAA-MM.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Fichier de sortie.")
def regional_command(month, fmt, output) -> None:
    """Chiffres de tous les pôles et leur total, sans donnée personnelle."""
    _check_output(fmt, output)
    try:
        parse_month(month)
        result = regional_report(month)
    except ReportError as exc:
        fail(str(exc))
    db.session.commit()  # keeps the monthly figures recomputed on the way
    _write(formats.REGIONAL_FORMATS[fmt](result), fmt, output)


@report_cli.command("refresh-figures")
@click.option("--pole", "pole_slug", help="Identifiant du pôle ; par défaut, tous les pôles.")
@click.option(
    "--months", type=click.IntRange(1, 240), default=24, show_default=True, help="Mois clos à couvrir."
)
def refresh_figures_command(pole_slug, months) -> None:
    """Recalculer les chiffres mensuels précalculés périmés (après un import massif, par exemple)."""
    poles = [_pole(pole_slug)] if pole_slug else list(db.session.scalars(select(Pole).order_by(Pole.id)))
    count = 0
    for pole in poles:
        try:
            count += figures.refresh(pole.id, months)
        except RuntimeError:
            fail("des chiffres sont en cours d'écriture par un autre traitement ; réessayez dans un instant.")
        db.session.commit()  # pole by pole: writers wait for these locks no longer than one pole
    click.echo(f"{count} mois recalculé(s) pour {len(poles)} pôle(s).")


def register(app) -> None:
    app.cli.add_command(report_cli)
