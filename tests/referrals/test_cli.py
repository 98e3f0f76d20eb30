from datetime import date

from freezegun import freeze_time

from tests.factories import PoleFactory, UserFactory
from tests.referrals.factories import PartnerFactory, PersonFactory, make_referral


def test_remind_emails_each_advisor_a_digest(runner, client, db, pole, advisor, outbox):
    colleague = UserFactory(pole=pole, full_name="Collègue sans relance")
    partner = PartnerFactory(pole_id=pole.id, name="URSCOP Ouest")
    person = PersonFactory(pole_id=pole.id, first_name="Nolwenn", last_name="Le Dantec")
    other_pole = PoleFactory()
    other_advisor = UserFactory(pole=other_pole)
    with freeze_time("2026-03-01 10:00:00") as frozen:
        due = make_referral(pole, advisor, partner, person=person, referred_on=date(2026, 3, 1))
        silent = make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 2, 1))
        make_referral(pole, colleague, path=("sent", "accepted", "completed"), referred_on=date(2026, 2, 1))
        make_referral(other_pole, other_advisor, path=("sent",), referred_on=date(2026, 2, 1))
        frozen.move_to("2026-03-12 05:00:00")
        result = runner.invoke(args=["referrals", "remind"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in outbox] == [advisor.email, other_advisor.email]
    body = outbox[0].get_content()
    assert "Orientations à relancer (1)" in body and "Nolwenn Le Dantec → URSCOP Ouest" in body
    assert f"/referrals/{due.id}" in body
    assert "sans réponse depuis 30 jours" in body and f"/referrals/{silent.id}" in body
    assert "/referrals/to-chase" in body
    assert (
        f"{pole.slug} : 1 orientation(s) à relancer, 1 sans réponse à clore, 1 e-mail(s) envoyé(s)."
        in result.output
    )
    assert "Total : 2 e-mail(s)" in result.output


def test_remind_for_one_pole_and_nothing_to_chase(runner, client, db, pole, outbox):
    result = runner.invoke(args=["referrals", "remind", "--pole", pole.slug])
    assert result.exit_code == 0
    assert "0 e-mail(s) envoyé(s)" in result.output and outbox == []
    unknown = runner.invoke(args=["referrals", "remind", "--pole", "nope"])
    assert unknown.exit_code != 0 and "Pôle inconnu" in unknown.output


def test_remind_skips_deactivated_advisors(runner, client, db, pole, outbox):
    gone = UserFactory(pole=pole, active=False)
    with freeze_time("2026-03-01 10:00:00") as frozen:
        make_referral(pole, gone, referred_on=date(2026, 3, 1))
        frozen.move_to("2026-03-20 10:00:00")
        result = runner.invoke(args=["referrals", "remind", "--pole", pole.slug])
    assert result.exit_code == 0 and outbox == []
    assert "1 orientation(s) à relancer" in result.output
