"""Every staff route answers 404 for another pole's record, and to non-staff roles."""

import pytest

from tests.factories import UserFactory
from tests.sessions.factories import (
    CollectiveFactory,
    FundingProgrammeFactory,
    PersonFactory,
    SessionFactory,
)

SESSION_ROUTES = [
    ("get", "/sessions/{id}"),
    ("get", "/sessions/{id}/edit"),
    ("post", "/sessions/{id}/edit"),
    ("get", "/sessions/{id}/presences"),
    ("post", "/sessions/{id}/presences"),
    ("get", "/sessions/{id}/emargement"),
    ("get", "/sessions/{id}/emargement.pdf"),
]


@pytest.mark.parametrize(("method", "url"), SESSION_ROUTES)
def test_other_poles_seance_is_404(client, advisor, login_as, other_pole, method, url):
    theirs = SessionFactory(pole=other_pole)
    login_as(advisor)
    assert getattr(client, method)(url.format(id=theirs.id)).status_code == 404


def test_other_poles_collective_regularity_is_404(client, advisor, login_as, other_pole):
    theirs = CollectiveFactory(pole=other_pole)
    login_as(advisor)
    assert client.get(f"/sessions/collectives/{theirs.id}/regularite").status_code == 404


def test_other_poles_person_history_is_404(client, advisor, login_as, other_pole):
    theirs = PersonFactory(pole=other_pole)
    login_as(advisor)
    assert client.get(f"/sessions/personnes/{theirs.id}/presences").status_code == 404


@pytest.mark.parametrize("action", ["rename", "active"])
def test_other_poles_programme_is_404(client, admin, login_as, other_pole, action):
    theirs = FundingProgrammeFactory(pole=other_pole)
    login_as(admin)
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
def test_non_staff_roles_get_404(client, pole, role, url):
    session = SessionFactory(pole=pole)
    user = UserFactory(pole=pole, role=role)
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    assert client.get(url.format(id=session.id)).status_code == 404


def test_calendar_page_is_for_staff_and_holders_only(client, pole):
    # Holders subscribe to their own séances (tests/portal/test_calendar.py); partners cannot.
    user = UserFactory(pole=pole, role="partner")
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    assert client.get("/sessions/agenda/abonnement").status_code == 404


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/sessions/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
