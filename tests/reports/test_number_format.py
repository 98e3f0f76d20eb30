"""Issue 17: figures in the reports use Babel's French digits (« 143 000 », « 70,8 % »)."""

from app.reports.formats import display


def test_display_uses_babel_french_grouping_and_percent(app):
    with app.test_request_context("/"):
        assert display(143000) == "143\u202f000"  # narrow no-break space, as Babel gives it
        assert display(0.708, rate=True) == "70,8\u00a0%"
        assert display(4.5) == "4,5"
        assert display(None) == "—"
        assert display("Atelier") == "Atelier"
