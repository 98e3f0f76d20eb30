import re

import pytest
from freezegun import freeze_time

from app.auth.passwords import password_problem
from tests.conftest import login
from tests.factories import UserFactory


def _link(message) -> str:
    return re.search(r"http://\S+", message.get_content()).group(0).replace("http://localhost", "")


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short", False),
        ("elevenchars", False),
        ("twelve chars", True),
        ("été à l'ÉCOLE 🌳", True),
        ("azertyuiop123", False),  # bundled list of common passwords
        ("x" * 128, True),
        ("x" * 300, False),
    ],
)
def test_password_policy(app, password, ok):
    with app.test_request_context():
        assert (password_problem(password) is None) is ok


def test_admin_invites_user_who_sets_password_within_72_hours(client, admin, login_as, outbox):
    login_as(admin)
    response = client.post(
        "/users", data={"email": "New.Advisor@Example.org", "role": "advisor", "full_name": "Nina"}
    )
    assert response.status_code == 302
    assert len(outbox) == 1 and outbox[0]["To"] == "new.advisor@example.org"
    link = _link(outbox[0])
    client.post("/logout")
    page = client.get(link)
    assert page.status_code == 200
    assert "choisissez votre mot de passe" in page.get_data(as_text=True)
    weak = client.post(link, data={"password": "motdepasse", "confirm": "motdepasse"})
    assert "au moins 12 caractères" in weak.get_data(as_text=True)
    good = "un mot de passe assez long"
    response = client.post(link, data={"password": good, "confirm": good})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    # Single use: the link no longer works once the password is set.
    client.post("/logout")
    assert client.get(link).status_code == 404
    assert login(client, "new.advisor@example.org", good).status_code == 302


def test_invitation_expires_after_72_hours(client, admin, login_as, outbox):
    with freeze_time("2026-03-01 10:00:00") as frozen:
        login_as(admin)
        client.post("/users", data={"email": "late@example.org", "role": "advisor"})
        link = _link(outbox[-1])
        client.post("/logout")
        frozen.move_to("2026-03-04 09:59:00")
        assert client.get(link).status_code == 200
        frozen.move_to("2026-03-04 10:01:00")
        response = client.get(link)
    assert response.status_code == 404
    assert "72 heures" in response.get_data(as_text=True)


def test_password_reset_by_email(client, advisor, outbox):
    response = client.post("/password/forgot", data={"email": advisor.email})
    assert response.status_code == 302
    link = _link(outbox[-1])
    new = "nouvelle phrase de passe"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    client.post("/logout")
    assert login(client, advisor, new).status_code == 302
    # Unknown addresses get the same answer and no mail.
    count = len(outbox)
    client.post("/logout")
    response = client.post("/password/forgot", data={"email": "ghost@example.org"})
    assert response.status_code == 302 and len(outbox) == count


def test_only_admins_manage_users_and_only_their_pole(client, advisor, admin, other_pole, login_as):
    stranger = UserFactory(pole=other_pole)
    login_as(advisor)
    assert client.get("/users").status_code == 404
    client.post("/logout")
    login_as(admin)
    page = client.get("/users").get_data(as_text=True)
    assert advisor.email in page and stranger.email not in page
    # A record of pole B requested by a user of pole A answers 404.
    assert client.post(f"/users/{stranger.id}/active").status_code == 404
    assert client.post(f"/users/{stranger.id}/reinvite").status_code == 404


def test_cli_creates_pole_and_users(runner, db):
    result = runner.invoke(args=["poles", "create", "cades", "CADES Pays de Redon"])
    assert result.exit_code == 0, result.output
    assert "cades" in result.output
    result = runner.invoke(args=["poles", "create", "cades", "Doublon"])
    assert result.exit_code != 0 and "existe déjà" in result.output
    result = runner.invoke(
        args=["users", "create", "A@B.fr", "--role", "admin", "--pole", "cades", "--password-stdin"],
        input="une phrase de passe solide\n",
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "c@d.fr", "--role", "advisor", "--pole", "cades"])
    assert result.exit_code == 0 and "/invitation/" in result.output
    result = runner.invoke(args=["users", "create", "e@f.fr", "--role", "advisor", "--pole", "nowhere"])
    assert result.exit_code != 0 and "Pôle inconnu" in result.output
    result = runner.invoke(
        args=["users", "create", "g@h.fr", "--role", "admin", "--pole", "cades", "--password-stdin"],
        input="court\n",
    )
    assert result.exit_code != 0 and "12 caractères" in result.output


def test_login_with_cli_created_account(client, runner):
    runner.invoke(args=["poles", "create", "cades", "CADES"])
    runner.invoke(
        args=["users", "create", "a@b.fr", "--role", "admin", "--pole", "cades", "--password-stdin"],
        input="une phrase de passe solide\n",
    )
    assert login(client, "A@B.fr", "une phrase de passe solide").status_code == 302


def test_demo_seed_prints_working_logins(client, runner):
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.passerelle.test" in result.output
    password = re.search(r"mot de passe : (\S+)\)", result.output).group(1)
    for email in ("admin@demo.passerelle.test", "advisor1@demo.passerelle.test"):
        assert login(client, email, password).status_code == 302
        client.post("/logout")
    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0 and "existe déjà" in again.output
