"""Every staff route answers 404 for another pole's record, and to non-staff roles.

Each refusal is paired with the same route answering an allowed user (own pole's record,
staff role), so a mistyped or removed route cannot pass for a refusal.
"""

import pytest

from tests.factories import UserFactory
from tests.sessions.factories import (
    CollectiveFactory,
    FundingProgrammeFactory,
    PersonFactory,
    SessionFactory,
)

# (method, URL, answer for the pole's own séance): POSTed empty, the edit form answers again
# with its errors (200) and the attendance form records nothing and goes back (302).
SESSION_ROUTES = [
    ("get", "/sessions/{id}", 200),
    ("get", "/sessions/{id}/edit", 200),
    ("post", "/sessions/{id}/edit", 200),
    ("get", "/sessions/{id}/presences", 200),
    ("post", "/sessions/{id}/presences", 302),
    ("get", "/sessions/{id}/emargement", 200),
    ("get", "/sessions/{id}/emargement.pdf", 200),
]


@pytest.mark.parametrize(("method", "url", "own"), SESSION_ROUTES)
def test_other_poles_seance_is_404(client, advisor, login_as, pole, other_pole, method, url, own):
    ours = SessionFactory(pole=pole)
    theirs = SessionFactory(pole=other_pole)
    login_as(advisor)
    assert getattr(client, method)(url.format(id=ours.id)).status_code == own
    assert getattr(client, method)(url.format(id=theirs.id)).status_code == 404


def test_other_poles_collective_regularity_is_404(client, advisor, login_as, pole, other_pole):
    ours = CollectiveFactory(pole=pole)
    theirs = CollectiveFactory(pole=other_pole)
    login_as(advisor)
    assert client.get(f"/sessions/collectives/{ours.id}/regularite").status_code == 200
    assert client.get(f"/sessions/collectives/{theirs.id}/regularite").status_code == 404


def test_other_poles_person_history_is_404(client, advisor, login_as, pole, other_pole):
    ours = PersonFactory(pole=pole)
    theirs = PersonFactory(pole=other_pole)
    login_as(advisor)
    assert client.get(f"/sessions/personnes/{ours.id}/presences").status_code == 200
    assert client.get(f"/sessions/personnes/{theirs.id}/presences").status_code == 404


@pytest.mark.parametrize("action", ["rename", "active"])
def test_other_poles_programme_is_404(client, admin, login_as, pole, other_pole, action):
    ours = FundingProgrammeFactory(pole=pole)
    theirs = FundingProgrammeFactory(pole=other_pole)
    login_as(admin)
    assert client.post(f"/sessions/programmes/{ours.id}/{action}", data={"name": "X"}).status_code == 302
    assert client.post(f"/sessions/programmes/{theirs.id}/{action}", data={"name": "X"}).status_code == 404


def test_other_poles_seance_not_in_agenda(client, advisor, login_as, other_pole):
    SessionFactory(pole=other_pole, title="Séance d'ailleurs")
    login_as(advisor)
    body = client.get("/sessions/agenda?view=month&d=2026-03-01").get_data(as_text=True)
    assert "ailleurs" not in body


@pytest.mark.parametrize("role", ["holder", "partner"])
@pytest.mark.parametrize(
    "url",
    [
        "/sessions/agenda",
        "/sessions/new",
        "/sessions/{id}",
        "/sessions/{id}/presences",
        "/sessions/{id}/emargement.pdf",
        "/sessions/programmes",
    ],
)
def test_non_staff_roles_get_404(client, pole, admin, login_as, role, url):
    session = SessionFactory(pole=pole)
    login_as(admin)
    assert client.get(url.format(id=session.id)).status_code == 200
    client.post("/logout")
    login_as(UserFactory(pole=pole, role=role))
    assert client.get(url.format(id=session.id)).status_code == 404


def test_calendar_page_is_for_staff_and_holders_only(client, pole, advisor, login_as):
    # Holders subscribe to their own séances (tests/portal/test_calendar.py); partners cannot.
    login_as(advisor)
    assert client.get("/sessions/agenda/abonnement").status_code == 200
    client.post("/logout")
    login_as(UserFactory(pole=pole, role="partner"))
    assert client.get("/sessions/agenda/abonnement").status_code == 404


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/sessions/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
