"""A comment is not a status change: it does not move the earliest date of the next change
(issue 19, point 15), and a change back-dated before it keeps the history coherent."""

from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.referrals import services
from app.referrals.models import ReferralStatusChange
from tests.referrals.factories import make_referral


def _history(db, referral):
    return [
        (c.status, c.changed_on, c.comment)
        for c in db.session.scalars(
            select(ReferralStatusChange)
            .where(ReferralStatusChange.referral_id == referral.id)
            .order_by(ReferralStatusChange.changed_on, ReferralStatusChange.id)
        )
    ]


def test_a_comment_today_does_not_block_back_dating_the_next_change(db, pole, advisor):
    with freeze_time("2026-12-05 10:00:00"):
        referral = make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 11, 2))
        services.comment_referral(referral, by=advisor, comment="Le partenaire a rappelé")
        change = services.change_referral_status(
            referral, "accepted", on=date(2026, 11, 20), by=advisor, notify=False
        )
        assert change.changed_on == date(2026, 11, 20) and referral.status == "accepted"
        db.session.flush()
        db.session.expire_all()
        # The comment, posted after the back-dated acceptance, now repeats "accepted": read as of
        # any day, the history gives the right status (reports take the latest entry).
        assert _history(db, referral) == [
            ("proposed", date(2026, 11, 2), None),
            ("sent", date(2026, 11, 2), None),
            ("accepted", date(2026, 11, 20), None),
            ("accepted", date(2026, 12, 5), "Le partenaire a rappelé"),
        ]
        # The next change may still be dated from the acceptance on, not from the comment.
        services.change_referral_status(
            referral, "completed", on=date(2026, 11, 25), by=advisor, notify=False
        )
        assert referral.status == "completed"


def test_a_change_before_the_last_real_change_is_still_refused(db, pole, advisor):
    with freeze_time("2026-12-05 10:00:00"):
        referral = make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 11, 2))
        services.change_referral_status(referral, "accepted", on=date(2026, 11, 20), by=advisor, notify=False)
        services.comment_referral(referral, by=advisor, comment="Rendez-vous fixé")
        with pytest.raises(services.ReferralError, match="changement précédent"):
            services.change_referral_status(
                referral, "completed", on=date(2026, 11, 19), by=advisor, notify=False
            )
