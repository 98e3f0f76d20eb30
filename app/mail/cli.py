"""`flask mail …`: the outbox worker, its status, and the daily and monthly e-mails."""

import signal
import threading
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.mail import services
from app.mail.models import OutboxMessage
from app.poles.models import Pole
from app.poles.services import get_pole_by_slug

mail_cli = AppGroup("mail", help="Courriels : envoi de la file d'attente, rappels, envois mensuels.")


def _report(result: services.DrainResult) -> None:
    click.echo(
        f"{result.sent} courriel(s) envoyé(s), {result.retried} à réessayer, {result.failed} abandonné(s)."
    )
    for line in result.errors:
        click.echo(f"  échec : {line}", err=True)


@mail_cli.command("send")
@click.option("--once", is_flag=True, help="Envoyer ce qui est dû puis s'arrêter (pour cron).")
@click.option("--interval", type=int, help="Secondes entre deux passages (boucle).")
@click.option("--batch-size", type=int, help="Courriels réservés à la fois.")
def send_command(once: bool, interval: int | None, batch_size: int | None) -> None:
    """Envoyer les courriels en attente (boucle, ou --once)."""
    interval = interval or current_app.config["MAIL_WORKER_INTERVAL_SECONDS"]
    stopping = threading.Event()
    if not once and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda _signum, _frame: stopping.set())
    while True:
        result = services.send_due(batch_size, stop=stopping.is_set)
        if once or result.sent or result.retried or result.failed:
            _report(result)
        if once:
            failed = services.outbox_counts()["failed"]
            if failed:
                click.echo(f"Attention : {failed} courriel(s) abandonné(s) (voir « flask mail status »).")
            return
        db.session.remove()
        if stopping.wait(interval):
            click.echo("Arrêt demandé : fin de l'envoi.")
            return


@mail_cli.command("status")
@click.option("--limit", type=int, default=20, show_default=True)
def status_command(limit: int) -> None:
    """Compter les courriels en attente, envoyés, abandonnés ; lister les derniers échecs."""
    counts = services.outbox_counts()
    click.echo(
        f"En attente : {counts['pending']} ; envoyés : {counts['sent']} ; abandonnés : {counts['failed']}"
    )
    problems = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.last_error.is_not(None), OutboxMessage.status != "sent")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    for message in problems:
        click.echo(
            f"#{message.id} [{message.status}, {message.attempts} essai(s)] {message.recipient} "
            f"« {message.subject} » : {message.last_error}"
        )


@mail_cli.command("retry")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Remettre en file tous les courriels abandonnés.")
def retry_command(message_ids: tuple[int, ...], all_failed: bool) -> None:
    """Remettre des courriels abandonnés dans la file d'attente."""
    query = select(OutboxMessage).where(OutboxMessage.status == "failed")
    if not all_failed:
        if not message_ids:
            raise click.UsageError("Donnez des numéros de courriels ou --all-failed.")
        query = query.where(OutboxMessage.id.in_(message_ids))
    count = 0
    for message in db.session.scalars(query):
        services.retry_message(message)
        count += 1
    db.session.commit()
    click.echo(f"{count} courriel(s) remis en file d'attente.")


@mail_cli.command("purge")
@click.option("--days", type=int, default=90, show_default=True, help="Jours de conservation.")
def purge_command(days: int) -> None:
    """Supprimer les courriels envoyés depuis plus de --days jours."""
    if days < 1:
        raise click.BadParameter("au moins 1 jour.", param_hint="--days")
    count = services.purge_sent(days)
    db.session.commit()
    click.echo(f"{count} courriel(s) envoyé(s) supprimé(s).")


def _poles(pole_slug: str | None) -> list[Pole]:
    if pole_slug:
        pole = get_pole_by_slug(pole_slug)
        if pole is None:
            raise click.ClickException(f"Pôle inconnu : {pole_slug}")
        return [pole]
    return list(db.session.scalars(select(Pole).order_by(Pole.slug)))


def _today(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("date attendue au format AAAA-MM-JJ.") from exc


def register(app) -> None:
    app.cli.add_command(mail_cli)


@mail_cli.command("reminders")
@click.option("--pole", "pole_slug", help="Identifiant du pôle (par défaut : tous les pôles).")
def reminders_command(pole_slug: str | None) -> None:
    """Rappels des séances aux participant·es, mises à jour et annulations (chaque jour)."""
    _run_reminders(_poles(pole_slug))


def _run_reminders(poles: list[Pole]) -> None:
    from app.mail.reminders import send_session_reminders

    for pole in poles:
        result = send_session_reminders(pole)
        db.session.commit()
        click.echo(
            f"{pole.slug} : {result.reminders} rappel(s), {result.updates} mise(s) à jour, "
            f"{result.cancellations} annulation(s) de séance mis en file d'envoi."
        )


@mail_cli.command("monthly")
@click.option("--pole", "pole_slug", help="Identifiant du pôle (par défaut : tous les pôles).")
@click.option("--date", "on", help="Faire comme si nous étions ce jour (AAAA-MM-JJ).")
@click.option("--force", is_flag=True, help="Envoyer sans attendre le jour prévu par le pôle.")
def monthly_command(pole_slug: str | None, on: str | None, force: bool) -> None:
    """Rapport mensuel aux chargé·es de mission et orientations en cours aux partenaires (jour du pôle)."""
    _run_monthly(_poles(pole_slug), _today(on), force)


def _run_monthly(poles: list[Pole], today: date | None, force: bool = False) -> None:
    from app.mail.monthly import send_monthly_report, send_partner_digests

    for pole in poles:
        sent = send_monthly_report(pole, today, force=force)
        digests = send_partner_digests(pole, today, force=force)
        db.session.commit()
        click.echo(
            f"{pole.slug} : rapport mensuel envoyé à {sent} chargé·e(s) de mission, "
            f"{digests} récapitulatif(s) d'orientations aux partenaires."
        )


@mail_cli.command("daily")
@click.option("--pole", "pole_slug", help="Identifiant du pôle (par défaut : tous les pôles).")
def daily_command(pole_slug: str | None) -> None:
    """Les envois du jour : rappels des séances et envois mensuels dus (pour cron, une fois par jour)."""
    poles = _poles(pole_slug)
    _run_reminders(poles)
    _run_monthly(poles, None)
