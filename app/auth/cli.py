"""`flask users …` commands."""

import sys

import click
from flask.cli import AppGroup

from app.auth import services
from app.core.permissions import ROLES
from app.extensions import db
from app.poles.services import get_pole_by_slug

users_cli = AppGroup("users", help="Gérer les comptes.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--pole", "pole_slug", help="Identifiant du pôle (sauf pour le rôle regional).")
@click.option("--name", "full_name", default="", help="Nom complet.")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
def create_command(
    email: str, role: str, pole_slug: str | None, full_name: str, password_stdin: bool
) -> None:
    """Create an account; without --password-stdin, print its invitation link."""
    pole = None
    if pole_slug:
        pole = get_pole_by_slug(pole_slug)
        if pole is None:
            raise click.ClickException(f"Pôle inconnu : {pole_slug}")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        if password is None:
            user, link = services.invite_user(email, role, pole, full_name=full_name, send=False)
        else:
            user = services.create_user(email, role, pole, full_name=full_name, password=password)
            link = None
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Compte créé : {user.email} ({user.role})")
    if link:
        click.echo(f"Lien d'invitation (valable 72 h) : {link}")


@users_cli.command("reset-mfa")
@click.argument("email")
def reset_mfa_command(email: str) -> None:
    """Turn off a user's MFA (lost phone and recovery codes); they enrol again at next login."""
    from app.auth.mfa import disable_mfa

    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Aucun compte pour {email}.")
    if user.mfa_enabled_at is None and not user.totp_secret:
        click.echo(f"La double authentification n'est pas active pour {user.email}.")
        return
    disable_mfa(user, via="cli")
    user.end_sessions()
    db.session.commit()
    click.echo(f"Double authentification désactivée pour {user.email} ; ses sessions sont fermées.")


def register(app) -> None:
    app.cli.add_command(users_cli)
