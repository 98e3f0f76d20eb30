import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.reports.scenario import MONTH, assert_contract, build


@pytest.fixture
def scenario(pole, admin, advisor):
    return build(pole, admin, advisor)


def test_monthly_json_to_stdout(runner, scenario):
    result = runner.invoke(args=["report", "monthly", "--pole", scenario.pole.slug, "--month", MONTH])
    assert result.exit_code == 0, result.output
    assert_contract(json.loads(result.stdout), slug=scenario.pole.slug)


def test_monthly_csv_to_stdout_and_filters(runner, scenario):
    args = ["report", "monthly", "--pole", scenario.pole.slug, "--month", MONTH, "--format", "csv"]
    result = runner.invoke(args=[*args, "--programme", "Région Bretagne"])
    assert result.exit_code == 0, result.output
    rows = {(s, k): v for s, k, v in csv.reader(io.StringIO(result.stdout.lstrip("\ufeff")), delimiter=";")}
    assert rows[("referrals", "total")] == "1" and rows[("report", "programme")] == "Région Bretagne"
    result = runner.invoke(
        args=[*args, "--programme", str(scenario.region.id), "--advisor", scenario.advisor.email]
    )
    rows = {(s, k): v for s, k, v in csv.reader(io.StringIO(result.stdout.lstrip("\ufeff")), delimiter=";")}
    assert rows[("sessions", "total")] == "1"


def test_monthly_xlsx_and_pdf_need_an_output_file(runner, scenario, tmp_path):
    base = ["report", "monthly", "--pole", scenario.pole.slug, "--month", MONTH]
    for fmt in ("xlsx", "pdf"):
        result = runner.invoke(args=[*base, "--format", fmt])
        assert result.exit_code == 2
        assert "demande un fichier de sortie" in result.stderr
    target = tmp_path / "rapport.xlsx"
    result = runner.invoke(args=[*base, "--format", "xlsx", "--output", str(target)])
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    values = dict(book["Orientations"].iter_rows(min_row=2, values_only=True))
    assert values["Total"] == 6
    pdf = tmp_path / "rapport.pdf"
    assert runner.invoke(args=[*base, "--format", "pdf", "--output", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--month", "2026-13"], "Mois invalide"),
        (["--month", "oct"], "Mois invalide"),
        (["--month", MONTH, "--programme", "Inconnu"], "programme de financement inconnu"),
        (["--month", MONTH, "--advisor", "personne@example.org"], "aucun compte"),
    ],
)
def test_monthly_bad_parameters_exit_2_in_french(runner, scenario, extra, message):
    result = runner.invoke(args=["report", "monthly", "--pole", scenario.pole.slug, *extra])
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""


def test_unknown_pole_exits_2(runner, db):
    result = runner.invoke(args=["report", "monthly", "--pole", "nulle-part", "--month", MONTH])
    assert result.exit_code == 2 and "pôle inconnu" in result.stderr


def test_indicators_and_regional_commands(runner, scenario, tmp_path):
    result = runner.invoke(
        args=[
            "report",
            "indicators",
            "--pole",
            scenario.pole.slug,
            "--start",
            "2026-10-01",
            "--end",
            "2026-10-31",
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["satisfaction"]["mean"] == 4.33
    result = runner.invoke(args=["report", "indicators", "--pole", scenario.pole.slug, "--start", "demain"])
    assert result.exit_code == 2 and "invalide" in result.stderr
    result = runner.invoke(args=["report", "regional", "--month", MONTH])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"]["month"]["sessions"] == 4
    out = tmp_path / "regional.pdf"
    assert (
        runner.invoke(
            args=["report", "regional", "--month", MONTH, "--format", "pdf", "--output", str(out)]
        ).exit_code
        == 0
    )
    assert runner.invoke(args=["report", "regional", "--month", "2026-1"]).exit_code == 2
