from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import User
from app.poles.models import Thematic
from app.referrals import services
from app.referrals.models import (
    PARTNER_TRANSITIONS,
    STATUSES,
    SYSTEM_STATUSES,
    TRANSITIONS,
    ReferralStatusChange,
)
from tests.factories import UserFactory
from tests.referrals.factories import (
    AccompanimentFactory,
    CollectiveFactory,
    MembershipFactory,
    PartnerFactory,
    PersonFactory,
    make_referral,
)

# A way to reach each status from "proposed" ("expired" is reached by the daily command).
PATHS = {
    "proposed": (),
    "sent": ("sent",),
    "under_review": ("sent", "under_review"),
    "accepted": ("sent", "accepted"),
    "completed": ("sent", "accepted", "completed"),
    "declined": ("sent", "declined"),
    "no_follow_up": ("no_follow_up",),
    "expired": ("sent", "expired"),
}
PAIRS = [(a, b) for a in STATUSES for b in STATUSES]


def walk(pole, by, path, referred_on):
    """A referral walked along `path`, "expired" recorded as the daily command does."""
    referral = make_referral(pole, by, path=[s for s in path if s != "expired"], referred_on=referred_on)
    if "expired" in path:
        services.expire_referral(referral, referred_on)
    return referral


def thematics(db, pole, *names):
    rows = db.session.scalars(select(Thematic).where(Thematic.pole_id == pole.id)).all()
    return [t for t in rows if t.name in names]


@pytest.mark.parametrize(("start", "target"), PAIRS)
def test_every_transition_is_allowed_or_refused(db, pole, advisor, start, target):
    with freeze_time("2026-03-20 10:00:00"):
        referral = walk(pole, advisor, PATHS[start], date(2026, 3, 2))
        assert referral.status == start
        before = len(referral.history)
        extra = {"decline_reason": "no_capacity"} if target == "declined" else {}
        if target in TRANSITIONS[start] and target not in SYSTEM_STATUSES:
            change = services.change_referral_status(
                referral, target, on=date(2026, 3, 10), by=advisor, comment="ok", notify=False, **extra
            )
            assert referral.status == target
            assert len(referral.history) == before + 1
            assert (change.status, change.changed_on, change.by_id, change.comment) == (
                target,
                date(2026, 3, 10),
                advisor.id,
                "ok",
            )
            if target == "sent":
                assert referral.sent_on == date(2026, 3, 10)
            if target == "declined":
                assert referral.decline_reason == "no_capacity"
        else:
            with pytest.raises(services.ReferralError, match="Impossible de passer"):
                services.change_referral_status(referral, target, on=date(2026, 3, 10), by=advisor, **extra)
            assert referral.status == start
            assert len(referral.history) == before


def test_transition_table_matches_the_issue():
    assert set(TRANSITIONS["proposed"]) == {"sent", "no_follow_up"}
    assert set(TRANSITIONS["sent"]) == {"under_review", "accepted", "declined", "no_follow_up", "expired"}
    assert set(TRANSITIONS["under_review"]) == {"accepted", "declined", "no_follow_up"}
    assert set(TRANSITIONS["accepted"]) == {"completed", "declined", "no_follow_up"}
    assert set(TRANSITIONS["expired"]) == {"under_review", "accepted", "declined", "no_follow_up"}
    assert all(not TRANSITIONS[s] for s in ("completed", "declined", "no_follow_up"))
    # The partner's own table is a part of the staff's.
    assert set(PARTNER_TRANSITIONS) == {"sent", "under_review", "accepted", "expired"}
    assert set(PARTNER_TRANSITIONS["sent"]) == {"under_review", "accepted", "declined"}
    assert set(PARTNER_TRANSITIONS["accepted"]) == {"completed", "no_follow_up"}


def test_declined_needs_a_reason_and_outcome_is_kept(db, pole, advisor):
    referral = make_referral(pole, advisor, path=("sent",))
    today = services.pole_today(pole)
    with pytest.raises(services.ReferralError, match="motif du refus"):
        services.change_referral_status(referral, "declined", on=today, by=advisor)
    with pytest.raises(services.ReferralError, match="motif du refus"):
        services.change_referral_status(referral, "declined", on=today, by=advisor, decline_reason="nope")
    # The old French codes are gone (migrated): only the issue-14 codes are accepted.
    with pytest.raises(services.ReferralError, match="motif du refus"):
        services.change_referral_status(referral, "declined", on=today, by=advisor, decline_reason="autre")
    with pytest.raises(services.ReferralError, match="Précisez le motif"):
        services.change_referral_status(referral, "declined", on=today, by=advisor, decline_reason="other")
    services.change_referral_status(
        referral,
        "declined",
        on=today,
        by=advisor,
        decline_reason="other",
        decline_detail=" Structure en sommeil ",
        outcome="  Complet jusqu'en juin ",
    )
    assert referral.decline_reason == "other" and referral.outcome == "Complet jusqu'en juin"
    assert referral.decline_detail == "Structure en sommeil"


@freeze_time("2026-04-15 09:00:00")
def test_back_dated_changes_never_before_the_referral_or_the_previous_change_nor_in_future(db, pole, advisor):
    referral = make_referral(pole, advisor, referred_on=date(2026, 4, 1))
    with pytest.raises(services.ReferralError, match="précéder la date de l'orientation \\(01/04/2026\\)"):
        services.change_referral_status(referral, "sent", on=date(2026, 3, 31), by=advisor)
    with pytest.raises(services.ReferralError, match="futur"):
        services.change_referral_status(referral, "sent", on=date(2026, 4, 16), by=advisor)
    services.change_referral_status(referral, "sent", on=date(2026, 4, 3), by=advisor, notify=False)
    with pytest.raises(services.ReferralError, match="changement précédent \\(03/04/2026\\)"):
        services.change_referral_status(referral, "accepted", on=date(2026, 4, 2), by=advisor)
    # The partner's answer by phone last week, recorded today.
    services.change_referral_status(referral, "accepted", on=date(2026, 4, 8), by=advisor)
    assert [(c.status, c.changed_on) for c in referral.history] == [
        ("proposed", date(2026, 4, 1)),
        ("sent", date(2026, 4, 3)),
        ("accepted", date(2026, 4, 8)),
    ]
    assert referral.follow_up_on == date(2026, 4, 18)  # the chase follows the last step
    # Today, in the pole's time zone, is allowed.
    services.change_referral_status(referral, "completed", on=date(2026, 4, 15), by=advisor)


def test_future_is_measured_in_the_pole_time_zone(db, pole, advisor):
    # 23:30 UTC on 31 March is already 1 April in Paris.
    with freeze_time("2026-03-31 23:30:00"):
        referral = make_referral(pole, advisor, referred_on=date(2026, 4, 1))
        assert referral.referred_on == date(2026, 4, 1)


@freeze_time("2026-05-10 12:00:00")
def test_refer_records_proposed_at_its_date_with_default_follow_up(db, pole, advisor):
    partner = PartnerFactory(pole_id=pole.id)
    person = PersonFactory(pole_id=pole.id)
    referral = services.refer_to_partner(
        pole,
        advisor,
        partner=partner,
        referred_on=date(2026, 5, 4),
        person=person,
        thematics=thematics(db, pole, "Cadre juridique"),
        reason="Statuts SCIC",
    )
    assert referral.status == "proposed" and referral.sent_on is None
    assert referral.follow_up_on == date(2026, 5, 14)
    assert [(c.status, c.changed_on, c.by_id) for c in referral.history] == [
        ("proposed", date(2026, 5, 4), advisor.id)
    ]
    assert [t.name for t in referral.thematics] == ["Cadre juridique"]
    pole.referral_follow_up_days = 7
    other = services.refer_to_partner(
        pole, advisor, partner=partner, referred_on=date(2026, 5, 4), person=person
    )
    assert other.follow_up_on == date(2026, 5, 11)


def test_refer_send_now_moves_to_sent_and_emails_partner(db, pole, advisor, client, outbox):
    partner = PartnerFactory(pole_id=pole.id, contact_email="Accueil@Partenaire.example")
    referral = make_referral(pole, advisor, partner, send_now=True)
    assert referral.status == "sent" and referral.sent_on == referral.referred_on
    assert [c.status for c in referral.history] == ["proposed", "sent"]
    assert [m["To"] for m in outbox] == ["accueil@partenaire.example"]


def test_refer_checks_beneficiary_date_and_partner(db, pole, other_pole, advisor):
    partner = PartnerFactory(pole_id=pole.id)
    today = services.pole_today(pole)
    person = PersonFactory(pole_id=pole.id)
    collective = CollectiveFactory(pole_id=pole.id)
    with pytest.raises(services.ReferralError, match="bénéficiaire"):
        services.refer_to_partner(pole, advisor, partner=partner, referred_on=today)
    with pytest.raises(services.ReferralError, match="un seul"):
        services.refer_to_partner(
            pole, advisor, partner=partner, referred_on=today, person=person, collective=collective
        )
    with pytest.raises(services.ReferralError, match="futur"):
        services.refer_to_partner(
            pole, advisor, partner=partner, referred_on=today + timedelta(days=1), person=person
        )
    with pytest.raises(services.ReferralError, match="relance"):
        services.refer_to_partner(
            pole,
            advisor,
            partner=partner,
            referred_on=today,
            person=person,
            follow_up_on=today - timedelta(1),
        )
    with pytest.raises(services.ReferralError, match="bénéficiaire"):
        services.refer_to_partner(
            pole, advisor, partner=partner, referred_on=today, person=PersonFactory(pole_id=other_pole.id)
        )
    not_partner = PartnerFactory(pole_id=pole.id, is_partner=False)
    theirs = PartnerFactory(pole_id=other_pole.id)
    for structure in (not_partner, theirs):
        with pytest.raises(services.ReferralError, match="partenaire du pôle"):
            services.refer_to_partner(pole, advisor, partner=structure, referred_on=today, person=person)


def test_refer_from_dossier_takes_its_beneficiary(db, pole, advisor):
    collective = CollectiveFactory(pole_id=pole.id)
    dossier = AccompanimentFactory(pole_id=pole.id, collective_id=collective.id)
    referral = make_referral(pole, advisor, accompaniment=dossier)
    assert referral.accompaniment_id == dossier.id and referral.collective_id == collective.id
    assert referral.person_id is None and referral.beneficiary_label == collective.name


def test_rank_partners_by_shared_thematics(db, pole, other_pole):
    gov, legal, money = (
        thematics(db, pole, "Gouvernance partagée")[0],
        thematics(db, pole, "Cadre juridique")[0],
        thematics(db, pole, "Montage financier")[0],
    )
    a = PartnerFactory(pole_id=pole.id, name="A conseil", thematics=[money])
    b = PartnerFactory(pole_id=pole.id, name="B réseau", thematics=[gov, legal])
    c = PartnerFactory(pole_id=pole.id, name="C coop", thematics=[legal])
    PartnerFactory(pole_id=pole.id, name="Archivé", thematics=[gov, legal], archived=True)
    PartnerFactory(pole_id=pole.id, name="Pas partenaire", is_partner=False)
    PartnerFactory(pole_id=other_pole.id, name="Ailleurs")
    ranked = services.rank_partners(pole.id, [gov.id, legal.id])
    assert [(s.name, n) for s, n in ranked] == [(b.name, 2), (c.name, 1), (a.name, 0)]
    assert [s.name for s, _n in services.rank_partners(pole.id, [])] == ["A conseil", "B réseau", "C coop"]


def test_chasing_lists_follow_frozen_time(db, pole, other_pole, advisor):
    with freeze_time("2026-03-01 10:00:00") as frozen:
        waiting = make_referral(pole, advisor, referred_on=date(2026, 3, 1))  # proposed, follow-up 11/03
        sent = make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 3, 1))
        answered = make_referral(pole, advisor, path=("sent", "accepted"), referred_on=date(2026, 3, 1))
        closed = make_referral(pole, advisor, path=("sent", "declined"), referred_on=date(2026, 3, 1))
        other_advisor = UserFactory(pole=other_pole)
        make_referral(other_pole, other_advisor, path=("sent",), referred_on=date(2026, 3, 1))

        frozen.move_to("2026-03-10 10:00:00")
        lists = services.referrals_to_chase(pole)
        assert lists.due == [] and lists.to_close == []

        frozen.move_to("2026-03-11 10:00:00")
        lists = services.referrals_to_chase(pole)
        assert {r.id for r in lists.due} == {waiting.id, sent.id, answered.id}
        assert lists.to_close == []
        assert services.chase_counts(pole) == (3, 0)

        frozen.move_to("2026-03-31 10:00:00")  # sent 30 days ago, no answer
        lists = services.referrals_to_chase(pole)
        assert [r.id for r in lists.to_close] == [sent.id]
        assert {r.id for r in lists.due} == {waiting.id, answered.id}
        assert closed.id not in {r.id for r in lists.due + lists.to_close}
        assert services.chase_counts(pole) == (2, 1)

        services.close_without_follow_up(sent, by=advisor, today=date(2026, 3, 31))
        assert sent.status == "no_follow_up"
        assert sent.history[-1].changed_on == date(2026, 3, 31)
        services.postpone_follow_up(waiting, date(2026, 4, 10))
        lists = services.referrals_to_chase(pole)
        assert [r.id for r in lists.due] == [answered.id] and lists.to_close == []


def test_no_answer_delay_is_a_pole_setting(db, pole, advisor):
    with freeze_time("2026-03-01 10:00:00") as frozen:
        sent = make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 3, 1))
        pole.referral_no_answer_days = 15
        frozen.move_to("2026-03-16 10:00:00")
        assert [r.id for r in services.referrals_to_chase(pole).to_close] == [sent.id]


def test_comment_keeps_the_status(db, pole, advisor):
    referral = make_referral(pole, advisor, path=("sent",))
    services.comment_referral(referral, by=advisor, comment="Relancé par téléphone")
    assert referral.status == "sent"
    assert [(c.status, c.comment) for c in referral.history][-1] == ("sent", "Relancé par téléphone")
    with pytest.raises(services.ReferralError):
        services.comment_referral(referral, by=advisor, comment="  ")


def test_notification_without_consent_has_no_personal_data(db, pole, advisor, client, outbox):
    partner = PartnerFactory(pole_id=pole.id, contact_email="contact@partenaire.example")
    person = PersonFactory(
        pole_id=pole.id, first_name="Gwenaëlle", last_name="Kerhervé", phone="06 99 88 77 66"
    )
    make_referral(pole, advisor, partner, person=person, consent_to_share=False, send_now=True)
    body = outbox[-1].get_content()
    # Without consent, the first name only (issue 14): never the last name nor contact details.
    for secret in ("Kerhervé", person.email, "06 99 88 77 66"):
        assert secret not in body
    assert "Bénéficiaire : Gwenaëlle\n" in body
    assert "/referrals/answer/" in body


def test_notification_with_consent_names_the_person_not_contacts(db, pole, advisor, client, outbox):
    partner = PartnerFactory(pole_id=pole.id)
    user = UserFactory(pole=pole, role="partner", structure_id=partner.id)
    UserFactory(pole=pole, role="partner", structure_id=partner.id, active=False)
    person = PersonFactory(pole_id=pole.id, first_name="Gwenaëlle", last_name="Kerhervé")
    make_referral(pole, advisor, partner, person=person, consent_to_share=True, send_now=True)
    assert [m["To"] for m in outbox] == [user.email]
    body = outbox[-1].get_content()
    assert "Gwenaëlle Kerhervé" in body and person.email not in body and person.phone not in body


def test_no_notification_when_partner_has_no_address(db, pole, advisor, client, outbox):
    make_referral(pole, advisor, send_now=True)
    assert outbox == []


def test_collective_contact_is_its_referent(db, pole, advisor):
    collective = CollectiveFactory(pole_id=pole.id)
    member = PersonFactory(pole_id=pole.id)
    referent = PersonFactory(pole_id=pole.id, phone="02 99 12 34 56")
    MembershipFactory(pole_id=pole.id, collective_id=collective.id, person_id=member.id, role="membre")
    MembershipFactory(pole_id=pole.id, collective_id=collective.id, person_id=referent.id, role="referent")
    with_consent = make_referral(pole, advisor, collective=collective, consent_to_share=True)
    assert services.beneficiary_contact(with_consent)["email"] == referent.email
    without = make_referral(pole, advisor, collective=collective, consent_to_share=False)
    assert services.beneficiary_contact(without) is None


def test_partner_stats_over_twelve_months(db, pole, advisor):
    partner = PartnerFactory(pole_id=pole.id)
    with freeze_time("2026-06-30 10:00:00"):
        make_referral(pole, advisor, partner, path=("sent",), referred_on=date(2026, 6, 1))
        make_referral(pole, advisor, partner, path=("sent", "accepted"), referred_on=date(2026, 5, 1))
        make_referral(
            pole, advisor, partner, path=("sent", "accepted", "completed"), referred_on=date(2025, 9, 1)
        )
        make_referral(pole, advisor, partner, path=("sent", "declined"), referred_on=date(2026, 1, 1))
        make_referral(pole, advisor, partner, referred_on=date(2026, 6, 2))  # not sent yet
        make_referral(
            pole, advisor, partner, path=("sent", "accepted"), referred_on=date(2025, 6, 1)
        )  # too old
        make_referral(pole, advisor, path=("sent", "accepted"), referred_on=date(2026, 6, 1))  # elsewhere
        assert services.partner_stats(partner) == {"received": 4, "accepted": 2, "completed": 1}


def test_timeline_entries_for_a_dossier(db, pole, advisor):
    person = PersonFactory(pole_id=pole.id)
    dossier = AccompanimentFactory(pole_id=pole.id, person_id=person.id)
    referral = make_referral(pole, advisor, accompaniment=dossier, path=("sent", "accepted"))
    make_referral(pole, advisor, person=person)  # not attached to the dossier
    entries = services.referral_timeline_entries(dossier)
    assert [(kind, tpl) for _d, kind, tpl, _o in entries] == [
        ("referral", "referrals/_timeline_entry.html")
    ] * 3
    assert entries[0][3] is referral
    assert [o.status for _d, _k, _t, o in entries[1:]] == ["sent", "accepted"]
    assert all(isinstance(o, ReferralStatusChange) for _d, _k, _t, o in entries[1:])


def test_invite_partner_links_the_account_to_its_structure(db, pole, other_pole, client, outbox):
    partner = PartnerFactory(pole_id=pole.id)
    user = services.invite_partner(pole, partner, "Referente@Dla.example", "Anne Référente")
    assert (user.role, user.structure_id, user.pole_id, user.email) == (
        "partner",
        partner.id,
        pole.id,
        "referente@dla.example",
    )
    assert outbox[-1]["To"] == "referente@dla.example"
    with pytest.raises(services.ReferralError):
        services.invite_partner(pole, PartnerFactory(pole_id=other_pole.id), "x@dla.example")
    assert db.session.scalar(select(User).where(User.email == "x@dla.example")) is None
