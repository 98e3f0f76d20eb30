"""Login answers the same, after the same work, whatever the e-mail (issue 19, point 5)."""

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db, limiter
from tests.conftest import login
from tests.factories import UserFactory

UNKNOWN = "personne@inconnue.example"


@pytest.fixture
def argon2_calls(monkeypatch):
    """Counts argon2 computations (hash and verify) made by the app."""
    calls = {"hash": 0, "verify": 0}
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def counting_hash(self, *args, **kwargs):
        calls["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def counting_verify(self, *args, **kwargs):
        calls["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counting_hash)
    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)

    def take() -> dict:
        taken = dict(calls)
        calls.update(hash=0, verify=0)
        return taken

    return take


def _answer(response, email: str) -> tuple[int, str]:
    body = response.get_data(as_text=True).replace(email, "EMAIL")
    return response.status_code, re.sub(r"\s+", " ", body)


def _attempt(client, email, argon2_calls, password="mauvais mot de passe"):
    limiter.reset()  # the per-address limit is not what is compared here
    argon2_calls()
    response = login(client, email, password)
    return _answer(response, email), argon2_calls()


def test_unknown_and_known_emails_get_the_same_answer_after_the_same_work(client, pole, argon2_calls):
    known = UserFactory(pole=pole, role="advisor")
    inactive = UserFactory(pole=pole, role="advisor", active=False)
    invited = UserFactory(pole=pole, role="advisor", password_hash=None)
    reference_answer, reference_work = _attempt(client, UNKNOWN, argon2_calls)
    assert reference_answer[0] == 200
    assert "Adresse e-mail ou mot de passe incorrect." in reference_answer[1]
    assert reference_work == {"hash": 0, "verify": 1}  # one check, against the start-up dummy hash
    for user in (known, inactive, invited):
        answer, work = _attempt(client, user.email, argon2_calls)
        assert answer == reference_answer, user
        assert work == reference_work, user


def test_the_sixth_failure_answers_the_same_for_known_and_unknown_emails(app, client, pole, argon2_calls):
    known = UserFactory(pole=pole, role="advisor").email
    max_failures = app.config["ACCOUNT_MAX_FAILED_LOGINS"]
    answers = {}
    for email in (known, UNKNOWN):
        for _ in range(max_failures):
            (status, _body), _work = _attempt(client, email, argon2_calls)
            assert status == 200
        answers[email] = _attempt(client, email, argon2_calls)
    (known_answer, known_work), (unknown_answer, unknown_work) = answers[known], answers[UNKNOWN]
    assert known_answer[0] == 429
    assert known_answer == unknown_answer
    assert known_work == unknown_work == {"hash": 0, "verify": 0}


def test_failures_are_kept_per_submitted_address_without_the_address(app, client, pole):
    from app.auth.models import LoginFailure

    known = UserFactory(pole=pole, role="advisor").email
    for email in (known, UNKNOWN, UNKNOWN.upper()):
        login(client, email, "mauvais mot de passe")
    rows = db.session.scalars(select(LoginFailure)).all()
    assert sorted(r.failure_count for r in rows) == [1, 2]  # the address is normalised
    for row in rows:
        assert "@" not in row.key and "inconnue" not in row.key and len(row.key) == 64


def test_a_locked_account_owner_is_mailed_and_logs_in_through_the_reset_link(app, client, pole, outbox):
    user = UserFactory(pole=pole, role="advisor")
    email = user.email
    for _ in range(app.config["ACCOUNT_MAX_FAILED_LOGINS"] + 2):
        limiter.reset()
        login(client, email, "mauvais mot de passe")
    limiter.reset()
    assert login(client, email).status_code == 429  # locked, even with the right password
    assert [m["To"] for m in outbox] == [email]  # told once, not at every further attempt
    message = outbox[0].get_content()
    assert "bloquée" in message
    link = re.search(r"http://localhost(/password/reset/\S+)", message).group(1)
    new_password = "une nouvelle phrase de passe"
    response = client.post(link, data={"password": new_password, "confirm": new_password})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # logged in despite the lock
    client.post("/logout")
    assert login(client, email, new_password).status_code == 302  # and the lock is lifted
    assert db.session.scalar(select(User.password_changed_at).where(User.email == email)) is not None
