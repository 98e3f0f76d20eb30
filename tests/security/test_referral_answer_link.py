"""The referent's answer page (no account): CSRF works for an anonymous visitor, and a link
never reaches another orientation or another pole's records."""

import re
from datetime import date, timedelta

from freezegun import freeze_time

from app import create_app
from app.core.links import issue_link
from app.extensions import limiter
from app.referrals.models import Referral
from config import TestConfig
from tests.referrals.factories import PartnerFactory, make_referral

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _link(referral: Referral) -> str:
    token = issue_link(
        pole_id=referral.pole_id,
        purpose="referral_answer",
        target=referral,
        recipient="referent@partenaire.example",
        valid_for=timedelta(days=30),
    )
    return f"/referrals/answer/{token}"


@freeze_time("2026-03-05 10:00:00")
def test_anonymous_answer_needs_the_pages_csrf_token(app, db, pole, advisor):
    class CsrfConfig(TestConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    referral = make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 3, 2))
    url = _link(referral)
    referral_id = referral.id
    db.session.commit()

    def status() -> str:
        return db.session.get(Referral, referral_id).status

    csrf_app = create_app(CsrfConfig)
    limiter.reset()
    visitor = csrf_app.test_client()
    assert visitor.post(url, data={"status": "accepted"}).status_code == 400
    assert status() == "sent"
    page = visitor.get(url)
    assert page.status_code == 200
    token = CSRF_INPUT.search(page.get_data(as_text=True)).group(1)
    other = csrf_app.test_client()  # another visitor's cookie does not carry this token
    assert other.post(url, data={"status": "accepted", "csrf_token": token}).status_code == 400
    response = visitor.post(url, data={"status": "accepted", "csrf_token": token})
    assert response.status_code == 302
    assert status() == "accepted"


@freeze_time("2026-03-05 10:00:00")
def test_a_link_of_another_pole_shows_only_its_own_pole(client, db, pole, other_pole, advisor):
    from tests.factories import UserFactory

    ours = make_referral(pole, advisor, PartnerFactory(pole_id=pole.id, name="Partenaire du pôle A"),
                         path=("sent",), referred_on=date(2026, 3, 2))  # fmt: skip
    theirs_advisor = UserFactory(pole=other_pole)
    theirs = make_referral(
        other_pole, theirs_advisor, PartnerFactory(pole_id=other_pole.id, name="Partenaire du pôle B"),
        path=("sent",), referred_on=date(2026, 3, 2),
    )  # fmt: skip
    page = client.get(_link(theirs)).get_data(as_text=True)
    assert "Partenaire du pôle B" in page and "Partenaire du pôle A" not in page
    # The pole scope set for the link does not open the other pole's pages to the visitor.
    ours_id = ours.id
    assert client.get(f"/referrals/{ours_id}").status_code == 302  # login
    assert db.session.get(Referral, ours_id).status == "sent"
