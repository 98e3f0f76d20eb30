"""CSV/XLSX exports never let a spreadsheet run a cell as a formula (CSV injection)."""

import csv
import io
import zipfile

import openpyxl

from tests.privacy.factories import PersonFactory

FORMULA = '=HYPERLINK("http://x","y")'


def test_people_csv_export_neutralises_a_formula_in_a_name(client, login_as, advisor, pole):
    PersonFactory(pole=pole, last_name=FORMULA, first_name="+33 6", email=None)
    login_as(advisor)
    response = client.get("/people/export/csv")
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    row = next(r for r in rows if "HYPERLINK" in r[0])
    assert row[0] == "'" + FORMULA
    assert row[1] == "'+33 6"


def test_people_xlsx_export_stores_a_formula_like_name_as_text(client, login_as, advisor, pole):
    PersonFactory(pole=pole, last_name=FORMULA, first_name="@SUM(A1)", email=None)
    login_as(advisor)
    response = client.get("/people/export/xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row[:2] if c.value]
    name = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert name.data_type == "s" and name.value == FORMULA  # a string, not a formula ("f")
    assert all(c.data_type == "s" for c in cells)
    # No formula element anywhere in the sheet's XML.

    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and all(b"<f>" not in archive.read(n) and b"<f " not in archive.read(n) for n in sheets)
