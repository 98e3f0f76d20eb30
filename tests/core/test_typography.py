"""Issue 17: French typography — no-break spaces inside « » and before « : ; ! ? »."""

import html
import re

import pytest

from app.core.typography import french_spacing

PAGES = ["/", "/people/", "/requests/", "/sessions/", "/referrals/", "/reports/monthly?month=2026-10"]
ELEMENTS = re.compile(r"<(h1|h2|h3|label|legend|th|dt|p)\b[^>]*>(.*?)</\1>", re.S)
TAG = re.compile(r"<[^>]+>")


def test_french_spacing_rule():
    assert french_spacing("« Projet » : oui ; non ! vraiment ?") == (
        "«\u00a0Projet\u00a0»\u00a0: oui\u202f; non\u202f! vraiment\u202f?"
    )
    assert french_spacing("https://exemple.fr/a?b=1") == "https://exemple.fr/a?b=1"
    assert french_spacing("09:30") == "09:30"


@pytest.mark.parametrize("url", PAGES)
def test_headings_and_labels_keep_punctuation_with_its_word(client, login_as, admin, url):
    login_as(admin)
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200
    for _tag, inner in ELEMENTS.findall(response.get_data(as_text=True)):
        text = html.unescape(TAG.sub("", inner))
        assert "« " not in text and " »" not in text, text
        assert not re.search(r" [:;!?](\s|$)", text), text
