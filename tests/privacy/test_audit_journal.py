from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.audit import AuditEvent, record_audit
from app.poles.models import Thematic
from tests.factories import UserFactory


def event(db, pole, action="person.update", *, at=None, actor=None, target_type="Person", target_id=1, **kw):
    e = AuditEvent(
        pole_id=pole.id,
        action=action,
        occurred_at=at or datetime(2026, 3, 14, 8, 30, tzinfo=UTC),
        actor_id=actor.id if actor else None,
        target_type=target_type,
        target_id=target_id,
        changes=kw.get("changes"),
    )
    db.session.add(e)
    db.session.flush()
    return e


def rows(response) -> int:
    return response.get_data(as_text=True).count("<time datetime=")  # one per entry


def test_admin_sees_the_pole_journal_in_pole_time(client, db, admin, pole, other_pole, login_as):
    login_as(admin)
    event(db, pole, actor=admin, changes={"email": ["a@x.fr", "b@x.fr"]})
    event(db, other_pole, action="secret.other_pole")
    html = client.get("/privacy/journal").get_data(as_text=True)
    assert "14/03/2026 09:30" in html  # 08:30 UTC is 09:30 in Paris in March
    assert "2026-03-14 08:30:00 UTC" in html
    assert "person.update" in html and admin.display_name in html
    assert "a@x.fr → b@x.fr" in html
    assert "secret.other_pole" not in html


def test_summer_time_is_applied(client, db, admin, pole, login_as):
    login_as(admin)
    event(db, pole, at=datetime(2026, 7, 1, 22, 15, tzinfo=UTC))
    assert "02/07/2026 00:15" in client.get("/privacy/journal").get_data(as_text=True)


def test_filters(client, db, admin, pole, login_as):
    other = UserFactory(pole=pole)
    event(db, pole, "person.update", actor=admin, target_id=7)
    event(db, pole, "person.create", actor=other, target_id=8)
    event(db, pole, "structure.update", actor=other, target_type="Structure", target_id=7)
    event(
        db,
        pole,
        "login.success",
        actor=other,
        target_type="User",
        target_id=other.id,
        at=datetime(2026, 3, 15, 23, 30, tzinfo=UTC),
    )  # 16/03 00:30 in Paris
    login_as(admin)  # adds its own login.success, today

    def count(**args):
        return rows(client.get("/privacy/journal", query_string=args))

    assert count(user=other.id) == 3
    assert count(action="person") == 2
    assert count(action="update") == 0  # a prefix, not a substring
    assert count(target_type="Person", target_id=7) == 1
    assert count(target_id=7) == 2
    assert count(date_from="2026-03-14", date_to="2026-03-15") == 3
    assert count(date_from="2026-03-16", date_to="2026-03-16") == 1
    assert count(action="100%_") == 0  # LIKE wildcards are escaped


def test_invalid_filters_get_a_french_message(client, db, admin, login_as):
    login_as(admin)
    response = client.get("/privacy/journal?date_from=2026-03-20&date_to=2026-03-01&target_id=abc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Filtres invalides" in html and "La date de fin précède la date de début." in html


def test_journal_is_paginated_with_a_fixed_number_of_queries(
    client, db, admin, pole, login_as, count_queries
):
    login_as(admin)
    for i in range(5):
        event(db, pole, actor=UserFactory(pole=pole), target_id=i)
    with count_queries() as few:
        client.get("/privacy/journal")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(70):
        event(db, pole, actor=UserFactory(pole=pole), target_id=i, at=base + timedelta(minutes=i))
    with count_queries() as many:
        first = client.get("/privacy/journal")
    assert many.count == few.count
    assert rows(first) == 50 and "Page 1 sur 2" in first.get_data(as_text=True)
    assert rows(client.get("/privacy/journal?page=2")) > 0


def test_crlf_is_neutralised(client, db, admin, login_as):
    login_as(admin)
    thematic = db.session.scalars(select(Thematic).where(Thematic.pole_id == admin.pole_id)).first()
    record_audit("thematic.rename", thematic, {"name": "ligne 1\r\nFAKE entry"})  # set-up text is kept
    db.session.flush()
    assert "ligne 1  FAKE entry" in client.get("/privacy/journal").get_data(as_text=True)


def test_journal_is_admin_only(client, db, advisor, login_as):
    assert client.get("/privacy/journal").status_code == 302
    login_as(advisor)
    assert client.get("/privacy/journal").status_code == 404


def test_holder_and_regional_get_404(client, db, pole, login_as):
    login_as(UserFactory(pole=pole, role="holder"))
    assert client.get("/privacy/journal").status_code == 404
    client.post("/logout")
    login_as(UserFactory(pole=None, role="regional"))
    assert client.get("/privacy/journal").status_code == 404
