"""Issue 14 answer-rate figures on a hand-built history; issue 18 point 1 for them: orientations
sent on the first and last day of the month and the day before and after, answers dated after
the period's end, working days across a French public holiday."""

import csv
import io
import json
from datetime import date

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from app.referrals import services
from app.referrals.figures import answer_figures, working_days_between
from app.reports.formats import monthly_csv, monthly_xlsx
from app.reports.indicators import funder_indicators
from app.reports.services import monthly_report
from tests.referrals.factories import PartnerFactory, make_referral


def test_working_days_skip_weekends_and_french_public_holidays():
    # Thursday 7 May 2026 -> Wednesday 13 May: Friday 8 May (Victoire 1945) is a holiday.
    assert working_days_between(date(2026, 5, 7), date(2026, 5, 13)) == 3
    # The same weekdays a week later, with no holiday: Fri 15, Mon 18, Tue 19, Wed 20 (Ascension
    # was Thursday 14).
    assert working_days_between(date(2026, 5, 14), date(2026, 5, 20)) == 4
    assert working_days_between(date(2026, 5, 7), date(2026, 5, 7)) == 0
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 1  # 25 Dec, weekend, Mon 28


@pytest.fixture
def history(db, pole, advisor):
    """Hand-built orientations (sent on, then answers), recorded back-dated on 15 July 2026."""
    a = PartnerFactory(pole_id=pole.id, name="URSCOP")
    b = PartnerFactory(pole_id=pole.id, name="ADIE")
    made = {}

    def sent(key, partner, on, *steps):
        referral = make_referral(pole, advisor, partner, referred_on=on)
        services.change_referral_status(referral, "sent", on=on, by=advisor, notify=False)
        for status, day, *extra in steps:
            if status == "expired":
                services.expire_referral(referral, day)
                continue
            kwargs = extra[0] if extra else {}
            services.change_referral_status(referral, status, on=day, by=advisor, **kwargs)
        made[key] = referral

    with freeze_time("2026-07-15 10:00:00"):
        # The day before the month: answered in May, but sent in April.
        sent("r4", a, date(2026, 4, 30), ("accepted", date(2026, 5, 2)))
        # First day of May (itself a holiday): à l'étude after 3 days, taken in charge after 5.
        sent("r1", a, date(2026, 5, 1), ("under_review", date(2026, 5, 4)), ("accepted", date(2026, 5, 6)))
        # Thursday before the 8 May holiday: taken in charge 3 working days later (6 days).
        sent("r2", a, date(2026, 5, 7), ("accepted", date(2026, 5, 13)))
        # Last day of May, declined on 2 June (after the month's end).
        sent("r3", a, date(2026, 5, 31), ("declined", date(2026, 6, 2), {"decline_reason": "no_capacity"}))
        # The day after the month.
        sent("r5", a, date(2026, 6, 1), ("accepted", date(2026, 6, 3)))
        # Never answered: expired on 31 May.
        sent("r6", a, date(2026, 5, 1), ("expired", date(2026, 5, 31)))
        # Another partner: declined after 19 days, reason "other".
        sent(
            "r7",
            b,
            date(2026, 5, 1),
            ("declined", date(2026, 5, 20), {"decline_reason": "other", "decline_detail": "Hors Bretagne"}),
        )
        # Created in May but never sent: not an orientation sent.
        make_referral(pole, advisor, a, referred_on=date(2026, 5, 15))
    return made


def test_may_figures_read_as_of_the_month_end(db, pole, history):
    result = answer_figures(pole.id, date(2026, 5, 1), date(2026, 5, 31))
    f = result["pole"]
    assert f["sent"] == 5  # r1, r2, r3, r6, r7 — not r4 (30 April) nor r5 (1 June)
    assert f["settled"] == 3  # sent by 1 May: r1, r6, r7
    assert (f["answered_within_30_days"], f["answered_within_30_days_rate"]) == (2, 0.667)  # r1, r7
    assert f["median_days_to_first_answer"] == 11.0  # 3 and 19 days
    assert f["taken_in_charge_within_3_working_days"] == 1  # r1
    assert f["taken_in_charge_within_5_working_days"] == 1
    assert f["taken_in_charge_within_3_working_days_rate"] == 0.333
    assert f["declined"] == 1  # r7; r3 was declined on 2 June, after the month
    assert f["declined_by_reason"] == {
        "out_of_scope": 0,
        "not_eligible": 0,
        "already_supported": 0,
        "unreachable": 0,
        "no_capacity": 0,
        "other": 1,
    }
    assert f["expired"] == 1
    by_partner = {p["partner"]: p for p in result["by_partner"]}
    assert [p["partner"] for p in result["by_partner"]] == ["URSCOP", "ADIE"]  # most sent first
    assert (by_partner["URSCOP"]["sent"], by_partner["URSCOP"]["settled"]) == (4, 2)
    assert by_partner["URSCOP"]["answered_within_30_days_rate"] == 0.5
    assert (by_partner["ADIE"]["sent"], by_partner["ADIE"]["answered_within_30_days"]) == (1, 1)


def test_may_and_june_figures_count_working_days_across_the_holiday(db, pole, history):
    f = answer_figures(pole.id, date(2026, 5, 1), date(2026, 6, 30))["pole"]
    assert f["sent"] == 6  # r1, r2, r3, r5, r6, r7
    assert f["settled"] == 5  # sent by 31 May
    assert f["answered_within_30_days"] == 4  # r1 (3 d), r2 (6 d), r3 (2 d), r7 (19 d)
    assert f["answered_within_30_days_rate"] == 0.8
    assert f["median_days_to_first_answer"] == 4.5
    # r1 (3 working days) and r2 (3 working days thanks to 8 May): both within 3.
    assert f["taken_in_charge_within_3_working_days"] == 2
    assert f["declined"] == 2 and f["declined_by_reason"]["no_capacity"] == 1
    assert f["expired"] == 1


def test_a_closed_month_does_not_move_when_later_answers_come(db, pole, advisor, history):
    before = answer_figures(pole.id, date(2026, 5, 1), date(2026, 5, 31))
    with freeze_time("2026-07-20 10:00:00"):
        services.change_referral_status(history["r2"], "completed", on=date(2026, 7, 20), by=advisor)
        late = make_referral(pole, advisor, referred_on=date(2026, 7, 20))
        services.change_referral_status(late, "sent", on=date(2026, 7, 20), by=advisor, notify=False)
    assert answer_figures(pole.id, date(2026, 5, 1), date(2026, 5, 31)) == before


@freeze_time("2026-07-15 10:00:00")
def test_monthly_report_and_indicators_carry_the_figures(db, pole, history):
    report = monthly_report(pole, "2026-05")
    assert report["referral_answers"]["pole"]["sent"] == 5
    assert report["referral_answers"]["pole"]["answered_within_30_days_rate"] == 0.667
    # The contract's six by_status keys, with the new statuses folded in; the detail added.
    assert set(report["referrals"]["by_status"]) == {
        "proposed", "sent", "accepted", "completed", "declined", "no_follow_up"
    }  # fmt: skip
    assert report["referrals"]["by_status_detail"]["expired"] == 1
    assert report["referrals"]["by_status_detail"]["under_review"] == 0
    assert sum(report["referrals"]["by_status"].values()) == report["referrals"]["total"]
    json.dumps(report)
    rows = {
        (s, k): v
        for s, k, v in csv.reader(io.StringIO(monthly_csv(report).decode("utf-8-sig")), delimiter=";")
    }
    assert rows[("referral_answers", "pole.sent")] == "5"
    assert rows[("referral_answers", "pole.declined_by_reason.other")] == "1"
    assert rows[("referral_answers", "by_partner.ADIE.sent")] == "1"
    book = load_workbook(io.BytesIO(monthly_xlsx(report)))
    assert "Réponses des partenaires" in book.sheetnames
    indicators = funder_indicators(pole, date(2026, 5, 1), date(2026, 6, 30))
    assert indicators["referral_answers"]["pole"]["taken_in_charge_within_3_working_days"] == 2


@freeze_time("2026-07-15 10:00:00")
def test_pages_show_the_figures(client, db, pole, advisor, history, login_as):
    login_as(advisor)
    page = client.get("/reports/monthly?month=2026-05").get_data(as_text=True)
    assert "Réponses des partenaires" in page and "66,7\u00a0%" in page
    for fmt in ("pdf", "xlsx", "csv", "json"):
        response = client.get(f"/reports/monthly?month=2026-05&format={fmt}")
        assert response.status_code == 200, fmt
    response = client.get("/referrals/scorecard?start=2026-05-01&end=2026-05-31")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "URSCOP" in page and "ADIE" in page and "66,7\u00a0%" in page
    urscop = history["r1"].partner_id
    page = client.get(f"/referrals/scorecard/{urscop}?start=2026-05-01&end=2026-06-30").get_data(as_text=True)
    assert "Réponses de URSCOP" in page
    page = client.get(f"/structures/{urscop}").get_data(as_text=True)
    assert "Réponses aux orientations sur 12 mois" in page
    response = client.get("/referrals/scorecard?start=2026-06-01&end=2026-05-01")
    assert response.status_code == 200 and "La date de début doit précéder" in response.get_data(as_text=True)
    assert client.get("/reports/indicators?start=2026-05-01&end=2026-06-30").status_code == 200
