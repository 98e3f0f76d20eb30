"""A small, hand-countable pole for October 2026 (Europe/Paris; winter time from the 25th).

Expected figures are written out in EXPECTED, counted by hand from the records below.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import partial

from app.sessions.models import session_advisors
from tests.reports import factories as f
from tests.reports.factories import paris

MONTH = "2026-10"


@dataclass
class Scenario:
    pole: object
    admin: object
    advisor: object
    region: object
    fse: object
    records: dict = field(default_factory=dict)


def build(pole, admin, advisor) -> Scenario:
    from app.extensions import db

    gouv = f.thematic(pole, "Gouvernance partagée")
    juridique = f.thematic(pole, "Cadre juridique")
    financier = f.thematic(pole, "Montage financier")
    region = f.ProgrammeFactory(pole=pole, name="Région Bretagne")
    fse = f.ProgrammeFactory(pole=pole, name="FSE+")
    dla = f.StructureFactory(pole=pole, name="DLA Ille-et-Vilaine")
    urscop = f.StructureFactory(pole=pole, name="URSCOP Bretagne")
    france_active = f.StructureFactory(pole=pole, name="France Active")
    mairie = f.StructureFactory(pole=pole, name="Mairie de Redon", is_partner=False)
    p1, p2, p3, p4, p5, p6, p7, p8 = (f.PersonFactory(pole=pole) for _ in range(8))
    c1 = f.CollectiveFactory(pole=pole, name="Collectif des Landes")

    # Requests: 3 in October (permanence, phone, prescriber), 1 in September, 1 in March, 1 a year ago.
    f.RequestFactory(
        pole=pole, received_on=date(2026, 10, 1), channel="permanence", received_by_id=advisor.id
    )
    f.RequestFactory(
        pole=pole,
        received_on=date(2026, 10, 15),
        channel="phone",
        prescriber_id=mairie.id,
        received_by_id=admin.id,
    )
    f.RequestFactory(
        pole=pole,
        received_on=date(2026, 10, 31),
        channel="prescriber",
        prescriber_id=mairie.id,
        received_by_id=advisor.id,
    )
    f.RequestFactory(pole=pole, received_on=date(2026, 9, 30), channel="email")
    f.RequestFactory(pole=pole, received_on=date(2026, 11, 1), channel="email")
    f.RequestFactory(pole=pole, received_on=date(2026, 3, 5), channel="phone")
    f.RequestFactory(pole=pole, received_on=date(2025, 10, 10), channel="event")

    # Dossiers: A2 and A4 open in October, A3 closes in it; A1, A2, A4 active on the 31st.
    template = f.TemplateFactory(pole=pole)
    accueil = f.StageFactory(pole=pole, template_id=template.id, name="Accueil", position=0)
    diagnostic = f.StageFactory(pole=pole, template_id=template.id, name="Diagnostic partagé", position=1)
    emergence = f.StageFactory(pole=pole, template_id=template.id, name="Émergence", position=2)
    a1 = f.AccompanimentFactory(
        pole=pole,
        person_id=p1.id,
        funding_programme_id=region.id,
        referent_id=advisor.id,
        started_on=date(2026, 9, 10),
        template_id=template.id,
    )
    a2 = f.AccompanimentFactory(
        pole=pole,
        collective_id=c1.id,
        funding_programme_id=fse.id,
        referent_id=admin.id,
        started_on=date(2026, 10, 5),
        template_id=template.id,
    )
    a3 = f.AccompanimentFactory(
        pole=pole,
        person_id=p2.id,
        referent_id=advisor.id,
        started_on=date(2026, 3, 1),
        ended_on=date(2026, 10, 20),
        status="closed",
    )
    f.AccompanimentFactory(
        pole=pole, person_id=p3.id, started_on=date(2026, 10, 31), ended_on=date(2026, 11, 5), status="closed"
    )
    f.AccompanimentFactory(pole=pole, person_id=p4.id, started_on=date(2026, 11, 2))
    for dossier, stage, on in (
        (a1, accueil, date(2026, 9, 10)),
        (a1, diagnostic, date(2026, 10, 10)),
        (a1, emergence, date(2026, 11, 15)),
        (a2, accueil, date(2026, 10, 5)),
    ):
        f.StageTransitionFactory(
            pole=pole, accompaniment_id=dossier.id, to_stage_id=stage.id, transitioned_on=on
        )

    # Referrals made in October: F1..F4 (F1 has two thematics); earlier: F5 (changes in October), F6, F7.
    f.make_referral(
        pole,
        accompaniment_id=a1.id,
        partner_id=dla.id,
        referred_on=date(2026, 10, 3),
        referred_by_id=advisor.id,
        thematics=[gouv, financier],
        changes=[
            ("proposed", date(2026, 10, 3)),
            ("sent", date(2026, 10, 5)),
            ("accepted", date(2026, 11, 10)),
        ],
    )
    f.make_referral(
        pole,
        accompaniment_id=a2.id,
        partner_id=urscop.id,
        referred_on=date(2026, 10, 10),
        referred_by_id=admin.id,
        thematics=[gouv],
        changes=[
            ("proposed", date(2026, 10, 10)),
            ("sent", date(2026, 10, 12)),
            ("accepted", date(2026, 10, 31)),
            ("declined", date(2026, 10, 31)),  # same day: the later entry (higher id) wins
        ],
    )
    f3 = f.make_referral(
        pole,
        person_id=p5.id,
        partner_id=dla.id,
        referred_on=date(2026, 10, 20),
        referred_by_id=advisor.id,
        thematics=[juridique],
        changes=[("proposed", date(2026, 10, 20)), ("no_follow_up", date(2026, 11, 20))],
    )
    f.make_referral(
        pole,
        accompaniment_id=a3.id,
        partner_id=france_active.id,
        referred_on=date(2026, 10, 28),
        referred_by_id=advisor.id,
        changes=[
            ("proposed", date(2026, 10, 28)),
            ("sent", date(2026, 10, 29)),
            ("accepted", date(2026, 10, 30)),
            ("completed", date(2026, 10, 31)),
        ],
    )
    f.make_referral(
        pole,
        accompaniment_id=a1.id,
        partner_id=urscop.id,
        referred_on=date(2026, 9, 15),
        referred_by_id=advisor.id,
        changes=[
            ("proposed", date(2026, 9, 15)),
            ("sent", date(2026, 10, 2)),
            ("accepted", date(2026, 10, 20)),
        ],
    )
    f.make_referral(
        pole,
        person_id=p5.id,
        partner_id=dla.id,
        referred_on=date(2026, 9, 20),
        # The October entry repeats the status: a comment, not a change.
        changes=[("proposed", date(2026, 9, 20)), ("sent", date(2026, 9, 25)), ("sent", date(2026, 10, 7))],
    )
    f.make_referral(pole, person_id=p5.id, partner_id=dla.id, referred_on=date(2025, 10, 5))
    edges = month_edge_referrals(pole, person=p8, partner=france_active)

    # Séances. S1 00:30 Paris on 1 October (30 September 22:30 UTC); S2 23:30 Paris on the 31st;
    # S4 00:30 Paris on 1 November (31 October 23:30 UTC: not October); S5 September; S6 a year ago.
    s1 = f.SessionFactory(
        pole=pole,
        kind="individual",
        starts_at=paris(2026, 10, 1, 0, 30),
        duration_minutes=60,
        funding_programme_id=region.id,
    )
    s2 = f.SessionFactory(
        pole=pole,
        kind="workshop",
        starts_at=paris(2026, 10, 31, 23, 30),
        duration_minutes=90,
        funding_programme_id=fse.id,
        collective_id=c1.id,
    )
    s3 = f.SessionFactory(
        pole=pole, kind="governance", starts_at=paris(2026, 10, 15, 14), duration_minutes=120
    )
    s4 = f.SessionFactory(pole=pole, kind="individual", starts_at=paris(2026, 11, 1, 0, 30))
    # A second individual séance in October, shorter than S1: hours are a sum per kind (60 + 45),
    # not the longest séance. No advisor, programme, dossier or attendance: only the séance
    # figures move.
    f.SessionFactory(pole=pole, kind="individual", starts_at=paris(2026, 10, 22, 10), duration_minutes=45)
    f.SessionFactory(pole=pole, kind="training", starts_at=paris(2026, 9, 30, 23, 30))
    f.SessionFactory(pole=pole, kind="permanence", starts_at=paris(2025, 10, 10))
    db.session.execute(
        session_advisors.insert(),
        [
            {"session_id": s1.id, "user_id": advisor.id},
            {"session_id": s2.id, "user_id": admin.id},
            {"session_id": s3.id, "user_id": advisor.id},
            {"session_id": s3.id, "user_id": admin.id},
            {"session_id": s4.id, "user_id": advisor.id},
        ],
    )
    for session, person, status in (
        (s1, p1, "present"),
        (s2, p1, "present"),
        (s2, p6, "present"),
        (s2, p7, "excused"),
        (s2, p8, "invited"),
        (s3, p6, "present"),
        (s3, p7, "absent"),
        (s3, p8, "absent"),
        (s4, p2, "present"),
    ):
        f.AttendanceFactory(pole=pole, session_id=session.id, person_id=person.id, status=status)

    # Satisfaction: 3 answers in October (5, 4, 4 -> 4.33); one at 00:30 Paris on 1 November.
    f.SatisfactionFactory(
        pole=pole, person_id=p1.id, session_id=s1.id, score=5, answered_at=paris(2026, 10, 2)
    )
    f.SatisfactionFactory(
        pole=pole, person_id=p6.id, session_id=s2.id, score=4, answered_at=paris(2026, 10, 31, 23, 30)
    )
    f.SatisfactionFactory(
        pole=pole, person_id=p7.id, session_id=s3.id, score=4, answered_at=paris(2026, 10, 20)
    )
    f.SatisfactionFactory(
        pole=pole, person_id=p1.id, accompaniment_id=a1.id, score=1, answered_at=paris(2026, 11, 1, 0, 30)
    )
    db.session.flush()
    return Scenario(
        pole,
        admin,
        advisor,
        region,
        fse,
        {"f3": f3, "a1": a1, "s1": s1, "p1": p1, "dla": dla, "edges": edges, "france_active": france_active},
    )


# --- the month's edges ------------------------------------------------------------------------
# Records dated the day before the month, its first day, its last day and the day after catch a
# window made strict at either end (`>=` -> `>`, `<=` -> `<`) or widened by a day. Figures added
# later over the same referrals (e.g. partners' answer rates) get their month-edge cases here:
# add the rows to `month_edge_referrals`, the hand count to EXPECTED and to
# tests/reports/test_services.py::test_month_edges_belong_to_their_own_month.

DAY_BEFORE = date(2026, 9, 30)
FIRST_DAY = date(2026, 10, 1)
LAST_DAY = date(2026, 10, 31)
DAY_AFTER = date(2026, 11, 1)


def month_edge_referrals(pole, person, partner) -> dict:
    """Orientations and status changes dated on the edges of October 2026, for one person
    without dossier, advisor or thematic (so the programme and advisor filters leave them out).

    In October: `first` (referred on the 1st, sent on 1 November: still proposed on the 31st)
    and `last` (referred and accepted on the 31st). Not in October: `before` (30 September) and
    `after` (1 November). Earlier referrals (December 2025) whose status changes on an edge:
    `changed_first` (on the 1st: a change of the month), `changed_last` (on the 31st: a change),
    `changed_before` (30 September: not one) and `changed_after` (1 November: not one); `before`
    also changes on the 1st (sent), so it is a change of October too."""
    referral = partial(f.make_referral, pole, person_id=person.id, partner_id=partner.id)
    return {
        "before": referral(referred_on=DAY_BEFORE, changes=[("proposed", DAY_BEFORE), ("sent", FIRST_DAY)]),
        "first": referral(referred_on=FIRST_DAY, changes=[("proposed", FIRST_DAY), ("sent", DAY_AFTER)]),
        "last": referral(referred_on=LAST_DAY, changes=[("proposed", LAST_DAY), ("accepted", LAST_DAY)]),
        "after": referral(referred_on=DAY_AFTER, changes=[("proposed", DAY_AFTER)]),
        "changed_before": referral(
            referred_on=date(2025, 12, 1), changes=[("proposed", date(2025, 12, 1)), ("sent", DAY_BEFORE)]
        ),
        "changed_first": referral(
            referred_on=date(2025, 12, 2), changes=[("proposed", date(2025, 12, 2)), ("sent", FIRST_DAY)]
        ),
        "changed_last": referral(
            referred_on=date(2025, 12, 3), changes=[("proposed", date(2025, 12, 3)), ("declined", LAST_DAY)]
        ),
        "changed_after": referral(
            referred_on=date(2025, 12, 4), changes=[("proposed", date(2025, 12, 4)), ("accepted", DAY_AFTER)]
        ),
    }


EXPECTED = {
    "month": MONTH,
    "requests": {
        "total": 3,
        "by_channel": {"permanence": 1, "phone": 1, "email": 0, "prescriber": 1, "event": 0, "other": 0},
    },
    "referrals": {
        # F1..F4, and the edges' `first` (1 October) and `last` (31 October).
        "total": 6,
        "by_partner": [
            {"partner": "France Active", "count": 3},
            {"partner": "DLA Ille-et-Vilaine", "count": 2},
            {"partner": "URSCOP Bretagne", "count": 1},
        ],
        "by_thematic": [
            {"thematic": "Gouvernance partagée", "count": 2},
            {"thematic": "Cadre juridique", "count": 1},
            {"thematic": "Montage financier", "count": 1},
        ],
        "by_beneficiary": {"individual": 5, "collective": 1},
        # On the 31st: F1 sent, F2 declined, F3 proposed, F4 completed, `first` proposed (sent on
        # 1 November), `last` accepted (that same day).
        "by_status": {
            "proposed": 2,
            "sent": 1,
            "accepted": 1,
            "completed": 1,
            "declined": 1,
            "no_follow_up": 0,
        },
        # F5 (sent 2 Oct); the edges' `before` and `changed_first` (1 Oct), `changed_last` (31 Oct).
        # Not F6 (repeats "sent"), `changed_before` (30 Sept), `changed_after` (1 Nov).
        "status_changes_of_earlier_referrals": 4,
    },
    "accompaniments": {"opened": 2, "closed": 1, "active_at_month_end": 3},
    "sessions": {
        "total": 4,
        "by_kind": {
            "individual": 2,
            "workshop": 1,
            "training": 0,
            "governance": 1,
            "permanence": 0,
            "network": 0,
        },
        "hours": 5.25,  # S1 60 + the 22nd's 45 + S2 90 + S3 120 minutes
        "distinct_participants": 2,
        "attendance_rate": 0.571,
    },
    "satisfaction": {"responses": 3, "mean": 4.33},
    "previous_month": {"referrals": 3, "sessions": 1, "requests": 1},  # F5, F6, `before`
    "same_month_last_year": {"referrals": 1, "sessions": 1, "requests": 1},
    # Referrals F1..F6 and the edges before/first/last; séances the 4 of October and September's.
    "year_to_date": {"referrals": 9, "sessions": 5, "requests": 5},
}


def assert_contract(report: dict, expected: dict = EXPECTED, slug: str | None = None) -> None:
    """Every key of the contract, compared to the hand count (extra keys allowed)."""
    if slug is not None:
        assert report["pole"] == slug
    assert report["month"] == expected["month"]
    for section in (
        "requests",
        "referrals",
        "accompaniments",
        "sessions",
        "satisfaction",
        "previous_month",
        "same_month_last_year",
        "year_to_date",
    ):
        for key, value in expected[section].items():
            assert report[section][key] == value, (section, key, report[section][key], value)
