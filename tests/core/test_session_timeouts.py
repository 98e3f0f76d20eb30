"""Absolute session timeout (PERMANENT_SESSION_LIFETIME, from SESSION_MAX_HOURS), with frozen time."""

from datetime import timedelta

from freezegun import freeze_time

from tests.conftest import login

START = "2026-03-02 08:00:00"


def test_absolute_timeout_ends_an_active_session(client, advisor, app):
    absolute = app.config["PERMANENT_SESSION_LIFETIME"]
    step = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 5)  # never idle
    with freeze_time(START) as frozen:
        login(client, advisor)
        elapsed = timedelta(0)
        while elapsed + step < absolute:
            frozen.tick(step)
            elapsed += step
            assert client.get("/").status_code == 200, elapsed
        frozen.tick(absolute - elapsed + timedelta(seconds=1))
        response = client.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        # The session is gone, not just this request: the next one is anonymous too.
        assert client.get("/").status_code == 302
        assert "Votre session a expiré" in client.get("/login").get_data(as_text=True)


def test_absolute_timeout_boundary(client, advisor, app, monkeypatch):
    monkeypatch.setitem(app.config, "IDLE_TIMEOUT_MINUTES", 24 * 60)  # isolate the absolute limit
    absolute = app.config["PERMANENT_SESSION_LIFETIME"]
    with freeze_time(START) as frozen:
        login(client, advisor)
        frozen.tick(absolute)
        assert client.get("/").status_code == 200  # exactly at the limit: still valid
        frozen.tick(timedelta(seconds=1))
        assert client.get("/").status_code == 302


def test_absolute_timeout_follows_the_setting(client, advisor, app, monkeypatch):
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(hours=1))
    with freeze_time(START) as frozen:
        login(client, advisor)
        frozen.tick(timedelta(minutes=25))
        assert client.get("/").status_code == 200
        frozen.tick(timedelta(minutes=25))
        assert client.get("/").status_code == 200
        frozen.tick(timedelta(minutes=11))
        assert client.get("/").status_code == 302


def test_idle_timeout_boundary(client, advisor, app):
    idle = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"])
    with freeze_time(START) as frozen:
        login(client, advisor)
        frozen.tick(idle)
        assert client.get("/").status_code == 200
        frozen.tick(idle + timedelta(seconds=1))
        assert client.get("/").status_code == 302


def test_the_expired_cookie_cannot_be_replayed(client, advisor, app):
    with freeze_time(START) as frozen:
        login(client, advisor)
        cookie = client.get_cookie("passerelle_session").value
        frozen.tick(app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(minutes=1))
        client.set_cookie("passerelle_session", cookie)
        assert client.get("/").status_code == 302
