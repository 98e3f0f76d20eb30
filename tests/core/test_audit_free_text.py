"""The journal records which fields changed, never a free-text value (issue 19, points 1 and 14)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.core.audit import FREE_TEXT, AuditEvent, record_audit
from app.poles.models import Thematic
from tests.privacy.factories import PersonFactory


def _last(db, action):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()


def test_free_text_values_become_field_names_only(db, pole):
    person = PersonFactory(pole=pole)
    event = record_audit(
        "person.update",
        person,
        {
            "first_name": ["Zoé", "Zoe"],
            "email": [None, "zoe.kerbrat@example.org"],
            "phone": "06 11 22 33 44",
            "postal_code": "35600",
            "notes": "Zoé Kerbrat préfère le matin",
            "title": "Projet de Zoé Kerbrat",
            "q": "kerbrat",
            "status": ["sent", "accepted"],
            "kind": "individual",
            "gender": "femme",
            "changed_on": date(2026, 3, 5),
            "birth_year": [1990, 1991],
            "financing_amount": Decimal("1500.00"),
            "consent_to_share": True,
            "attendance": {"12": ["invited", "present"]},
            "thematics": [[1, 2], [3]],
            "month": "2026-10",
            "empty": "",
        },
    )
    db.session.flush()
    assert event.changes == {
        "first_name": [FREE_TEXT, FREE_TEXT],
        "email": [None, FREE_TEXT],
        "phone": FREE_TEXT,
        "postal_code": FREE_TEXT,
        "notes": FREE_TEXT,
        "title": FREE_TEXT,
        "q": FREE_TEXT,
        "status": ["sent", "accepted"],
        "kind": "individual",
        "gender": "femme",
        "changed_on": "2026-03-05",
        "birth_year": [1990, 1991],
        "financing_amount": "1500.00",
        "consent_to_share": True,
        "attendance": {"12": ["invited", "present"]},
        "thematics": [[1, 2], [3]],
        "month": "2026-10",
        "empty": "",
    }


def test_a_code_field_with_free_text_in_it_is_not_kept(db, pole):
    event = record_audit(
        "referral.status", None, {"status": "Zoé Kerbrat", "reason": "vu le 06 11 22 33 44"}, pole_id=pole.id
    )
    assert event.changes == {"status": FREE_TEXT, "reason": FREE_TEXT}


def test_the_pole_set_up_keeps_its_names(db, pole):
    thematic = db.session.scalars(select(Thematic).where(Thematic.pole_id == pole.id)).first()
    event = record_audit(
        "thematic.rename", thematic, {"name": ["Communication", "Communication et plaidoyer"]}
    )
    assert event.changes == {"name": ["Communication", "Communication et plaidoyer"]}


def test_person_edits_through_the_page_keep_no_identity(client, db, advisor, login_as, pole):
    person = PersonFactory(pole=pole, first_name="Zoé", last_name="Kerbrat", email="zoe@example.org")
    login_as(advisor)
    response = client.post(
        f"/people/{person.id}/edit",
        data={
            "first_name": "Zoé",
            "last_name": "Kerbrat-Morvan",
            "email": "zoe.km@example.org",
            "phone": "0611223344",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    event = _last(db, "person.update")
    text = str(event.changes).lower()
    assert "kerbrat" not in text and "zoe" not in text and "0611223344" not in text
    assert set(event.changes) >= {"last_name", "email", "phone"}


def test_export_search_terms_are_not_stored(client, db, advisor, login_as, pole):
    PersonFactory(pole=pole, last_name="Kerbrat")
    login_as(advisor)
    assert client.get("/people/export/csv?q=Kerbrat").status_code == 200
    event = _last(db, "export.persons")
    assert event.changes["q"] == FREE_TEXT and "kerbrat" not in str(event.changes).lower()


# --- point 14: the real record, not werkzeug's LocalProxy -----------------------------------------


def test_calendar_feed_entries_name_the_user(client, db, advisor, login_as):
    login_as(advisor)
    assert client.post("/sessions/agenda/abonnement/regenerer").status_code == 302
    assert client.post("/sessions/agenda/abonnement/revoquer").status_code == 302
    for action in ("calendar_feed.regenerate", "calendar_feed.revoke"):
        event = _last(db, action)
        assert (event.action, event.target_type, event.target_id) == (action, "User", advisor.id)
        assert event.actor_id == advisor.id
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.target_type == "LocalProxy")) is None
