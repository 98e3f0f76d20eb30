"""Issue 17: htmx (≈ 50 KB) was loaded on every page though no template used it."""

from pathlib import Path


def test_pages_load_no_htmx(client):
    for url in ("/login", "/"):
        body = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "htmx" not in body
        assert "<script" not in body


def test_no_template_relies_on_htmx_attributes():
    templates = Path(__file__).resolve().parents[2] / "app" / "templates"
    for template in templates.rglob("*.html"):
        assert "hx-" not in template.read_text(encoding="utf-8"), template
