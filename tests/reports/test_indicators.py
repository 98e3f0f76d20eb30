import csv
import io
from datetime import date

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.pathways.models import Stage
from app.reports.indicators import default_period, funder_indicators
from app.sessions.models import session_accompaniments
from tests.reports import factories as f
from tests.reports.factories import paris
from tests.reports.scenario import build


@pytest.fixture
def scenario(pole, admin, advisor):
    return build(pole, admin, advisor)


def test_default_period_is_the_last_twelve_complete_months():
    with freeze_time("2026-11-15 12:00:00"):
        assert default_period("Europe/Paris") == (date(2025, 11, 1), date(2026, 10, 31))
    with freeze_time("2026-01-31 23:30:00"):  # already February in Paris
        assert default_period("Europe/Paris") == (date(2025, 2, 1), date(2026, 1, 31))


def test_indicators_of_the_scenario(scenario):
    result = funder_indicators(scenario.pole, "2026-10-01", "2026-10-31")
    assert result["requests"]["total"] == 3
    # Open in October: A1, A2, A3 (ends 20/10), A4 (starts 31/10).
    assert result["accompanied"] == {"dossiers": 4, "persons": 3, "collectives": 1}
    # Default stage: the pole's "Structuration" (default parcours); no dossier reached it.
    assert result["projects"]["stage"]["name"] == "Structuration"
    assert result["projects"]["reached_stage"] == 0
    assert result["satisfaction"] == {
        "responses": 3,
        "mean": 4.33,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1},
    }
    assert result["skills"] == {"has_data": False, "by_thematic": []}
    assert result["governance"] == {"meetings": 1, "participation_rate": 0.333}
    # 7 attendance records at October séances, 4 present (invited counts in the denominator here).
    assert result["invited_actors"] == {"attendances": 8, "present": 4, "participation_rate": 0.5}
    assert result["request_to_first_session"] == {"dossiers": 0, "median_days": None}


def test_stage_regularity_skills_and_median(scenario, pole, db):
    r = scenario.records
    collective = f.CollectiveFactory(pole=pole, name="Habitants du bourg")
    members = [f.PersonFactory(pole=pole) for _ in range(3)]
    f.MembershipFactory(pole=pole, collective_id=collective.id, person_id=members[0].id)
    f.MembershipFactory(pole=pole, collective_id=collective.id, person_id=members[1].id)
    # Joined on the 10th: only the last two séances count for them.
    f.MembershipFactory(
        pole=pole, collective_id=collective.id, person_id=members[2].id, joined_on=date(2026, 10, 10)
    )
    sessions = [
        f.SessionFactory(
            pole=pole, kind="workshop", collective_id=collective.id, starts_at=paris(2026, 10, d)
        )
        for d in (2, 12, 20)
    ]
    # A fourth séance serves the collective's dossier without naming the collective: it counts too.
    dossier = f.AccompanimentFactory(pole=pole, collective_id=collective.id, started_on=date(2026, 9, 1))
    sessions.append(f.SessionFactory(pole=pole, kind="individual", starts_at=paris(2026, 10, 25)))
    db.session.execute(
        session_accompaniments.insert(), [{"session_id": sessions[3].id, "accompaniment_id": dossier.id}]
    )
    presence = {0: (0, 1, 2, 3), 1: (0,), 2: (1,)}
    for member, attended in presence.items():
        for index in attended:
            f.AttendanceFactory(
                pole=pole, session_id=sessions[index].id, person_id=members[member].id, status="present"
            )
    # Skills: one person goes from 1 to 3 on one thematic; another has only one round (ignored).
    gouv = f.thematic(pole, "Gouvernance partagée")
    for person, round_, level in ((r["p1"], "start", 1), (r["p1"], "end", 3), (members[0], "start", 2)):
        f.SkillAssessmentFactory(
            pole=pole,
            accompaniment_id=r["a1"].id,
            person_id=person.id,
            thematic_id=gouv.id,
            round=round_,
            level=level,
            assessed_at=paris(2026, 10, 15),
        )
    # Request on 1 Oct -> dossier whose first séance is 00:30 Paris on 1 Oct: 0 days; another 10 days.
    req1 = f.RequestFactory(pole=pole, received_on=date(2026, 10, 1))
    req2 = f.RequestFactory(pole=pole, received_on=date(2026, 10, 2))
    d1 = f.AccompanimentFactory(pole=pole, person_id=members[0].id, request_id=req1.id)
    d2 = f.AccompanimentFactory(pole=pole, person_id=members[1].id, request_id=req2.id)
    db.session.execute(
        session_accompaniments.insert(),
        [
            {"session_id": r["s1"].id, "accompaniment_id": d1.id},
            {"session_id": sessions[1].id, "accompaniment_id": d2.id},
            {"session_id": sessions[2].id, "accompaniment_id": d2.id},
        ],
    )
    stage = db.session.scalar(
        select(Stage).where(Stage.template_id == r["a1"].template_id, Stage.name == "Diagnostic partagé")
    )
    result = funder_indicators(pole, "2026-10-01", "2026-10-31", stage_id=stage.id)
    assert result["projects"]["stage"]["name"] == "Diagnostic partagé"
    assert result["projects"]["reached_stage"] == 1
    regularity = result["regularity"]
    habitants = next(c for c in regularity["collectives"] if c["collective"] == "Habitants du bourg")
    # Shares: 4/4, 1/4, 1/3 -> mean 0.528 (0.52777…); buckets 75-100, 25-50, 25-50.
    assert habitants["members"] == 3
    assert habitants["mean_regularity"] == 0.528
    assert habitants["distribution"] == {"0-25": 0, "25-50": 2, "50-75": 0, "75-100": 1}
    assert result["skills"]["has_data"] is True
    assert result["skills"]["by_thematic"] == [
        {"thematic": "Gouvernance partagée", "persons": 1, "first_mean": 1.0, "last_mean": 3.0, "improved": 1}
    ]
    assert result["request_to_first_session"] == {"dossiers": 2, "median_days": 5.0}


def test_indicator_page_and_downloads(client, login_as, scenario):
    login_as(scenario.admin)
    response = client.get("/reports/indicators?start=2026-10-01&end=2026-10-31")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Pas encore de données" in html and "4,33" in html and 'role="img"' in html
    data = client.get("/reports/indicators?start=2026-10-01&end=2026-10-31&format=json").get_json()
    assert data["satisfaction"]["mean"] == 4.33
    raw = client.get("/reports/indicators?start=2026-10-01&end=2026-10-31&format=csv").data
    rows = {(s, k): v for s, k, v in csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";")}
    assert rows[("satisfaction", "mean")] == "4,33"
    assert rows[("skills", "status")] == "Pas encore de données"
    book = load_workbook(
        io.BytesIO(client.get("/reports/indicators?format=xlsx&start=2026-10-01&end=2026-10-31").data)
    )
    values = dict(book["Satisfaction"].iter_rows(min_row=2, values_only=True))
    assert values["Note moyenne (sur 5)"] == 4.33 and values["Répartition — Note 4"] == 2
    pdf = client.get("/reports/indicators?format=pdf&start=2026-10-01&end=2026-10-31").data
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "4,33" in text and "Pas encore de données" in text


def test_indicator_bad_period(client, login_as, scenario):
    login_as(scenario.admin)
    response = client.get("/reports/indicators?start=2026-10-31&end=2026-10-01")
    assert response.status_code == 400
    assert "La date de fin doit suivre la date de début." in response.get_data(as_text=True)
    response = client.get("/reports/indicators?start=hier")
    assert response.status_code == 400 and "invalide" in response.get_data(as_text=True)
