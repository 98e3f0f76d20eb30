"""Anonymising a person also reaches the outbox: their mails go, and mails to others forget them."""

from sqlalchemy import select

from app.core.mail import send_mail
from app.mail.models import OutboxMessage
from app.privacy.services import ANONYMISED_MARK
from tests.people.factories import PersonFactory


def test_anonymising_a_person_deletes_their_mails_and_scrubs_them_from_the_others(
    client, login_as, admin, pole, other_pole, db
):
    person = PersonFactory(pole=pole, first_name="Maëlys", last_name="Kerbrat", email="maelys@example.org")
    send_mail(
        "maelys@example.org", "Rappel : atelier jeudi", "Bonjour Maëlys,\n…", pole_id=pole.id, kind="reminder"
    )
    send_mail(
        "referente@dla.example.org",
        "Nouvelle orientation",
        "Orientation de Maelys KERBRAT vers le DLA.",
        html="<p>Orientation de Maëlys Kerbrat</p>",
        pole_id=pole.id,
        kind="referral_sent",
    )
    send_mail("autre@example.org", "Autre", "Orientation de Maëlys Kerbrat", pole_id=other_pole.id)
    db.session.flush()

    login_as(admin)
    response = client.post(f"/privacy/people/{person.id}/anonymise", data={"confirm": "y"})
    assert response.status_code == 302

    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.recipient for m in messages] == ["referente@dla.example.org", "autre@example.org"]
    partner_mail = messages[0]
    assert "Kerbrat" not in partner_mail.body_text and "KERBRAT" not in partner_mail.body_text
    assert "Maëlys" not in partner_mail.body_html and ANONYMISED_MARK in partner_mail.body_text
    # Another pole's mail is not this pole's business (a namesake there is someone else).
    assert "Maëlys Kerbrat" in messages[1].body_text
