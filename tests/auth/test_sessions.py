from tests.conftest import login


def test_user_sees_and_ends_another_session(app, client, advisor):
    login(client, advisor)
    laptop = app.test_client()
    laptop.environ_base["HTTP_USER_AGENT"] = "Firefox portable"
    login(laptop, advisor)
    assert laptop.get("/").status_code == 200
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Firefox portable" in page and "cette session" in page
    assert client.post("/account/sessions/end").status_code == 302  # every other session
    assert laptop.get("/").status_code == 302  # the laptop is logged out
    assert client.get("/").status_code == 200  # this browser is not
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Firefox portable" not in page


def test_ending_one_session_by_id_leaves_the_others(app, client, advisor, db):
    from sqlalchemy import select

    from app.auth.models import UserSession

    login(client, advisor)
    phone, tablet = app.test_client(), app.test_client()
    login(phone, advisor)
    login(tablet, advisor)
    sids = db.session.scalars(
        select(UserSession.id).where(UserSession.user_id == advisor.id).order_by(UserSession.created_at)
    ).all()
    assert len(sids) == 3
    client.post("/account/sessions/end", data={"sid": sids[1]})
    assert phone.get("/").status_code == 302
    assert tablet.get("/").status_code == 200


def test_a_cookie_without_registered_session_is_refused(app, client, advisor):
    login(client, advisor)
    with client.session_transaction() as s:
        s["sid"] = "forged"
    assert client.get("/").status_code == 302


def test_another_users_session_cannot_be_ended(app, client, advisor, pole):
    from tests.factories import UserFactory

    other = UserFactory(pole=pole)
    victim = app.test_client()
    login(victim, other)
    login(client, advisor)
    from sqlalchemy import select

    from app.auth.models import UserSession
    from app.extensions import db

    sid = db.session.scalar(select(UserSession.id).where(UserSession.user_id == other.id))
    client.post("/account/sessions/end", data={"sid": sid})
    assert victim.get("/").status_code == 200
