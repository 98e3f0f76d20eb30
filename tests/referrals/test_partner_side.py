"""The pole's orientation delays, the partner's own figures, and the helpers the monthly
partner e-mail uses (open_referrals_for_partner, answer_url)."""

import re
from datetime import date

from freezegun import freeze_time

from app.core.links import check_link
from app.referrals import services
from tests.factories import UserFactory
from tests.referrals.factories import PartnerFactory, make_referral


def test_admin_sets_the_delays_in_order(client, db, pole, admin, login_as):
    login_as(admin)
    assert client.get("/referrals/settings").status_code == 200
    bad = {
        "referral_follow_up_days": "10",
        "referral_first_reminder_days": "21",
        "referral_second_reminder_days": "7",
        "referral_no_answer_days": "30",
    }
    response = client.post("/referrals/settings", data=bad)
    assert response.status_code == 422 and "Les délais doivent se suivre" in response.get_data(as_text=True)
    response = client.post("/referrals/settings", data={**bad, "referral_no_answer_days": "abc"})
    assert response.status_code == 422
    good = {**bad, "referral_first_reminder_days": "5", "referral_second_reminder_days": "15"}
    assert client.post("/referrals/settings", data=good).status_code == 302
    assert (pole.referral_first_reminder_days, pole.referral_second_reminder_days) == (5, 15)


def test_advisors_cannot_change_the_delays(client, db, advisor, login_as):
    login_as(advisor)
    assert client.get("/referrals/settings").status_code == 404


@freeze_time("2026-06-30 10:00:00")
def test_the_partner_sees_its_own_answer_figures(client, db, pole, advisor, login_as):
    partner = PartnerFactory(pole_id=pole.id)
    user = UserFactory(pole=pole, role="partner", structure_id=partner.id)
    make_referral(pole, advisor, partner, path=("sent", "accepted"), referred_on=date(2026, 5, 4))
    make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 5, 4))  # another partner
    login_as(user)
    page = client.get("/referrals/partner").get_data(as_text=True)
    assert "Vos réponses sur 12 mois" in page
    assert re.search(r"Orientations envoyées</th><td>1</td>", page)


@freeze_time("2026-06-30 10:00:00")
def test_open_referrals_for_partner_and_their_answer_urls(db, pole, advisor, client, outbox):
    partner = PartnerFactory(pole_id=pole.id, contact_email="contact@partenaire.example")
    waiting = make_referral(pole, advisor, partner, path=("sent",), referred_on=date(2026, 5, 4))
    studied = make_referral(
        pole, advisor, partner, path=("sent", "under_review"), referred_on=date(2026, 5, 5)
    )
    taken = make_referral(pole, advisor, partner, path=("sent", "accepted"), referred_on=date(2026, 5, 6))
    make_referral(pole, advisor, partner, path=("sent", "declined"), referred_on=date(2026, 5, 6))
    make_referral(pole, advisor, partner, referred_on=date(2026, 5, 6))  # never sent
    make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 5, 6))  # another partner
    assert services.open_referrals_for_partner(partner) == [waiting, studied, taken]
    first = services.answer_url(waiting)
    second = services.answer_url(waiting)
    token = first.rsplit("/", 1)[1]
    assert first.startswith("http") and "/referrals/answer/" in first
    # A new address for the monthly e-mail does not break the one already e-mailed.
    assert check_link(token, services.ANSWER_LINK_PURPOSE).ok
    assert check_link(second.rsplit("/", 1)[1], services.ANSWER_LINK_PURPOSE).ok
    assert check_link(token, services.ANSWER_LINK_PURPOSE).link.recipient == "contact@partenaire.example"


def test_no_answer_url_without_any_address(db, pole, advisor):
    referral = make_referral(pole, advisor, path=("sent",))
    assert services.answer_url(referral) is None
