"""Issue 14: `flask referrals daily` reminds the partner at days 7 and 21 (the advisor copied
on the second) and records `expired` at day 30, each step recorded once."""

from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.referrals.models import ReferralReminder, ReferralStatusChange
from tests.factories import UserFactory
from tests.referrals.factories import PartnerFactory, make_referral

SENT_ON = date(2026, 3, 2)


def at_day(n: int) -> str:
    return f"{SENT_ON + timedelta(days=n)} 06:00:00"


@pytest.fixture
def partner(pole):
    return PartnerFactory(pole_id=pole.id, name="BGE Bretagne", contact_email="orientations@bge.example")


@pytest.fixture
def waiting(db, pole, advisor, partner, client, outbox):
    with freeze_time("2026-03-02 09:00:00"):
        referral = make_referral(pole, advisor, partner, referred_on=SENT_ON, send_now=True)
    db.session.commit()
    outbox.clear()
    return referral


def run(runner, pole):
    result = runner.invoke(args=["referrals", "daily", "--pole", pole.slug])
    assert result.exit_code == 0, result.output
    return result


def partner_mails(outbox):
    return [m for m in outbox if m["To"] == "orientations@bge.example"]


def reminder_mails(outbox):
    """The partner's reminders and their copies (not the advisors' daily digest)."""
    return [m for m in outbox if m["Subject"].startswith(("Relance", "Copie"))]


def test_reminders_at_7_and_21_days_and_expiry_at_30(db, runner, pole, advisor, waiting, outbox):
    with freeze_time(at_day(6)):
        run(runner, pole)
    assert partner_mails(outbox) == [] and waiting.reminders == []

    with freeze_time(at_day(7)):
        result = run(runner, pole)
        run(runner, pole)  # twice the same day: no second mail
    assert "1 première(s) relance(s)" in result.output
    assert len(partner_mails(outbox)) == 1 and len(reminder_mails(outbox)) == 1  # no copy yet
    body = partner_mails(outbox)[0].get_content()
    assert "depuis 7 jours" in body and "/referrals/answer/" in body
    assert [(r.number, r.sent_on) for r in waiting.reminders] == [(1, date(2026, 3, 9))]

    outbox.clear()
    with freeze_time(at_day(20)):
        run(runner, pole)
    assert reminder_mails(outbox) == []
    with freeze_time(at_day(21)):
        result = run(runner, pole)
        run(runner, pole)
    assert "1 deuxième(s) relance(s)" in result.output
    mails = reminder_mails(outbox)
    assert [m["To"] for m in mails] == ["orientations@bge.example", advisor.email]
    assert "Copie" in mails[1]["Subject"] and "BGE Bretagne" in mails[1].get_content()
    assert [(r.number, r.sent_on) for r in waiting.reminders] == [
        (1, date(2026, 3, 9)),
        (2, date(2026, 3, 23)),
    ]

    outbox.clear()
    with freeze_time(at_day(29)):
        run(runner, pole)
    assert reminder_mails(outbox) == [] and waiting.status == "sent"

    with freeze_time(at_day(30)):
        result = run(runner, pole)
        run(runner, pole)
    assert "1 orientation(s) sans réponse" in result.output
    assert waiting.status == "expired"
    expired = [c for c in waiting.history if c.status == "expired"]
    assert [(c.changed_on, c.by_id) for c in expired] == [(date(2026, 4, 1), None)]
    assert partner_mails(outbox) == []  # no mail to the partner on expiry


def test_a_missed_day_still_sends_the_reminder_once_and_skips_the_stale_one(
    db, runner, pole, waiting, outbox
):
    with freeze_time(at_day(9)):  # the cron did not run on day 7
        run(runner, pole)
    assert [r.number for r in waiting.reminders] == [1]
    outbox.clear()
    with freeze_time(at_day(25)):  # nor on day 21
        run(runner, pole)
    assert [r.number for r in waiting.reminders] == [1, 2]
    assert len(reminder_mails(outbox)) == 2  # the second and its copy


def test_an_answer_stops_the_reminders(db, runner, pole, advisor, waiting, outbox):
    from app.referrals import services

    with freeze_time(at_day(5)):
        services.change_referral_status(waiting, "under_review", on=date(2026, 3, 7), by=advisor)
        db.session.commit()
    for day in (7, 21, 30, 60):
        with freeze_time(at_day(day)):
            run(runner, pole)
    assert reminder_mails(outbox) == [] and waiting.reminders == [] and waiting.status == "under_review"


def test_imported_histories_that_say_the_partner_answered_are_left_alone(
    db, runner, pole, advisor, partner, outbox
):
    """An import may complete a history with an older fact without rewinding the status: the
    status says "sent" but the history shows an answer — no reminder, no expiry."""
    with freeze_time("2026-01-10 09:00:00"):
        referral = make_referral(pole, advisor, partner, path=("sent",), referred_on=date(2026, 1, 5))
        referral.history.append(
            ReferralStatusChange(
                pole_id=pole.id, status="accepted", changed_on=date(2026, 1, 6), comment="import"
            )
        )
        db.session.commit()
    assert referral.status == "sent"
    for day in ("2026-01-13", "2026-01-27", "2026-02-10", "2026-06-01"):
        with freeze_time(f"{day} 06:00:00"):
            run(runner, pole)
    assert referral.status == "sent" and reminder_mails(outbox) == []
    assert db.session.scalars(select(ReferralReminder)).all() == []


def test_the_days_are_pole_settings(db, runner, pole, waiting, outbox):
    pole.referral_first_reminder_days = 3
    pole.referral_second_reminder_days = 5
    pole.referral_no_answer_days = 10
    db.session.commit()
    with freeze_time(at_day(3)):
        run(runner, pole)
    with freeze_time(at_day(5)):
        run(runner, pole)
    assert [r.number for r in waiting.reminders] == [1, 2]
    with freeze_time(at_day(9)):
        run(runner, pole)
    assert waiting.status == "sent"
    with freeze_time(at_day(10)):
        run(runner, pole)
    assert waiting.status == "expired"


def test_other_poles_are_not_touched_and_remind_still_works(db, runner, pole, other_pole, waiting, outbox):
    other_advisor = UserFactory(pole=other_pole)
    other_partner = PartnerFactory(pole_id=other_pole.id, contact_email="x@other.example")
    with freeze_time("2026-03-02 09:00:00"):
        theirs = make_referral(other_pole, other_advisor, other_partner, referred_on=SENT_ON, send_now=True)
    db.session.commit()
    with freeze_time(at_day(30)):
        run(runner, pole)
        assert theirs.status == "sent" and waiting.status == "expired"
        result = runner.invoke(args=["referrals", "remind", "--pole", other_pole.slug])
    assert result.exit_code == 0 and "sans réponse à clore" in result.output
