from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import User
from app.core.audit import AuditEvent
from tests.conftest import PASSWORD, login
from tests.factories import UserFactory


def test_login_page_is_french(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="fr"' in html
    assert "Connexion" in html and "Mot de passe" in html


def test_login_success_redirects_home_and_records_last_login(client, advisor, db):
    response = login(client, advisor)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert advisor.pole.name in home.get_data(as_text=True)
    assert db.session.get(User, advisor.id).last_login_at is not None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == advisor.id))
    assert "login.success" in list(actions)


def test_login_failure_shows_generic_french_message(client, advisor):
    response = login(client, advisor, "wrong password here")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_unknown_email_gets_the_same_message(client, db):
    response = login(client, "nobody@example.org", "whatever password")
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, pole):
    user = UserFactory(pole=pole, active=False)
    response = login(client, user)
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_home_requires_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_next_parameter_only_follows_local_paths(client, advisor):
    response = client.post(
        "/login?next=https://evil.example/", data={"email": advisor.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/account/password", data={"email": advisor.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/password"


def test_ip_throttling_answers_429_after_repeated_failures(client, app, pole):
    users = [UserFactory(pole=pole) for _ in range(3)]
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    statuses = []
    for i in range(limit + 1):
        # Spread over accounts so that only the per-IP limit can trigger.
        statuses.append(login(client, users[i % 3], "bad password attempt").status_code)
    assert statuses[:limit] == [200] * limit
    assert statuses[-1] == 429
    assert "Trop de tentatives" in login(client, users[0]).get_data(as_text=True)


def test_account_throttling_holds_across_ips(client, app, advisor, db):
    max_failures = app.config["ACCOUNT_MAX_FAILED_LOGINS"]
    for i in range(max_failures):
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
        assert login(client, advisor, "bad password attempt").status_code == 200
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    # Even the right password is refused while the account is throttled.
    assert login(client, advisor).status_code == 429
    with freeze_time(timedelta(minutes=app.config["ACCOUNT_LOCK_MINUTES"] + 1)):
        assert login(client, advisor).status_code == 302
    assert db.session.get(User, advisor.id).failed_login_count == 0


def test_cookie_replayed_after_logout_is_refused(client, advisor):
    login(client, advisor)
    cookie = client.get_cookie("passerelle_session")
    assert cookie is not None
    stolen = cookie.value
    assert client.post("/logout").status_code == 302
    client.set_cookie("passerelle_session", stolen)
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(app, client, advisor):
    login(client, advisor)
    other = app.test_client()
    login(other, advisor)
    assert other.get("/").status_code == 200
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "une toute nouvelle phrase",
            "confirm": "une toute nouvelle phrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays logged in
    assert other.get("/").status_code == 302  # the other session is over


def test_deactivation_ends_sessions(app, client, admin, pole, login_as):
    target = UserFactory(pole=pole, role="advisor")
    victim = app.test_client()
    login(victim, target)
    assert victim.get("/").status_code == 200
    login_as(admin)
    assert client.post(f"/users/{target.id}/active").status_code == 302
    assert victim.get("/").status_code == 302


def test_idle_timeout_logs_out(client, advisor, app):
    login(client, advisor)
    assert client.get("/").status_code == 200
    with freeze_time(timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)):
        response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
