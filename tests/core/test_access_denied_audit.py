from sqlalchemy import select

from app.core.audit import AuditEvent


def denials(db):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()


def test_role_refusal_is_journaled(client, db, advisor, login_as):
    login_as(advisor)
    assert client.get("/users").status_code == 404
    (event,) = denials(db)
    assert event.actor_id == advisor.id and event.pole_id == advisor.pole_id
    assert event.changes == {"endpoint": "auth.users", "method": "GET"}


def test_anonymous_redirect_and_unknown_page_are_not_denials(client, db, advisor, login_as):
    assert client.get("/users").status_code == 302
    login_as(advisor)
    assert client.get("/no-such-page").status_code == 404
    assert denials(db) == []
