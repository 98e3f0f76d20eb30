import pytest

from app.requests.services import split_contact_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Marie Dupont", ("Marie", "Dupont", "", "")),
        ("Jean-Pierre Le Goff", ("Jean-Pierre", "Le Goff", "", "")),
        ("Dupont", ("", "Dupont", "", "")),
        ("  ", ("", "", "", "")),
        (
            "Léa Martin 06 12 34 56 78 lea.martin@exemple.fr",
            ("Léa", "Martin", "lea.martin@exemple.fr", "06 12 34 56 78"),
        ),
        ("Marie Dupont (Mairie)", ("Marie", "Dupont Mairie", "", "")),
    ],
)
def test_split_contact_text(text, expected):
    result = split_contact_text(text)
    assert (result["first_name"], result["last_name"], result["email"], result["phone"]) == expected
