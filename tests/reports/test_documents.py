"""Reports as documents: charts that never cut a label, PDFs whose tables fit the page,
spreadsheets in French with real numbers, the month under way said as such."""

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import date

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from app.reports import charts
from app.reports.charts import hbar_chart
from app.reports.regional import FIGURES
from tests.factories import UserFactory
from tests.reports import factories as f
from tests.reports.factories import paris
from tests.reports.scenario import MONTH, build

LONG_NAME = "Réseau des associations du Pays de Redon et de la Vilaine"


@pytest.fixture
def scenario(pole, admin, advisor):
    return build(pole, admin, advisor)


def _text_runs(pdf: bytes) -> list[tuple[int, str, float, float, float]]:
    """(page, text, x, estimated right end, page width) of every text run of a PDF, in points.

    pypdf joins the cells of one table line into one run: its right end is estimated at
    0.45 em a character, which underestimates (gaps between cells are wider), so a run
    found past the edge really is."""
    runs = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        width = float(page.mediabox.width)

        def visit(text, cm, tm, _font, size, number=number, width=width):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * cm[0]
                end = x + len(text.strip()) * size * scale * 0.45
                runs.append((number, text.strip(), x, end, width))

        page.extract_text(visitor_text=visit)
    return runs


def test_chart_labels_are_wrapped_never_cut():
    svg = str(hbar_chart("c", "Par partenaire", [(LONG_NAME, 2), ("URSCOP", 1)]))
    assert "…" not in svg
    spans = re.findall(r'<tspan x="([\d.]+)" y="[\d.]+">([^<]*)</tspan>', svg)
    assert " ".join(text for _x, text in spans[:-1]) == LONG_NAME  # every word, in order
    for x, text in spans:
        assert float(x) >= len(text) * charts.CHAR_WIDTH, text  # right-aligned at x: starts at or after 0
    short = str(hbar_chart("d", "Par canal", [("Téléphone", 3)]))
    assert 'width="' in short and short.count("<tspan") == 1


def test_monthly_pdf_keeps_long_partner_names_whole(client, login_as, scenario, db):
    partner = f.StructureFactory(pole=scenario.pole, name=LONG_NAME)
    person = f.PersonFactory(pole=scenario.pole)
    f.ReferralFactory(
        pole=scenario.pole, partner_id=partner.id, referred_on=date(2026, 10, 12), person_id=person.id
    )
    login_as(scenario.admin)
    pdf = client.get(f"/reports/monthly?month={MONTH}&format=pdf").data
    runs = _text_runs(pdf)
    assert all(x >= 0 for _page, _text, x, _end, _width in runs), [r for r in runs if r[2] < 0]
    words = " ".join(text for _p, text, _x, _e, _w in runs)
    assert "Réseau des associations du Pays" in words and "…" not in words


def test_headings_are_never_left_alone_at_the_bottom_of_a_pdf_page(client, login_as, scenario):
    person = f.PersonFactory(pole=scenario.pole)
    for n in range(14):  # enough partners for the report to run over several pages
        partner = f.StructureFactory(pole=scenario.pole, name=f"Partenaire de l'orientation {n}")
        f.ReferralFactory(
            pole=scenario.pole, partner_id=partner.id, referred_on=date(2026, 10, 2), person_id=person.id
        )
    login_as(scenario.admin)
    pdf = client.get(f"/reports/monthly?month={MONTH}&format=pdf").data
    headings = {"Sollicitations", "Orientations", "Dossiers d'accompagnement", "Séances", "Satisfaction"}
    headings |= {"Par canal", "Par prescripteur", "Par partenaire", "Par thématique", "Par type de séance"}
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 2
    for page in reader.pages[:-1]:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        assert lines[-1] not in headings, lines[-3:]


def test_every_column_of_the_regional_pdf_is_on_the_page(client, pole, admin, advisor, db):
    pole.name = "Pôle ESS de démonstration — Pays de Redon et de la Vilaine"
    build(pole, admin, advisor)
    regional = UserFactory(pole=None, role="regional", email="coord@cress.example.org")
    login_as_regional = client.post(
        "/login", data={"email": regional.email, "password": "correct horse battery staple"}
    )
    assert login_as_regional.status_code == 302
    pdf = client.get(f"/reports/regional?month={MONTH}&format=pdf").data
    runs = _text_runs(pdf)
    off_page = [(text, round(x), round(end)) for _p, text, x, end, width in runs if x < 0 or end > width]
    assert not off_page
    # Every header and every cell of the table is on the page, whatever the hyphenation.
    text = re.sub(r"[\s\-‐]+", "", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    from app.reports.formats import key_label

    for figure in FIGURES:
        assert re.sub(r"[\s\-]+", "", key_label(figure)) in text, figure
    assert "57,1%" in text and "4,33" in text  # attendance rate and satisfaction mean: the last columns


def test_report_csv_has_one_charset_and_a_french_csv_is_offered(client, login_as, scenario):
    login_as(scenario.admin)
    machine = client.get(f"/reports/monthly?month={MONTH}&format=csv")
    assert machine.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(machine.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["section", "key", "value"] and all(len(r) == 3 for r in rows)

    page = client.get(f"/reports/monthly?month={MONTH}").get_data(as_text=True)
    assert "CSV en clair" in page and "format=csv_fr" in page
    french = client.get(f"/reports/monthly?month={MONTH}&format=csv_fr")
    assert french.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "en-clair.csv" in french.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(french.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Rubrique", "Indicateur", "Valeur"]
    values = {(s, k): v for s, k, v in rows[1:]}
    assert values[("Rapport", "Pôle")] == scenario.pole.name
    assert values[("Séances", "Taux de présence")] == "57,1\u00a0%"
    assert values[("Orientations", "Par partenaire — DLA Ille-et-Vilaine")] == "2"
    assert not any(re.fullmatch(r"[a-z_]+(\.\S+)?", k) for _s, k in values), "no technical key"


def test_regional_french_csv_names_poles_and_figures(client, pole, admin, advisor, db):
    build(pole, admin, advisor)
    regional = UserFactory(pole=None, role="regional", email="coord2@cress.example.org")
    client.post("/login", data={"email": regional.email, "password": "correct horse battery staple"})
    response = client.get(f"/reports/regional?month={MONTH}&format=csv_fr")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    values = {(s, k): v for s, k, v in rows[1:]}
    assert values[("Mois", "Total — Séances")] == "4"
    assert values[("Mois", f"{pole.name} — Taux de présence")] == "57,1\u00a0%"


def test_month_under_way_says_so_and_how_many_seances_are_to_come(client, login_as, pole, admin):
    f.SessionFactory(pole=pole, starts_at=paris(2026, 12, 2), duration_minutes=60)
    f.SessionFactory(pole=pole, starts_at=paris(2026, 12, 18), duration_minutes=120)
    f.SessionFactory(pole=pole, starts_at=paris(2026, 11, 20), duration_minutes=30)
    with freeze_time("2026-12-05 15:00:00"):
        login_as(admin)
        data = client.get("/reports/monthly.json?month=2026-12").get_json()
        # The contract counts séances starting in the month, those to come included.
        assert data["sessions"]["total"] == 2 and data["sessions"]["hours"] == 3.0
        assert data["month_in_progress"] == {"as_of": "2026-12-05T15:00:00+00:00", "sessions_to_come": 1}
        html = client.get("/reports/monthly?month=2026-12").get_data(as_text=True)
        assert "Mois en cours : chiffres provisoires au" in html
        assert "1 séance de ce mois est encore à venir" in html
        assert "Mois suivant" not in html  # no walking into the future
        past = client.get("/reports/monthly?month=2026-11").get_data(as_text=True)
        assert "Mois en cours" not in past and "Mois suivant (décembre 2026)" in past
        assert client.get("/reports/monthly.json?month=2026-11").get_json()["month_in_progress"] is None


def test_regional_month_navigation_stops_at_the_current_month(client, db):
    regional = UserFactory(pole=None, role="regional", email="coord3@cress.example.org")
    with freeze_time("2026-12-05 15:00:00"):
        client.post("/login", data={"email": regional.email, "password": "correct horse battery staple"})
        html = client.get("/reports/regional?month=2026-12").get_data(as_text=True)
        assert "Mois précédent" in html and "Mois suivant" not in html
        assert "Mois suivant" in client.get("/reports/regional?month=2026-11").get_data(as_text=True)


@pytest.mark.skipif(
    not shutil.which("soffice"), reason="LibreOffice (libreoffice-calc-nogui) is not installed"
)
def test_libreoffice_reads_the_monthly_workbook_as_the_json_says(client, login_as, scenario, tmp_path):
    login_as(scenario.admin)
    report = json.loads(client.get(f"/reports/monthly.json?month={MONTH}").data)
    (tmp_path / "rapport.xlsx").write_bytes(client.get(f"/reports/monthly?month={MONTH}&format=xlsx").data)
    # Every sheet to its own CSV (the filter's 12th token, -1), as LibreOffice shows the cells.
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):59,34,76,1,,1036,false,true,true,false,false,-1",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "rapport.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )

    def sheet(name: str) -> dict[str, str]:
        path = next(tmp_path.glob(f"rapport-{name}.csv"))
        return dict(csv.reader(io.StringIO(path.read_text("utf-8")), delimiter=";"))

    seances = sheet("Séances")
    # Shown as a percentage, kept as the number of the JSON (LibreOffice's locale sets the separator).
    assert seances["Taux de présence"].replace(",", ".").replace(" ", "") == "57.1%"
    assert report["sessions"]["attendance_rate"] == 0.571
    assert seances["Heures"].replace(",", ".") == str(report["sessions"]["hours"])
    assert sheet("Sollicitations")["Total"] == str(report["requests"]["total"])
    assert sheet("Satisfaction")["Note moyenne (sur 5)"].replace(",", ".") == str(
        report["satisfaction"]["mean"]
    )
    meta = sheet("Rapport")
    assert meta["Pôle"] == scenario.pole.name
    assert meta["Mois"].lower() in ("octobre 2026", "october 2026")  # a date shown as its month
