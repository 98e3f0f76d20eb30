"""Issue 19 point 8: a pole's « < 3 » cannot be recomputed from the published total.

Secondary suppression (app/reports/regional.py): when a cell is hidden as « < 3 », a second
cell (the next smallest, shown « s ») or the total is hidden too, so that the total minus the
published cells leaves the hidden count anywhere in 0-2.
"""

import csv
import io
import itertools
import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.reports.regional import regional_report, secondary_suppression
from tests.factories import PoleFactory, UserFactory
from tests.reports import factories as f

MONTH = "2026-10"
REQUESTS_COLUMN = 1  # « Pôle », then the figures in app.reports.regional.FIGURES order


def _possible_values(view_cells, total, index) -> set[int]:
    """What a reader can place in hidden cell `index`: every completion of the published table
    with each « < 3 » in 0-2 and each « s » in 3 to the smallest published cell, adding up to
    the total (the bounds statistical offices audit a suppressed table against)."""
    published = [c for c in view_cells if isinstance(c, int)]
    ceiling = min(published) if published else total
    ranges = [range(3) if c == "< 3" else range(3, ceiling + 1) if c == "s" else (c,) for c in view_cells]
    return {combo[index] for combo in itertools.product(*ranges) if sum(combo) == total}


def _view(counts):
    secondary, hide_total = secondary_suppression(counts)
    cells = ["< 3" if c < 3 else "s" if i in secondary else c for i, c in enumerate(counts)]
    total = sum(counts)
    return cells, ("< 3" if total < 3 else "s" if hide_total else total)


@pytest.mark.parametrize("poles", [1, 2, 3, 4])
def test_no_hidden_count_can_be_narrowed_by_subtraction(poles):
    """Every table of 1-4 poles with counts 0-7: each « < 3 » stays anywhere in 0, 1 or 2."""
    for counts in itertools.product(range(8), repeat=poles):
        cells, total = _view(list(counts))
        if not isinstance(total, int):
            continue  # the total is hidden: there is nothing to subtract from
        for i, cell in enumerate(cells):
            if cell == "< 3":
                assert _possible_values(cells, total, i) == {0, 1, 2}, (counts, cells, total)


def test_suppression_examples():
    assert secondary_suppression([10, 5, 1]) == ({1}, False)  # the next smallest is hidden
    assert secondary_suppression([10, 5, 4]) == (set(), False)  # nothing under 3
    assert secondary_suppression([3, 1]) == ({0}, True)  # 4 - « s » would pin the « < 3 »: no total
    assert secondary_suppression([2]) == (set(), False)  # the total is « < 3 » itself
    assert secondary_suppression([7]) == (set(), False)
    assert secondary_suppression([0, 0, 9, 12]) == ({2}, False)  # two zeros alone would add up to 0


class _Rows(HTMLParser):
    """The rows of the page's first figure table (the month), cell texts."""

    def __init__(self):
        super().__init__()
        self.tables = 0
        self.inside = False
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "report-table") in attrs:
            self.tables += 1
            self.inside = self.tables == 1
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None


@pytest.fixture
def three_poles(db):
    """October: 10 requests in Alpha, 5 in Bêta, 1 in Gamma (the only one under 3)."""
    poles = [PoleFactory(name=name) for name in ("Pôle Alpha", "Pôle Bêta", "Pôle Gamma")]
    for pole, count in zip(poles, (10, 5, 1), strict=True):
        for day in range(1, count + 1):
            f.RequestFactory(pole=pole, received_on=date(2026, 10, day))
    return poles


def _requests_by_pole(rows) -> dict[str, str]:
    """Pole name (or « Total ») -> the requests cell, as shown."""
    return {
        str(row[0]): str(row[REQUESTS_COLUMN])
        for row in rows
        if row and str(row[0]).startswith(("Pôle ", "Total"))
    }


def test_one_hidden_pole_cannot_be_recomputed_on_the_page_or_in_any_export(client, login_as, three_poles):
    alpha, beta, gamma = three_poles
    login_as(UserFactory(pole=None, role="regional"))
    expected = {"Pôle Alpha": "10", "Pôle Bêta": "s", "Pôle Gamma": "< 3", "Total": "16"}

    result = regional_report(MONTH)
    month = {e["pole"]: e["month"]["requests"] for e in result["poles"]}
    assert (month[alpha.slug], month[beta.slug], month[gamma.slug]) == (10, "s", "< 3")
    assert result["total"]["month"]["requests"] == 16 and result["secondary_mask"] == "s"
    # A reader subtracting: 16 - 10 = 6 is Bêta and Gamma together; Gamma may be 0, 1 or 2.
    assert _possible_values([10, "s", "< 3"], 16, 2) == {0, 1, 2}

    page = client.get(f"/reports/regional?month={MONTH}")
    parser = _Rows()
    parser.feed(page.get_data(as_text=True))
    assert _requests_by_pole(parser.rows) == expected
    assert "« s »" in page.get_data(as_text=True)  # the legend says what « s » means

    data = json.loads(client.get(f"/reports/regional?month={MONTH}&format=json").data)
    assert {e["name"]: str(e["month"]["requests"]) for e in data["poles"]} | {
        "Total": str(data["total"]["month"]["requests"])
    } == expected

    raw_csv = client.get(f"/reports/regional?month={MONTH}&format=csv").data.decode("utf-8-sig")
    rows = {(s, k): v for s, k, v in csv.reader(io.StringIO(raw_csv), delimiter=";")}
    assert (
        rows[("month", f"{alpha.slug}.requests")],
        rows[("month", f"{beta.slug}.requests")],
        rows[("month", f"{gamma.slug}.requests")],
        rows[("month", "total.requests")],
    ) == ("10", "s", "< 3", "16")

    book = load_workbook(io.BytesIO(client.get(f"/reports/regional?month={MONTH}&format=xlsx").data))
    assert _requests_by_pole(book["Mois"].iter_rows(values_only=True)) == expected

    pdf = client.get(f"/reports/regional?month={MONTH}&format=pdf").data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    # The month's table comes first; names may wrap (« Pôle » above « Alpha »).
    shown = {name: re.search(rf"{re.escape(name)} (< 3|\S+)", text).group(1) for name in expected}
    assert shown == expected, text[:600]
