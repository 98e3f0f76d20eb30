"""Issue 14: every e-mail body comes from a French Jinja template (app/templates/mail/) with a
plain-text part. Each mail moved from Python strings to a template is sent here through its
real flow and read back from the outbox."""

import re
from datetime import date, timedelta

import pytest
from flask import template_rendered
from freezegun import freeze_time
from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.services import AccountExistsElsewhere
from app.extensions import limiter
from app.mail.models import OutboxMessage
from tests.conftest import login
from tests.factories import PoleFactory, UserFactory
from tests.referrals.factories import PartnerFactory, PersonFactory, make_referral
from tests.sessions.test_public_registration import _register, _workshop

LINK = re.compile(r"http://localhost/\S+")


@pytest.fixture
def rendered(app):
    """The names of the templates rendered during the test: the body must come from one."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def _plain(mail) -> str:
    """The plain-text part of an outbox e-mail, checked free of template leftovers."""
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    text = part.get_content()
    for leftover in ("None", "{{", "{%", "}}", "Undefined"):
        assert leftover not in text, (leftover, text)
    assert text.startswith(("Bonjour", "Copie")), text
    return text


def _to(outbox, address):
    return [m for m in outbox if m["To"] == address]


def test_orientation_mails_to_referent_and_account_holder(db, client, pole, advisor, outbox, rendered):
    partner = PartnerFactory(pole_id=pole.id, name="BGE Bretagne", contact_email="orientations@bge.example")
    holder = UserFactory(pole=pole, role="partner", structure_id=partner.id)
    person = PersonFactory(pole_id=pole.id, first_name="Nolwenn", last_name="Le Dantec")
    referral = make_referral(pole, advisor, partner, person=person, send_now=True, reason="Projet de café.")
    db.session.commit()
    [to_referent] = _to(outbox, "orientations@bge.example")
    text = _plain(to_referent)
    assert f"{pole.name} vous adresse une orientation." in text
    assert "Bénéficiaire : Nolwenn\n" in text and "Le Dantec" not in text  # no consent: first name only
    assert "n'a pas souhaité partager ses coordonnées" in text
    assert f"Message de {advisor.display_name} :\nProjet de café." in text
    assert "/referrals/answer/" in text and "valable 30 jours" in text
    [to_holder] = _to(outbox, holder.email)
    text = _plain(to_holder)
    assert "nouvelle orientation sur Passerelle" in text and "Le Dantec" not in text
    assert f"Pour la consulter et y répondre :\nhttp://localhost/referrals/partner/{referral.id}" in text
    assert "sans créer de compte" not in text
    stored = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "referral_sent")).all()
    assert len(stored) == 2 and all(m.body_text.strip() for m in stored)
    assert "mail/referral_sent.txt" in rendered


def test_orientation_with_consent_names_the_person(db, client, pole, advisor, outbox):
    partner = PartnerFactory(pole_id=pole.id, contact_email="orientations@bge.example")
    person = PersonFactory(pole_id=pole.id, first_name="Nolwenn", last_name="Le Dantec")
    make_referral(pole, advisor, partner, person=person, send_now=True, consent_to_share=True)
    db.session.commit()
    text = _plain(_to(outbox, "orientations@bge.example")[0])
    assert "Bénéficiaire : Nolwenn Le Dantec" in text and "n'a pas souhaité" not in text


def test_partner_reminders_and_advisor_copy(db, runner, client, pole, advisor, outbox, rendered):
    sent_on = date(2026, 3, 2)
    partner = PartnerFactory(pole_id=pole.id, name="BGE Bretagne", contact_email="orientations@bge.example")
    with freeze_time("2026-03-02 09:00:00"):
        make_referral(pole, advisor, partner, referred_on=sent_on, send_now=True)
    db.session.commit()
    outbox.clear()
    with freeze_time(f"{sent_on + timedelta(days=7)} 06:00:00"):
        assert runner.invoke(args=["referrals", "daily", "--pole", pole.slug]).exit_code == 0
    [first] = _to(outbox, "orientations@bge.example")
    text = _plain(first)
    assert "le 02/03/2026, restée sans réponse depuis 7 jours" in text
    assert "Pour répondre, sans créer de compte :\nhttp://localhost/referrals/answer/" in text
    assert "sera close" not in text
    outbox.clear()
    with freeze_time(f"{sent_on + timedelta(days=21)} 06:00:00"):
        assert runner.invoke(args=["referrals", "daily", "--pole", pole.slug]).exit_code == 0
    text = _plain(_to(outbox, "orientations@bge.example")[0])
    assert "depuis 21 jours" in text and "sera close « sans réponse » 30 jours après son envoi" in text
    copy = [m for m in _to(outbox, advisor.email) if m["Subject"].startswith("Copie")][0]
    text = _plain(copy)
    assert text.startswith("Copie pour information : deuxième relance envoyée à BGE Bretagne.")
    assert "— Message envoyé au partenaire :\nBonjour," in text and "depuis 21 jours" in text
    assert LINK.search(text)
    assert "mail/referral_reminder_copy.txt" in rendered
    assert "mail/referral_reminder.txt" in rendered


def test_advisor_digest(db, runner, client, pole, advisor, outbox, rendered):
    partner = PartnerFactory(pole_id=pole.id, name="URSCOP Ouest")
    person = PersonFactory(pole_id=pole.id, first_name="Nolwenn", last_name="Le Dantec")
    with freeze_time("2026-03-01 10:00:00") as frozen:
        due = make_referral(pole, advisor, partner, person=person, referred_on=date(2026, 3, 1))
        silent = make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 2, 1))
        frozen.move_to("2026-03-12 05:00:00")
        assert runner.invoke(args=["referrals", "remind", "--pole", pole.slug]).exit_code == 0
    [digest] = _to(outbox, advisor.email)
    text = _plain(digest)
    assert text.startswith("Bonjour,\n\nOrientations à relancer (1) :\n- Nolwenn Le Dantec → URSCOP Ouest (")
    assert (
        f"http://localhost/referrals/{due.id}\n\nOrientations envoyées sans réponse depuis 30 jours" in text
    )
    assert f"/referrals/{silent.id}" in text and text.rstrip().endswith("http://localhost/referrals/to-chase")
    assert "mail/referral_digest.txt" in rendered


def test_account_locked_mail(app, client, pole, outbox, rendered):
    user = UserFactory(pole=pole, role="advisor")
    for _ in range(app.config["ACCOUNT_MAX_FAILED_LOGINS"]):
        limiter.reset()
        login(client, user.email, "mauvais mot de passe")
    limiter.reset()
    [mail] = _to(outbox, user.email)
    text = _plain(mail)
    assert f"{app.config['ACCOUNT_MAX_FAILED_LOGINS']} tentatives de connexion" in text
    assert f"bloquée pendant {app.config['ACCOUNT_LOCK_MINUTES']} minutes" in text
    assert f"(valable {app.config['PASSWORD_RESET_MAX_AGE_HOURS']} h)" in text
    assert re.search(r"http://localhost/password/reset/\S+", text)
    assert "mail/account_locked.txt" in rendered


def test_invitation_elsewhere_mail(app, db, client, pole, outbox, rendered):
    existing = UserFactory(pole=pole, role="advisor")
    elsewhere = PoleFactory(name="Pôle de Lorient")
    with app.test_request_context():
        with pytest.raises(AccountExistsElsewhere):
            auth_services.invite_user(existing.email, "advisor", elsewhere)
        db.session.commit()
    [mail] = _to(outbox, existing.email)
    text = _plain(mail)
    assert "Pôle de Lorient a voulu vous ouvrir un compte Passerelle" in text
    assert "Vous pouvez vous connecter ici : http://localhost/login" in text
    assert "travailler avec Pôle de Lorient" in text
    assert "mail/invitation_elsewhere.txt" in rendered


def test_public_registration_confirmation_mail(client, pole, db, outbox, rendered):
    workshop = _workshop(pole)
    _register(client, pole, workshop)
    [mail] = _to(outbox, "lou@example.org")
    text = _plain(mail)
    assert "l'atelier « Créer son association »" in text and f"organisé par {pole.name}" in text
    assert re.search(
        r"ouvrez ce lien dans les 48 heures :\nhttp://localhost/\S+/ateliers/confirmation/\S+", text
    )
    assert "mail/registration_confirm.txt" in rendered
