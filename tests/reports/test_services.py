from datetime import date

import pytest

from app.reports.periods import ReportError
from app.reports.services import monthly_report
from tests.reports import factories as f
from tests.reports.factories import paris
from tests.reports.scenario import MONTH, assert_contract, build


@pytest.fixture
def scenario(pole, admin, advisor):
    return build(pole, admin, advisor)


def test_every_contract_key_matches_the_hand_count(scenario):
    report = monthly_report(scenario.pole, MONTH)
    assert_contract(report, slug=scenario.pole.slug)
    assert list(report["sessions"]["by_kind"]) == [
        "individual",
        "workshop",
        "training",
        "governance",
        "permanence",
        "network",
    ]
    assert list(report["referrals"]["by_status"]) == [
        "proposed",
        "sent",
        "accepted",
        "completed",
        "declined",
        "no_follow_up",
    ]
    assert report["accompaniments"]["by_stage"] == [
        {"stage": "Accueil", "count": 1},
        {"stage": "Diagnostic partagé", "count": 1},
        {"stage": "Sans étape", "count": 1},
    ]
    assert report["requests"]["by_prescriber"] == [{"prescriber": "Mairie de Redon", "count": 2}]
    assert report["filters"]["requests_by_programme"] is False


def test_empty_month_has_every_key_with_zeros_and_nulls(pole):
    report = monthly_report(pole, "2020-02")
    assert report["referrals"]["by_partner"] == [] and report["referrals"]["by_thematic"] == []
    assert set(report["referrals"]["by_status"].values()) == {0}
    assert report["sessions"]["hours"] == 0.0 and report["sessions"]["attendance_rate"] is None
    assert report["satisfaction"] == {"responses": 0, "mean": None}
    assert report["accompaniments"]["active_at_month_end"] == 0
    assert report["year_to_date"] == {"referrals": 0, "sessions": 0, "requests": 0}


def test_past_month_does_not_move_when_later_records_are_added_or_edited(scenario):
    pole = scenario.pole
    before = monthly_report(pole, MONTH)
    r = scenario.records
    # Later history, later records, and edits of current-state fields.
    f.add_status_changes(r["f3"], [("sent", date(2026, 12, 1)), ("accepted", date(2026, 12, 2))])
    r["a1"].ended_on = date(2026, 12, 15)
    r["a1"].status = "closed"
    r["f3"].outcome = "Accompagné par le DLA"
    f.make_referral(pole, person_id=r["p1"].id, partner_id=r["dla"].id, referred_on=date(2026, 11, 2))
    f.RequestFactory(pole=pole, received_on=date(2026, 12, 1))
    late = f.SessionFactory(pole=pole, starts_at=paris(2026, 11, 1, 0, 0))
    f.AttendanceFactory(pole=pole, session_id=late.id, person_id=r["p1"].id, status="present")
    f.SatisfactionFactory(
        pole=pole, person_id=r["p1"].id, session_id=late.id, score=1, answered_at=paris(2026, 11, 1, 0, 0)
    )
    f.AccompanimentFactory(pole=pole, person_id=r["p1"].id, started_on=date(2026, 11, 1))
    assert monthly_report(pole, MONTH) == before


def test_other_pole_records_are_not_counted(scenario, other_pole):
    f.RequestFactory(pole=other_pole, received_on=date(2026, 10, 5))
    f.SessionFactory(pole=other_pole, starts_at=paris(2026, 10, 5))
    assert_contract(monthly_report(scenario.pole, MONTH))
    empty = monthly_report(other_pole, MONTH)
    assert empty["requests"]["total"] == 1 and empty["referrals"]["total"] == 0


def test_month_edges_belong_to_their_own_month(scenario):
    """Orientations and status changes dated the day before, the first, the last and the day
    after October fall in exactly one month (tests/reports/scenario.py::month_edge_referrals)."""
    september = monthly_report(scenario.pole, "2026-09")["referrals"]
    october = monthly_report(scenario.pole, MONTH)["referrals"]
    november = monthly_report(scenario.pole, "2026-11")["referrals"]
    # Made in the month: September F5, F6, `before` (the 30th); October F1..F4, `first`, `last`;
    # November `after` (the 1st) only.
    assert (september["total"], october["total"], november["total"]) == (3, 6, 1)
    france_active = {"partner": "France Active", "count": 1}
    assert france_active in september["by_partner"] and france_active in november["by_partner"]
    assert {"partner": "France Active", "count": 3} in october["by_partner"]
    # Status at the month's end: `before` still proposed on 30 September (sent on 1 October);
    # `first` proposed on 31 October (sent on 1 November); `last` accepted on the 31st itself.
    assert september["by_status"] == {**dict.fromkeys(september["by_status"], 0), "proposed": 2, "sent": 1}
    assert october["by_status"]["proposed"] == 2 and october["by_status"]["accepted"] == 1
    assert november["by_status"]["proposed"] == 1  # `after`
    # Earlier referrals that changed during the month: `changed_before` (30 Sept) in September
    # only; `before`, `changed_first` (1 Oct), `changed_last` (31 Oct) and F5 in October;
    # F1 (10 Nov), F3 (20 Nov), `first` and `changed_after` (1 Nov) in November.
    assert september["status_changes_of_earlier_referrals"] == 1
    assert october["status_changes_of_earlier_referrals"] == 4
    assert november["status_changes_of_earlier_referrals"] == 4


def test_programme_filter(scenario):
    report = monthly_report(scenario.pole, MONTH, programme_id=scenario.region.id)
    assert report["requests"]["total"] == 3  # requests have no programme: unfiltered
    assert report["referrals"]["total"] == 1
    assert report["referrals"]["by_partner"] == [{"partner": "DLA Ille-et-Vilaine", "count": 1}]
    assert report["referrals"]["status_changes_of_earlier_referrals"] == 1
    assert report["sessions"]["total"] == 1 and report["sessions"]["hours"] == 1.0
    assert report["sessions"]["attendance_rate"] == 1.0
    assert report["accompaniments"] == {
        "opened": 0,
        "closed": 0,
        "active_at_month_end": 1,
        "by_stage": [{"stage": "Diagnostic partagé", "count": 1}],
    }
    assert report["satisfaction"] == {"responses": 1, "mean": 5.0}
    assert report["previous_month"] == {"referrals": 1, "sessions": 0, "requests": 1}
    assert report["filters"]["programme"] == {"id": scenario.region.id, "name": "Région Bretagne"}


def test_advisor_filter(scenario):
    report = monthly_report(scenario.pole, MONTH, advisor_id=scenario.advisor.id)
    assert report["requests"]["total"] == 2
    assert report["referrals"]["total"] == 3
    assert report["referrals"]["by_status"]["declined"] == 0
    assert report["sessions"]["total"] == 2
    assert report["sessions"]["by_kind"]["governance"] == 1
    assert report["sessions"]["hours"] == 3.0
    assert report["sessions"]["attendance_rate"] == 0.5  # S1: 1 present; S3: 1 present, 2 absent
    assert report["accompaniments"]["opened"] == 0
    assert report["accompaniments"]["closed"] == 1
    assert report["accompaniments"]["active_at_month_end"] == 1
    assert report["satisfaction"] == {"responses": 2, "mean": 4.5}


def test_unknown_filter_and_bad_month_raise_french_errors(scenario, other_pole):
    foreign = f.ProgrammeFactory(pole=other_pole)
    with pytest.raises(ReportError, match="Programme"):
        monthly_report(scenario.pole, MONTH, programme_id=foreign.id)
    for bad in ("2026-13", "2026-1", "octobre", "", "1999-12"):
        with pytest.raises(ReportError, match="Mois invalide"):
            monthly_report(scenario.pole, bad)


@pytest.mark.parametrize("month", ["2025-10", "2026-09", MONTH, "2026-11"])
def test_every_referral_of_the_month_has_one_status_and_one_beneficiary_type(scenario, month):
    """The report's breakdowns partition its total, whatever the month (the scenario's
    referrals have several history entries, some on the same day)."""
    referrals = monthly_report(scenario.pole, month)["referrals"]
    assert referrals["total"] > 0
    assert sum(referrals["by_status"].values()) == referrals["total"]
    assert sum(referrals["by_beneficiary"].values()) == referrals["total"]
    assert sum(item["count"] for item in referrals["by_partner"]) == referrals["total"]


def test_query_count_does_not_grow_with_records(scenario, other_pole, count_queries):
    with count_queries() as empty:
        monthly_report(other_pole, MONTH)
    with count_queries() as full:
        monthly_report(scenario.pole, MONTH)
    assert full.count == empty.count <= 25


def test_stage_at_month_end_comes_from_the_transitions(pole):
    template = f.TemplateFactory(pole=pole)
    accueil, diagnostic, emergence = (
        f.StageFactory(pole=pole, template_id=template.id, name=name, position=n)
        for n, name in enumerate(("Accueil", "Diagnostic partagé", "Émergence"))
    )
    person = f.PersonFactory(pole=pole)
    # Never changed stage: its current stage is its stage at any time.
    f.AccompanimentFactory(
        pole=pole, person_id=person.id, started_on=date(2026, 9, 1), current_stage_id=emergence.id
    )
    # Moved Accueil -> Diagnostic after the month: it was still at Accueil on 31 October.
    moved = f.AccompanimentFactory(
        pole=pole, person_id=person.id, started_on=date(2026, 9, 1), current_stage_id=diagnostic.id
    )
    f.StageTransitionFactory(
        pole=pole,
        accompaniment_id=moved.id,
        from_stage_id=accueil.id,
        to_stage_id=diagnostic.id,
        transitioned_on=date(2026, 11, 4),
    )
    by_stage = monthly_report(pole, MONTH)["accompaniments"]["by_stage"]
    assert by_stage == [{"stage": "Accueil", "count": 1}, {"stage": "Émergence", "count": 1}]
