"""Issue 14: the partner's referent answers an orientation from the e-mailed link, without an
account; issue 18 point 2: a status the link's form does not offer is refused by the service."""

import re
from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.links import SignedLink
from app.referrals import services
from app.referrals.models import PARTNER_TRANSITIONS, STATUSES, ReferralStatusChange
from tests.factories import UserFactory
from tests.referrals.factories import PartnerFactory, PersonFactory, make_referral

LINK = re.compile(r"http://[^\s]+/referrals/answer/([A-Za-z0-9_\-]+)")
SENT_ON = date(2026, 3, 2)


def text(response) -> str:
    return response.get_data(as_text=True)


def token_of(mail) -> str:
    match = LINK.search(mail.get_content())
    assert match, mail.get_content()
    return match.group(1)


@pytest.fixture
def partner(pole):
    return PartnerFactory(
        pole_id=pole.id,
        name="URSCOP Bretagne",
        contact_name="Accueil URSCOP",
        contact_email="accueil@urscop.example",
    )


@pytest.fixture
def sent(db, pole, advisor, partner, client, outbox):
    """An orientation sent to Jeanne Martin (chosen on the orientation) on SENT_ON."""
    person = PersonFactory(pole_id=pole.id, first_name="Maëlys", last_name="Le Goff")
    with freeze_time("2026-03-02 09:00:00"):
        referral = make_referral(
            pole,
            advisor,
            partner,
            person=person,
            referred_on=SENT_ON,
            reason="Projet de SCIC de territoire, cherche un appui juridique.",
            referent_name="Jeanne Martin",
            referent_email="Jeanne.Martin@urscop.example",
            send_now=True,
        )
    db.session.commit()
    return referral


def test_the_referent_gets_one_mail_with_what_they_may_see(sent, outbox, advisor):
    assert [m["To"] for m in outbox] == ["jeanne.martin@urscop.example"]  # not the contact e-mail
    body = outbox[0].get_content()
    assert "Maëlys" in body and "Le Goff" not in body  # no consent: first name only
    assert "Projet de SCIC de territoire" in body  # the advisor's message
    assert len(LINK.findall(body)) == 1
    link = sent_link(sent)
    assert (link.recipient, link.single_use, link.pole_id) == (
        "jeanne.martin@urscop.example",
        False,
        sent.pole_id,
    )
    assert (link.expires_at - link.created_at).days == 30


def sent_link(referral) -> SignedLink:
    from app.extensions import db

    return db.session.scalars(
        select(SignedLink).where(SignedLink.target_type == "Referral", SignedLink.target_id == referral.id)
    ).one()


def test_without_the_structure_contact_the_referent_defaults_to_it(
    db, pole, advisor, partner, client, outbox
):
    make_referral(pole, advisor, partner, send_now=True)
    assert [m["To"] for m in outbox] == ["accueil@urscop.example"]
    assert LINK.search(outbox[0].get_content())


@freeze_time("2026-03-05 10:00:00")
def test_valid_link_shows_the_page_without_login(sent, client, outbox):
    page = text(client.get(f"/referrals/answer/{token_of(outbox[0])}"))
    assert "URSCOP Bretagne" in page and "Maëlys" in page and "Le Goff" not in page
    assert "Projet de SCIC de territoire" in page
    for label in ("À l'étude", "Prise en charge", "Refus"):
        assert label in page
    assert "Réalisée : " not in page  # not offered before the orientation is taken in charge


@freeze_time("2026-03-05 10:00:00")
def test_each_answer_is_in_the_history_by_the_referent_and_in_the_journal(db, sent, client, outbox):
    url = f"/referrals/answer/{token_of(outbox[0])}"
    steps = [
        {"status": "under_review"},
        {"status": "accepted", "comment": "Premier rendez-vous le 12."},
        {"status": "completed"},
    ]
    for data in steps:
        response = client.post(url, data=data)
        assert response.status_code == 302, text(response)[:2000]
        assert sent.status == data["status"]
    rows = sent.history[-3:]
    assert [(r.status, r.changed_on, r.by_id, r.answered_by) for r in rows] == [
        (status, date(2026, 3, 5), None, "Jeanne Martin (lien e-mail)")
        for status in ("under_review", "accepted", "completed")
    ]
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "Referral", AuditEvent.target_id == sent.id)
        .where(AuditEvent.action == "referral.status")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.changes["status"], e.changes["via"], e.actor_id) for e in events[-3:]] == [
        (["sent", "under_review"], "link", None),
        (["under_review", "accepted"], "link", None),
        (["accepted", "completed"], "link", None),
    ]
    link = sent_link(sent)
    assert link.use_count == 3
    uses = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "link.used", AuditEvent.target_id == link.id)
    ).all()
    assert len(uses) == 3
    # The advisor reads who answered on the orientation.
    assert "par Jeanne Martin (lien e-mail)" in text(client.get(url))


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ((), {"status": "under_review"}),
        ((), {"status": "accepted"}),
        ((), {"status": "declined", "decline_reason": "already_supported"}),
        (("under_review",), {"status": "accepted"}),
        (("under_review",), {"status": "declined", "decline_reason": "not_eligible"}),
        (("accepted",), {"status": "completed"}),
        (("accepted",), {"status": "no_follow_up"}),
        (("expired",), {"status": "accepted"}),
        (("expired",), {"status": "under_review"}),
        (("expired",), {"status": "declined", "decline_reason": "unreachable"}),
    ],
)
def test_every_partner_transition_from_the_link(db, sent, client, outbox, advisor, path, answer):
    with freeze_time("2026-03-06 10:00:00"):
        for status in path:
            if status == "expired":
                services.expire_referral(sent, date(2026, 3, 6))
            else:
                services.change_referral_status(sent, status, on=date(2026, 3, 6), by=advisor)
        before = sent.status
        assert answer["status"] in PARTNER_TRANSITIONS[before]
        response = client.post(f"/referrals/answer/{token_of(outbox[0])}", data=answer)
    assert response.status_code == 302, text(response)[:2000]
    assert sent.status == answer["status"]
    assert sent.history[-1].answered_by == "Jeanne Martin (lien e-mail)"
    if answer["status"] == "declined":
        assert sent.decline_reason == answer["decline_reason"]


def test_transitions_table_is_covered_by_the_parametrised_cases():
    covered = {
        ("sent", "under_review"), ("sent", "accepted"), ("sent", "declined"),
        ("under_review", "accepted"), ("under_review", "declined"),
        ("accepted", "completed"), ("accepted", "no_follow_up"),
        ("expired", "accepted"), ("expired", "under_review"), ("expired", "declined"),
    }  # fmt: skip
    assert covered == {(a, b) for a, targets in PARTNER_TRANSITIONS.items() for b in targets}


@pytest.mark.parametrize("status", [s for s in STATUSES if s not in PARTNER_TRANSITIONS["sent"]] + ["bogus"])
@freeze_time("2026-03-05 10:00:00")
def test_a_status_the_link_does_not_offer_is_refused(db, sent, client, outbox, status):
    response = client.post(
        f"/referrals/answer/{token_of(outbox[0])}", data={"status": status, "decline_reason": "other"}
    )
    assert response.status_code == 422
    assert "Impossible de passer une orientation « Envoyée »" in text(response)
    assert sent.status == "sent" and len(sent.history) == 2


@freeze_time("2026-03-05 10:00:00")
def test_decline_needs_a_reason_and_other_needs_a_precision(sent, client, outbox):
    url = f"/referrals/answer/{token_of(outbox[0])}"
    response = client.post(url, data={"status": "declined"})
    assert response.status_code == 422 and "Indiquez le motif du refus" in text(response)
    response = client.post(url, data={"status": "declined", "decline_reason": "other"})
    assert response.status_code == 422 and "Précisez le motif" in text(response)
    response = client.post(
        url, data={"status": "declined", "decline_reason": "other", "decline_detail": "Projet hors Bretagne"}
    )
    assert response.status_code == 302
    assert (sent.decline_reason, sent.decline_detail) == ("other", "Projet hors Bretagne")
    assert "Cette orientation est close" in text(client.get(url))


def test_expired_link_is_refused(sent, client, outbox):
    url = f"/referrals/answer/{token_of(outbox[0])}"
    with freeze_time("2026-04-01 08:00:00"):  # 30 days and a little after sending
        assert client.get(url).status_code == 200
    with freeze_time("2026-04-01 10:00:00"):
        response = client.get(url)
        assert response.status_code == 410 and "Ce lien a expiré" in text(response)
        assert client.post(url, data={"status": "accepted"}).status_code == 410
    assert sent.status == "sent"


@freeze_time("2026-03-05 10:00:00")
def test_resending_revokes_the_old_link(db, sent, client, outbox, advisor, login_as):
    old = f"/referrals/answer/{token_of(outbox[0])}"
    login_as(advisor)
    response = client.post(
        f"/referrals/{sent.id}/resend",
        data={"resend-referent_name": "Paul Durand", "resend-referent_email": "paul@urscop.example"},
    )
    assert response.status_code == 302
    assert outbox[-1]["To"] == "paul@urscop.example"
    client.get("/logout")
    response = client.get(old)
    assert response.status_code == 410 and "n'est plus valable" in text(response)
    assert client.post(old, data={"status": "accepted"}).status_code == 410
    new = f"/referrals/answer/{token_of(outbox[-1])}"
    assert client.post(new, data={"status": "accepted"}).status_code == 302
    assert sent.history[-1].answered_by == "Paul Durand (lien e-mail)"


@freeze_time("2026-03-05 10:00:00")
def test_staff_can_revoke_the_links(sent, client, outbox, advisor, login_as):
    url = f"/referrals/answer/{token_of(outbox[0])}"
    login_as(advisor)
    assert client.post(f"/referrals/{sent.id}/revoke-links").status_code == 302
    client.get("/logout")
    assert client.get(url).status_code == 410


@freeze_time("2026-03-05 10:00:00")
def test_tampered_or_unknown_link_is_404(sent, client, outbox):
    token = token_of(outbox[0])
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for url in (f"/referrals/answer/{tampered}", "/referrals/answer/x", f"/referrals/answer/{token}extra"):
        response = client.get(url)
        assert response.status_code == 404 and "Ce lien n'est pas valide" in text(response)
        assert client.post(url, data={"status": "accepted"}).status_code == 404
    assert sent.status == "sent"


@freeze_time("2026-03-05 10:00:00")
def test_a_link_answers_only_its_own_orientation(db, pole, sent, advisor, partner, client, outbox):
    other = make_referral(pole, advisor, partner, path=("sent",), referred_on=SENT_ON)
    link = sent_link(sent)
    with pytest.raises(services.ReferralError, match="Ce lien ne permet pas"):
        services.change_referral_status(other, "accepted", on=date(2026, 3, 5), by=None, link=link)
    assert other.status == "sent"


@freeze_time("2026-03-05 10:00:00")
def test_the_service_refuses_the_link_a_staff_only_status(db, sent, outbox):
    link = sent_link(sent)
    for status in ("no_follow_up", "expired", "proposed", "completed"):
        with pytest.raises(services.ReferralError, match="Impossible de passer"):
            services.change_referral_status(sent, status, on=date(2026, 3, 5), by=None, link=link)
    assert sent.status == "sent"


@freeze_time("2026-03-05 10:00:00")
def test_the_advisor_sees_the_answer_on_the_orientation(db, sent, client, outbox, advisor, login_as):
    client.post(
        f"/referrals/answer/{token_of(outbox[0])}",
        data={"status": "declined", "decline_reason": "no_capacity"},
    )
    login_as(advisor)
    page = text(client.get(f"/referrals/{sent.id}"))
    assert "Refusée" in page and "Capacité atteinte" in page and "par Jeanne Martin (lien e-mail)" in page
    change = db.session.scalars(
        select(ReferralStatusChange)
        .where(ReferralStatusChange.referral_id == sent.id)
        .order_by(ReferralStatusChange.id.desc())
    ).first()
    assert change.status == "declined"


def test_partner_account_holders_keep_their_page_link(db, pole, advisor, partner, client, outbox):
    user = UserFactory(pole=pole, role="partner", structure_id=partner.id)
    make_referral(pole, advisor, partner, send_now=True)
    to = [m["To"] for m in outbox]
    assert to == ["accueil@urscop.example", user.email]
    assert "/referrals/partner/" in outbox[1].get_content()
