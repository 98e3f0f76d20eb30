from datetime import date

from flask_babel import format_date
from openpyxl import load_workbook

from app.auth.services import create_user
from app.poles.services import create_pole
from app.reports.periods import shift_month
from tests.reports import factories as f

PASSWORD = "une phrase de passe solide"


def _label(app, year, month):
    with app.test_request_context():
        return format_date(date(year, month, 1), "MMMM y")


def test_admin_opens_last_month_switches_month_and_downloads_xlsx(app, page, seed, tmp_path):
    today = date.today()
    last_year, last_month = shift_month(today.year, today.month, -1)
    before_year, before_month = shift_month(today.year, today.month, -2)

    def data():
        pole = create_pole("cades", "CADES Pays de Redon")
        create_user("camille@example.org", "admin", pole, full_name="Camille", password=PASSWORD)
        for day in (3, 4):
            f.RequestFactory(pole=pole, received_on=date(last_year, last_month, day), channel="phone")
        f.RequestFactory(pole=pole, received_on=date(before_year, before_month, 5), channel="email")

    seed(data)
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("camille@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="Rapports").click()
    heading = page.locator("h1")
    assert heading.inner_text() == f"Rapport mensuel — {_label(app, last_year, last_month)}"
    assert page.get_by_role("img", name="Par canal").count() == 1

    page.get_by_role("link", name="Mois précédent").click()
    assert heading.inner_text() == f"Rapport mensuel — {_label(app, before_year, before_month)}"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tableur (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename == f"rapport-mensuel-cades-{before_year:04d}-{before_month:02d}.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    book = load_workbook(target)
    values = dict(book["Sollicitations"].iter_rows(min_row=2, values_only=True))
    assert values["Total"] == 1 and values["Par canal — Courriel"] == 1
