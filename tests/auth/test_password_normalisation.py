"""A password typed with a composed or a decomposed « é » is the same password (NFKC)."""

import unicodedata

import pytest

from tests.conftest import login
from tests.factories import UserFactory

COMPOSED = "Mémé aime le café"  # é as one code point, U+00E9
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)  # e + U+0301 COMBINING ACUTE ACCENT


def test_the_two_spellings_differ_before_normalisation():
    assert COMPOSED != DECOMPOSED and len(DECOMPOSED) == len(COMPOSED) + 3


@pytest.mark.parametrize(("chosen", "typed"), [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)])
def test_a_password_logs_in_whichever_way_its_accents_are_typed(client, pole, login_as, chosen, typed):
    user = UserFactory(pole=pole, role="advisor")
    login_as(user)
    response = client.post(
        "/account/password",
        data={"current_password": "correct horse battery staple", "password": chosen, "confirm": chosen},
    )
    assert response.status_code == 302
    client.post("/logout")
    assert login(client, user, typed).status_code == 302
