import csv
import io
import json
import re
from datetime import date

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.reports.services import monthly_report
from tests.factories import UserFactory
from tests.reports import factories as f
from tests.reports.scenario import EXPECTED, MONTH, assert_contract, build


@pytest.fixture
def scenario(pole, admin, advisor):
    return build(pole, admin, advisor)


def _csv_values(response) -> dict:
    raw = response.data
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["section", "key", "value"]
    return {(s, k): v for s, k, v in rows[1:]}


def test_page_shows_the_report_with_charts_tables_and_links(client, login_as, scenario):
    login_as(scenario.admin)
    response = client.get(f"/reports/monthly?month={MONTH}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Rapport mensuel — octobre 2026" in html
    assert 'role="img"' in html and "<title id=" in html and "aria-labelledby=" in html
    assert "style=" not in html and "<script>" not in html
    assert "DLA Ille-et-Vilaine" in html and "57,1\u00a0%" in html and "4,33" in html
    assert "month=2026-09" in html and "month=2026-11" in html  # previous / next
    for fmt in ("json", "csv", "xlsx", "pdf"):
        assert f"format={fmt}" in html


def test_default_month_is_the_previous_month(client, login_as, scenario):
    login_as(scenario.admin)
    with freeze_time("2026-11-15 12:00:00"):
        login_as(scenario.admin)
        response = client.get("/reports/monthly")
    assert "octobre 2026" in response.get_data(as_text=True)


def test_json_matches_the_service_and_contract(client, login_as, scenario):
    login_as(scenario.advisor)
    for url in (f"/reports/monthly.json?month={MONTH}", f"/reports/monthly?month={MONTH}&format=json"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        data = json.loads(response.data)
        assert_contract(data, slug=scenario.pole.slug)
        assert data == json.loads(json.dumps(monthly_report(scenario.pole, MONTH)))
        # A few figures counted by hand (tests/reports/scenario.py), beyond EXPECTED's keys.
        assert data["period"] == {
            "first_day": "2026-10-01",
            "last_day": "2026-10-31",
            "timezone": "Europe/Paris",
        }
        assert data["referrals"]["total"] == 6 and data["referrals"]["by_status"]["accepted"] == 1
        assert data["requests"]["by_prescriber"] == [{"prescriber": "Mairie de Redon", "count": 2}]
        assert data["sessions"]["hours"] == 5.25
        # S1: 1 present; S2: 2 present, 1 excused, 1 invited; S3: 1 present, 2 absent.
        assert data["sessions"]["attendances"] == {"invited": 1, "present": 4, "excused": 1, "absent": 2}
        assert data["accompaniments"]["by_stage"] == [
            {"stage": "Accueil", "count": 1},
            {"stage": "Diagnostic partagé", "count": 1},
            {"stage": "Sans étape", "count": 1},
        ]
        assert data["satisfaction"] == {"responses": 3, "mean": 4.33}


def test_csv_xlsx_pdf_show_the_same_numbers(client, login_as, scenario):
    login_as(scenario.admin)
    values = _csv_values(client.get(f"/reports/monthly?month={MONTH}&format=csv"))
    assert values[("report", "pole")] == scenario.pole.slug
    assert values[("requests", "total")] == "3"
    assert values[("referrals", "by_partner.DLA Ille-et-Vilaine")] == "2"
    assert values[("referrals", "by_thematic.Gouvernance partagée")] == "2"
    assert values[("referrals", "by_status.declined")] == "1"
    assert values[("referrals", "status_changes_of_earlier_referrals")] == "4"
    assert values[("sessions", "hours")] == "5,25"
    assert values[("sessions", "attendance_rate")] == "0,571"
    assert values[("satisfaction", "mean")] == "4,33"
    assert values[("year_to_date", "referrals")] == "9"

    response = client.get(f"/reports/monthly?month={MONTH}&format=xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:3] == ["Rapport", "Sollicitations", "Orientations"]
    sheets = {}
    for sheet in book.worksheets[1:]:
        header = [c.value for c in sheet[1]]
        assert header == ["Indicateur", "Valeur"] and sheet["A1"].font.bold  # no technical key column
        sheets[sheet.title] = {label.value: cell for label, cell in sheet.iter_rows(min_row=2)}
    assert sheets["Sollicitations"]["Total"].value == 3
    assert sheets["Orientations"]["Par partenaire — DLA Ille-et-Vilaine"].value == 2
    assert sheets["Séances"]["Heures"].value == 5.25
    rate = sheets["Séances"]["Taux de présence"]
    assert rate.value == 0.571 and rate.number_format == "0.0%"  # shown 57,1 %, kept a number
    assert sheets["Séances"]["Par type de séance — Atelier collectif"].value == 1
    assert sheets["Satisfaction"]["Note moyenne (sur 5)"].value == 4.33
    assert sheets["Depuis le 1er janvier"]["Séances"].value == 5
    labels = [row[0].value for sheet in book.worksheets for row in sheet.iter_rows(min_row=2)]
    assert not [label for label in labels if re.fullmatch(r"[a-z_]+(\.[\w ]+)*", label or "")], labels
    # The « Rapport » sheet: French words, the pole's name, the month as a date.
    meta = {label.value: value for label, value in book["Rapport"].iter_rows(min_row=2)}
    assert meta["Pôle"].value == scenario.pole.name
    assert meta["Mois"].value.date() == date(2026, 10, 1) and meta["Mois"].number_format == "mmmm yyyy"
    assert meta["Premier jour"].value.date() == date(2026, 10, 1)
    assert meta["Programme de financement"].value == "Tous"
    # Every contract number is in the workbook, as a number.
    report = monthly_report(scenario.pole, MONTH)
    for section, expected in EXPECTED.items():
        if section == "month":
            continue
        for key, value in expected.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert _sheet_value(book, report, section, key) == value, (section, key)

    response = client.get(f"/reports/monthly?month={MONTH}&format=pdf")
    assert response.data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    for fragment in (
        "octobre 2026",
        "DLA Ille-et-Vilaine",
        "57,1 %",
        "4,33",
        "5,25",
        "Instance de gouvernance",
    ):
        assert fragment in text, fragment
    page = PdfReader(io.BytesIO(response.data)).pages[0]
    assert round(float(page.mediabox.width)) == 595  # A4


def _sheet_value(book, report, section, key):
    from app.reports.formats import SECTION_LABELS, flatten

    label = next(label for s, k, label, _v in flatten(report, [section]) if k == key)
    return dict(book[str(SECTION_LABELS[section])].iter_rows(min_row=2, values_only=True))[label]


def test_downloads_are_audited(client, login_as, scenario, db):
    login_as(scenario.admin)
    client.get(f"/reports/monthly?month={MONTH}&format=csv")
    client.get(f"/reports/monthly?month={MONTH}")  # viewing is not an export
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.report")).all()
    assert len(events) == 1
    assert events[0].changes["format"] == "csv" and events[0].changes["month"] == MONTH
    assert events[0].actor_id == scenario.admin.id and events[0].pole_id == scenario.pole.id


def test_filters_on_the_page(client, login_as, scenario):
    login_as(scenario.admin)
    data = client.get(f"/reports/monthly.json?month={MONTH}&programme={scenario.region.id}").get_json()
    assert data["referrals"]["total"] == 1 and data["sessions"]["total"] == 1
    data = client.get(f"/reports/monthly.json?month={MONTH}&advisor={scenario.advisor.id}").get_json()
    assert data["referrals"]["total"] == 3 and data["sessions"]["total"] == 2
    html = client.get(f"/reports/monthly?month={MONTH}&programme={scenario.region.id}").get_data(as_text=True)
    assert "Région Bretagne" in html and f"programme={scenario.region.id}" in html


def test_bad_input_gets_a_french_message(client, login_as, scenario, other_pole):
    login_as(scenario.admin)
    response = client.get("/reports/monthly?month=2026-13")
    assert response.status_code == 400
    assert "Mois invalide" in response.get_data(as_text=True)
    foreign = f.ProgrammeFactory(pole=other_pole, name="Programme ailleurs")
    response = client.get(f"/reports/monthly?month={MONTH}&programme={foreign.id}")
    assert response.status_code == 400
    assert "Programme ailleurs" not in response.get_data(as_text=True)
    assert client.get("/reports/monthly.json?month=abc").status_code == 400
    assert client.get(f"/reports/monthly?month={MONTH}&format=exe").status_code == 404


def test_other_pole_sees_only_its_own_figures(client, login_as, scenario, other_pole):
    login_as(UserFactory(pole=other_pole, role="admin"))
    data = client.get(f"/reports/monthly.json?month={MONTH}").get_json()
    assert data["pole"] == other_pole.slug
    assert data["requests"]["total"] == 0 and data["referrals"]["by_partner"] == []


@pytest.mark.parametrize("role", ["holder", "partner", "regional"])
def test_non_staff_get_404_on_pole_reports(client, login_as, pole, role):
    user = UserFactory(pole=None if role == "regional" else pole, role=role)
    login_as(user)
    for url in ("/reports/monthly", "/reports/monthly.json", "/reports/indicators"):
        assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client):
    assert client.get("/reports/monthly").status_code == 302
