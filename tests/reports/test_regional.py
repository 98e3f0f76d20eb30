import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.reports.regional import regional_report
from tests.factories import PoleFactory, UserFactory
from tests.reports import factories as f
from tests.reports.factories import paris
from tests.reports.scenario import MONTH, build


@pytest.fixture
def regional_user(db):
    return UserFactory(pole=None, role="regional", email="coordination@cress.example.org", full_name="CRESS")


@pytest.fixture
def two_poles(pole, admin, advisor, other_pole):
    build(pole, admin, advisor)
    # The other pole: 1 request (masked), 4 séances (not persons: shown), 5 distinct participants.
    f.RequestFactory(pole=other_pole, received_on=date(2026, 10, 3))
    people = [f.PersonFactory(pole=other_pole, last_name=f"Secret{n}", email=f"s{n}@x.org") for n in range(5)]
    for day in (2, 9, 16, 23):
        session = f.SessionFactory(pole=other_pole, starts_at=paris(2026, 10, day))
        for person in people:
            f.AttendanceFactory(pole=other_pole, session_id=session.id, person_id=person.id, status="present")
    return pole, other_pole


def test_regional_figures_per_pole_total_and_small_counts(two_poles):
    pole, other = two_poles
    result = regional_report(MONTH)
    by_slug = {entry["pole"]: entry for entry in result["poles"]}
    mine, theirs = by_slug[pole.slug], by_slug[other.slug]
    # 3 requests, 6 referrals, 3 answers: hidden (« s ») since the other pole's are « < 3 » and
    # with two poles the total would give them away (secondary suppression, issue 19 point 8).
    assert (mine["month"]["requests"], mine["month"]["referrals"], mine["month"]["sessions"]) == ("s", "s", 4)
    assert mine["month"]["hours"] == 5.25 and mine["month"]["attendance_rate"] == 0.571
    assert mine["month"]["distinct_participants"] == "< 3"  # 2 persons
    assert mine["month"]["accompaniments_opened"] == "< 3"
    assert mine["month"]["satisfaction_responses"] == "s" and mine["month"]["satisfaction_mean"] == 4.33
    assert theirs["month"]["requests"] == "< 3"
    assert theirs["month"]["sessions"] == 4 and theirs["month"]["distinct_participants"] == "s"  # 5
    assert theirs["month"]["referrals"] == "< 3"  # 0 is under 3 too
    assert theirs["month"]["satisfaction_mean"] is None
    total = result["total"]["month"]
    # 3 + 1 requests: the total is hidden too (4 minus « s », at least 3, would pin the « < 3 »).
    assert total["requests"] == "s" and total["sessions"] == 8 and total["distinct_participants"] == 7
    assert total["accompaniments_opened"] == "< 3"
    assert result["total"]["year_to_date"]["requests"] == 6  # 5 + 1: « < 3 » stays anywhere in 0-2


def test_regional_page_and_formats_have_no_personal_data(client, login_as, regional_user, two_poles, db):
    login_as(regional_user)
    html = client.get(f"/reports/regional?month={MONTH}").get_data(as_text=True)
    assert "&lt; 3" in html and 'role="img"' in html
    downloads = {
        fmt: client.get(f"/reports/regional?month={MONTH}&format={fmt}")
        for fmt in ("json", "csv", "xlsx", "pdf")
    }
    assert all(r.status_code == 200 for r in downloads.values())
    data = json.loads(downloads["json"].data)
    assert data["total"]["month"]["requests"] == "s" and data["total"]["month"]["sessions"] == 8
    rows = {
        (s, k): v
        for s, k, v in csv.reader(io.StringIO(downloads["csv"].data.decode("utf-8-sig")), delimiter=";")
    }
    assert rows[("month", "total.sessions")] == "8"
    assert rows[("month", f"{two_poles[1].slug}.requests")] == "< 3"
    book = load_workbook(io.BytesIO(downloads["xlsx"].data))
    values = list(book["Mois"].iter_rows(values_only=True))
    assert values[-1][0] == "Total" and 8 in values[-1]
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(downloads["pdf"].data)).pages)
    everything = html + downloads["json"].data.decode() + downloads["csv"].data.decode("utf-8-sig") + pdf_text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.report")).all()
    assert sorted(e.changes["format"] for e in events) == ["csv", "json", "pdf", "xlsx"]
    assert {e.actor_id for e in events} == {regional_user.id} and {e.pole_id for e in events} == {None}
    for secret in ("Secret0", "s0@x.org", "@", "DLA Ille-et-Vilaine", "Utilisatrice", "Prénom"):
        assert secret not in everything, secret


def test_regional_is_only_for_the_regional_role(client, login_as, regional_user, admin, advisor):
    login_as(advisor)
    assert client.get("/reports/regional").status_code == 404
    client.post("/logout")
    login_as(admin)
    assert client.get("/reports/regional?format=json").status_code == 404
    client.post("/logout")
    login_as(regional_user)
    assert client.get("/reports/regional").status_code == 200
    assert client.get("/reports/monthly").status_code == 404
    assert client.get("/reports/indicators").status_code == 404


def test_regional_bad_month(client, login_as, regional_user):
    login_as(regional_user)
    response = client.get("/reports/regional?month=2026-00")
    assert response.status_code == 400 and "Mois invalide" in response.get_data(as_text=True)


def test_poles_in_other_time_zones_use_their_own_month(db):
    reunion = PoleFactory(timezone="Indian/Reunion")
    # 23:30 on 31 October in Réunion (UTC+4) is 19:30 UTC: October there.
    f.SessionFactory(pole=reunion, starts_at=paris(2026, 10, 31, 20, 30))
    entry = next(e for e in regional_report(MONTH)["poles"] if e["pole"] == reunion.slug)
    assert entry["month"]["sessions"] == 1


def test_regional_past_month_does_not_move(two_poles):
    pole, other = two_poles
    before = regional_report(MONTH)
    f.RequestFactory(pole=other, received_on=date(2026, 11, 1))
    f.SessionFactory(pole=pole, starts_at=paris(2026, 11, 1, 0, 0))
    f.AccompanimentFactory(pole=pole, person_id=f.PersonFactory(pole=pole).id, started_on=date(2026, 11, 3))
    assert regional_report(MONTH) == before
