"""CSV downloads say their charset once: `text/csv; charset=utf-8`, not `…; charset=utf-8; charset=utf-8`."""

import pytest

CSV_URLS = [
    "/people/export/csv",
    "/structures/export/csv",
    "/structures/annuaire/export/csv",
    "/reports/monthly?month=2026-10&format=csv",
    "/reports/indicators?start=2026-10-01&end=2026-10-31&format=csv",
]


@pytest.mark.parametrize("url", CSV_URLS)
def test_csv_has_a_single_charset(client, admin, login_as, url):
    login_as(admin)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())  # the BOM French Excel needs
