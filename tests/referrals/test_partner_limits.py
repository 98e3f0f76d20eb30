"""Issue 18 point 2: a partner's status limits hold in the service, whatever its form shows.

The account page posts straight to the service (a status the form does not offer is passed
on, not filtered by the form), so these tests fail if the service's partner rule is removed."""

from datetime import date

import pytest
from freezegun import freeze_time

from app.referrals import services
from app.referrals.models import PARTNER_TRANSITIONS, STATUSES
from tests.factories import UserFactory
from tests.referrals.factories import PartnerFactory, make_referral

ON = date(2026, 3, 2)
PATH_TO = {"sent": ("sent",), "under_review": ("sent", "under_review"), "accepted": ("sent", "accepted")}


@pytest.fixture
def partner(pole):
    return PartnerFactory(pole_id=pole.id, name="France Active Bretagne")


@pytest.fixture
def partner_user(pole, partner):
    return UserFactory(pole=pole, role="partner", structure_id=partner.id, full_name="Yann Le Bris")


def referral_at(pole, advisor, partner, start):
    referral = make_referral(pole, advisor, partner, path=PATH_TO.get(start, ("sent",)), referred_on=ON)
    if start == "expired":
        services.expire_referral(referral, ON)
    assert referral.status == start
    return referral


CASES = [(start, target) for start in PARTNER_TRANSITIONS for target in STATUSES]


@pytest.mark.parametrize(("start", "target"), CASES)
@freeze_time("2026-03-10 10:00:00")
def test_partner_account_page_allows_exactly_the_partner_transitions(
    client, db, pole, advisor, partner, partner_user, login_as, start, target
):
    referral = referral_at(pole, advisor, partner, start)
    before = len(referral.history)
    login_as(partner_user)
    response = client.post(
        f"/referrals/partner/{referral.id}",
        data={
            "status-status": target,
            "status-changed_on": "2026-03-10",
            "status-decline_reason": "out_of_scope",
        },
    )
    if target in PARTNER_TRANSITIONS[start]:
        assert response.status_code == 302, response.get_data(as_text=True)[:1500]
        assert referral.status == target
        assert referral.history[-1].by_id == partner_user.id
    else:
        assert response.status_code == 422
        assert "Impossible de passer" in response.get_data(as_text=True)
        assert referral.status == start and len(referral.history) == before


@pytest.mark.parametrize("target", ["no_follow_up", "expired", "completed", "proposed", "sent"])
@freeze_time("2026-03-10 10:00:00")
def test_the_service_refuses_a_partner_user_what_its_form_does_not_offer(
    db, pole, advisor, partner, partner_user, target
):
    referral = referral_at(pole, advisor, partner, "sent")
    with pytest.raises(services.ReferralError, match="Impossible de passer"):
        services.change_referral_status(referral, target, on=date(2026, 3, 10), by=partner_user)
    assert referral.status == "sent"
    # The same status is fine for the pole's staff (except the daily command's "expired").
    if target in ("no_follow_up",):
        services.change_referral_status(referral, target, on=date(2026, 3, 10), by=advisor)
        assert referral.status == target


@freeze_time("2026-03-10 10:00:00")
def test_the_service_refuses_a_partner_user_of_another_structure(db, pole, advisor, partner, partner_user):
    elsewhere = make_referral(pole, advisor, PartnerFactory(pole_id=pole.id), path=("sent",), referred_on=ON)
    with pytest.raises(services.ReferralError, match="pas adressée à votre structure"):
        services.change_referral_status(elsewhere, "accepted", on=date(2026, 3, 10), by=partner_user)
    assert elsewhere.status == "sent"


@freeze_time("2026-03-10 10:00:00")
def test_expired_is_never_set_by_hand(client, db, pole, advisor, partner, login_as):
    referral = referral_at(pole, advisor, partner, "sent")
    with pytest.raises(services.ReferralError, match="Impossible de passer"):
        services.change_referral_status(referral, "expired", on=date(2026, 3, 10), by=advisor)
    login_as(advisor)
    response = client.post(
        f"/referrals/{referral.id}/status",
        data={"status-status": "expired", "status-changed_on": "2026-03-10"},
    )
    assert response.status_code == 422 and referral.status == "sent"


@freeze_time("2026-03-10 10:00:00")
def test_staff_form_offers_under_review_and_the_new_reasons(client, db, pole, advisor, partner, login_as):
    referral = referral_at(pole, advisor, partner, "sent")
    login_as(advisor)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'value="under_review"' in page and 'value="expired"' not in page
    for label in (
        "Hors de notre champ",
        "Public non éligible",
        "Déjà accompagné",
        "Injoignable",
        "Capacité atteinte",
    ):
        assert label in page
