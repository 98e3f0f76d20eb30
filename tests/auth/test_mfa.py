"""Multi-factor authentication: enrolment, the login's second step, recovery codes, throttling.

`TestConfig.MFA_ENFORCED` is False so that other tests can log admins in with `login_as`;
the tests about the obligation switch it on with `monkeypatch.setitem(app.config, ...)`.
"""

import re
from datetime import timedelta

import pyotp
import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.auth import tokens
from app.auth.models import User
from app.core.audit import AuditEvent
from app.core.models import utcnow
from app.extensions import limiter
from tests.conftest import PASSWORD, login
from tests.factories import UserFactory

START = "2026-03-02 09:00:00"
CODE_RE = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


@pytest.fixture
def enforced(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_ENFORCED", True)


def enrol(client, db, user, frozen) -> list[str]:
    """Enrol the logged-in `user` through the pages; return the recovery codes shown."""
    assert client.post("/account/mfa", data={"start-submit": "1"}).status_code == 302
    secret = db.session.get(User, user.id).totp_secret
    response = client.post("/account/mfa", data={"confirm-code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = CODE_RE.findall(response.get_data(as_text=True))
    frozen.tick(timedelta(seconds=30))  # the next code is a new one (replays are refused)
    return codes


def current_code(db, user) -> str:
    return pyotp.TOTP(db.session.get(User, user.id).totp_secret).now()


def actions(db, user) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == user.id).order_by(AuditEvent.id)
        )
    )


def test_enrolment_shows_key_and_qr_then_ten_recovery_codes_once(client, db, advisor, login_as):
    with freeze_time(START) as frozen:
        login_as(advisor)
        page = client.get("/account/mfa").get_data(as_text=True)
        assert "Configurer la double authentification" in page
        assert db.session.get(User, advisor.id).totp_secret is None  # GET changes nothing
        client.post("/account/mfa", data={"start-submit": "1"})
        page = client.get("/account/mfa").get_data(as_text=True)
        assert 'src="data:image/svg+xml' in page
        secret = db.session.get(User, advisor.id).totp_secret
        assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page

        wrong = client.post("/account/mfa", data={"confirm-code": "000000"})
        assert "Code incorrect" in wrong.get_data(as_text=True)
        assert db.session.get(User, advisor.id).mfa_enabled_at is None

        codes = enrol(client, db, advisor, frozen)
        assert len(codes) == 10 and len(set(codes)) == 10
        user = db.session.get(User, advisor.id)
        assert user.mfa_enabled_at is not None
        stored = str(user.mfa_recovery_codes)
        assert not any(code in stored or code.replace("-", "") in stored for code in codes)
        # Shown once: the page now only counts them.
        page = client.get("/account/mfa").get_data(as_text=True)
        assert not CODE_RE.search(page) and "Codes de secours inutilisés : 10" in page
        assert "user.mfa_enabled" in actions(db, advisor)


def test_login_needs_the_code_after_the_password(client, db, advisor, login_as):
    with freeze_time(START) as frozen:
        login_as(advisor)
        enrol(client, db, advisor, frozen)
        client.post("/logout")

        response = login(client, advisor)
        assert response.status_code == 302 and response.headers["Location"] == "/login/mfa"
        assert client.get("/").status_code == 302  # pending MFA: not logged in
        assert client.get("/account/mfa").status_code == 302

        wrong = client.post("/login/mfa", data={"code": "123456"})
        assert wrong.status_code == 200 and "Code incorrect." in wrong.get_data(as_text=True)
        assert client.get("/").status_code == 302

        response = client.post("/login/mfa", data={"code": current_code(db, advisor)})
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert client.get("/").status_code == 200
        log = actions(db, advisor)
        assert log[-3:] == ["login.password_ok", "login.mfa_failure", "login.success"]


def test_next_is_kept_through_the_second_step(client, db, advisor, login_as):
    with freeze_time(START) as frozen:
        login_as(advisor)
        enrol(client, db, advisor, frozen)
        client.post("/logout")
        client.post("/login?next=/account/password", data={"email": advisor.email, "password": PASSWORD})
        response = client.post("/login/mfa", data={"code": current_code(db, advisor)})
        assert response.headers["Location"] == "/account/password"


def test_a_code_cannot_be_replayed(client, db, advisor, login_as, app):
    with freeze_time(START) as frozen:
        login_as(advisor)
        enrol(client, db, advisor, frozen)
        client.post("/logout")
        login(client, advisor)
        code = current_code(db, advisor)
        assert client.post("/login/mfa", data={"code": code}).status_code == 302
        client.post("/logout")
        login(client, advisor)
        assert client.post("/login/mfa", data={"code": code}).status_code == 200  # same step: refused


def test_recovery_code_works_once(client, db, advisor, login_as):
    with freeze_time(START) as frozen:
        login_as(advisor)
        codes = enrol(client, db, advisor, frozen)
        client.post("/logout")

        login(client, advisor)
        response = client.post("/login/mfa", data={"code": codes[3].upper()})
        assert response.status_code == 302
        assert "Il vous en reste 9" in client.get("/").get_data(as_text=True)
        client.post("/logout")

        login(client, advisor)
        again = client.post("/login/mfa", data={"code": codes[3]})
        assert again.status_code == 200 and "Code incorrect." in again.get_data(as_text=True)
        assert client.post("/login/mfa", data={"code": codes[4]}).status_code == 302
        assert len(db.session.get(User, advisor.id).mfa_recovery_codes["hashes"]) == 8


def test_wrong_codes_are_throttled_per_account(client, db, advisor, login_as, app):
    with freeze_time(START) as frozen:
        login_as(advisor)
        enrol(client, db, advisor, frozen)
        client.post("/logout")
        login(client, advisor)
        for i in range(app.config["MFA_MAX_FAILED"]):
            client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
            assert client.post("/login/mfa", data={"code": "000000"}).status_code == 200
        client.environ_base["REMOTE_ADDR"] = "10.0.9.9"
        # Even the right code is refused while the account is throttled.
        assert client.post("/login/mfa", data={"code": current_code(db, advisor)}).status_code == 429
        assert "login.mfa_throttled" in actions(db, advisor)
        frozen.tick(timedelta(minutes=app.config["ACCOUNT_LOCK_MINUTES"] + 1))
        login(client, advisor)  # the pending marker expired meanwhile
        assert client.post("/login/mfa", data={"code": current_code(db, advisor)}).status_code == 302
        assert db.session.get(User, advisor.id).failed_mfa_count == 0


def test_wrong_codes_are_throttled_per_ip(app, db, pole):
    # No frozen time here: the limiter's memory storage expires its counters on a real-time thread.
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    clients = []
    for _ in range(3):  # spread over accounts so that only the per-IP limit can trigger
        user = UserFactory(pole=pole, totp_secret=pyotp.random_base32(), mfa_enabled_at=utcnow())
        c = app.test_client()
        assert login(c, user).headers["Location"] == "/login/mfa"
        clients.append(c)
    limiter.reset()
    statuses = [clients[i % 3].post("/login/mfa", data={"code": "000000"}).status_code for i in range(limit)]
    assert statuses == [200] * limit
    assert clients[0].post("/login/mfa", data={"code": "000000"}).status_code == 429


def test_pending_marker_expires(client, db, advisor, login_as, app):
    with freeze_time(START) as frozen:
        login_as(advisor)
        enrol(client, db, advisor, frozen)
        client.post("/logout")
        login(client, advisor)
        frozen.tick(timedelta(minutes=app.config["MFA_PENDING_MINUTES"], seconds=1))
        response = client.post("/login/mfa", data={"code": current_code(db, advisor)})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert client.get("/").status_code == 302


def test_password_reset_link_does_not_skip_the_code(client, db, advisor, login_as):
    with freeze_time(START) as frozen:
        login_as(advisor)
        enrol(client, db, advisor, frozen)
        client.post("/logout")
        token = tokens.make_token(db.session.get(User, advisor.id), tokens.PASSWORD_RESET)
        new = "une toute nouvelle phrase"
        response = client.post(f"/password/reset/{token}", data={"password": new, "confirm": new})
        assert response.headers["Location"] == "/login/mfa"
        assert client.get("/").status_code == 302


def test_disable_needs_the_password(client, db, advisor, login_as):
    with freeze_time(START) as frozen:
        login_as(advisor)
        enrol(client, db, advisor, frozen)
        client.post("/account/mfa/disable", data={"disable-password": "not my password"})
        assert db.session.get(User, advisor.id).mfa_enabled_at is not None
        client.post("/account/mfa/disable", data={"disable-password": PASSWORD})
        user = db.session.get(User, advisor.id)
        assert user.mfa_enabled_at is None and user.totp_secret is None and user.mfa_recovery_codes is None
        assert "user.mfa_disabled" in actions(db, advisor)
        client.post("/logout")
        assert login(client, advisor).headers["Location"] == "/"


def test_admin_is_forced_to_enrol(client, db, admin, login_as, enforced):
    with freeze_time(START) as frozen:
        login_as(admin)
        for path in ("/", "/users", "/account/password"):
            response = client.get(path)
            assert response.status_code == 302 and response.headers["Location"] == "/account/mfa", path
        page = client.get("/account/mfa").get_data(as_text=True)
        assert "Votre rôle exige la double authentification" in page
        enrol(client, db, admin, frozen)
        assert client.get("/users").status_code == 200


def test_regional_is_forced_to_enrol(client, db, login_as, enforced):
    regional = UserFactory(role="regional", pole=None)
    login_as(regional)
    assert client.get("/").headers["Location"] == "/account/mfa"


def test_advisor_is_free_unless_the_pole_requires_it(client, db, advisor, pole, login_as, enforced):
    login_as(advisor)
    assert client.get("/").status_code == 200
    pole.mfa_required_for_staff = True
    db.session.flush()
    assert client.get("/").headers["Location"] == "/account/mfa"


def test_holder_is_never_forced(client, db, pole, login_as, enforced):
    pole.mfa_required_for_staff = True
    holder = UserFactory(pole=pole, role="holder")
    login_as(holder)
    assert client.get("/").status_code == 200


def test_admin_fixture_logs_in_without_mfa_when_not_enforced(client, admin, login_as):
    login_as(admin)
    assert client.get("/users").status_code == 200


def test_recovery_codes_can_be_renewed_with_the_password(client, db, advisor, login_as):
    with freeze_time(START) as frozen:
        login_as(advisor)
        old = enrol(client, db, advisor, frozen)
        refused = client.post("/account/mfa/recovery-codes", data={"codes-password": "wrong password!"})
        assert refused.status_code == 302
        response = client.post("/account/mfa/recovery-codes", data={"codes-password": PASSWORD})
        new = CODE_RE.findall(response.get_data(as_text=True))
        assert len(new) == 10 and not set(new) & set(old)
        assert "user.mfa_recovery_codes_renewed" in actions(db, advisor)
        client.post("/logout")
        login(client, advisor)
        assert client.post("/login/mfa", data={"code": old[0]}).status_code == 200
        assert client.post("/login/mfa", data={"code": new[0]}).status_code == 302


def test_operator_can_reset_mfa_from_the_cli(client, db, advisor, login_as, runner):
    with freeze_time(START) as frozen:
        login_as(advisor)
        enrol(client, db, advisor, frozen)
        result = runner.invoke(args=["users", "reset-mfa", advisor.email.upper()])
        assert result.exit_code == 0 and "désactivée" in result.output
        assert client.get("/").status_code == 302  # sessions ended
        user = db.session.get(User, advisor.id)
        assert user.mfa_enabled_at is None and user.totp_secret is None
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.mfa_disabled")).one()
        assert event.changes == {"via": "cli"}
        assert runner.invoke(args=["users", "reset-mfa", "nobody@example.org"]).exit_code == 1
