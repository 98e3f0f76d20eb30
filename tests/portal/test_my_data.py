"""« Mes données »: everything held about the person, and nothing about anyone else."""

import json

from sqlalchemy import select

from app.core.audit import AuditEvent
from app.extensions import db
from app.portal import services
from tests.portal.helpers import page_text


def _download(client):
    response = client.get("/portal/mes-donnees.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "application/json"
    return response.get_data(as_text=True), json.loads(response.get_data(as_text=True))


def test_json_download_holds_exactly_this_persons_data(client, world, login_as):
    scope = services.person_scope(world.anne)
    services.rate_session(scope, world.s_own, 4, "Très utile")
    login_as(world.holder)
    raw, data = _download(client)
    assert data["person"]["id"] == world.anne.id
    assert data["person"]["email"] == world.anne.email and data["person"]["commune"] == "Redon"
    assert [m["collective"] for m in data["memberships"]] == ["Tiers-lieu de la Gare"]
    assert {d["title"] for d in data["accompaniments"]} == {"Café associatif", "Tiers-lieu : gouvernance"}
    own = next(d for d in data["accompaniments"] if d["title"] == "Café associatif")
    assert own["current_stage"] == "Diagnostic partagé" and own["referent"]["email"] == world.advisor.email
    assert sorted(a["session_id"] for a in data["attendances"]) == sorted(
        [world.s_own.id, world.s_old.id, world.s_new.id, world.s_upcoming.id]
    )
    assert [(r["partner"], [h["status"] for h in r["history"]]) for r in data["referrals"]] == [
        ("DLA d'Ille-et-Vilaine", ["sent", "accepted"])
    ]
    assert [(s["session_id"], s["score"]) for s in data["satisfaction"]] == [(world.s_own.id, 4)]
    (account,) = data["accounts"]
    assert account["email"] == "anne@example.org" and account["role"] == "holder"
    assert "last_login_at" in account and account["last_login_at"]
    # Nothing about anyone else, no private notes, no staff comments, no secrets.
    for absent in (
        "Dan",
        "Bertho",
        "Cadoret",
        "URSCOP",
        "NOTE PRIVÉE",
        "COMMENTAIRE INTERNE",
        "password_hash",
        "$argon2",
        "session_version",
        "token",
    ):
        assert absent not in raw, absent
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.self_export"))
    assert (event.target_type, event.target_id, event.actor_id) == ("Person", world.anne.id, world.holder.id)


def test_member_who_left_exports_without_the_collective_dossier(client, world, login_as):
    login_as(world.chloe_holder)
    raw, data = _download(client)
    assert data["person"]["id"] == world.chloe.id
    assert data["accompaniments"] == []
    assert data["memberships"][0]["left_on"] is not None
    assert "Anne" not in raw and "Guillou" not in raw


def test_export_builder_works_outside_a_request(app, world):
    with app.app_context():
        data = services.export_person_data(world.dan)
    assert data["person"]["last_name"] == "Danet"
    assert [d["title"] for d in data["accompaniments"]] == ["Projet de Dan, confidentiel"]
    assert data["accounts"] == [] and len(data["referrals"]) == 1


def test_html_page_is_readable_and_offers_the_download(client, world, login_as):
    login_as(world.holder)
    response = client.get("/portal/mes-donnees")
    text = page_text(response)
    assert "Mes données" in text and "Anne" in text and "Guillou" in text
    assert "Café associatif" in text and "Tiers-lieu de la Gare" in text
    assert "/portal/mes-donnees.json" in text
    assert "Dan" not in text and "NOTE PRIVÉE" not in text
    assert world.today.strftime("%d/%m/%Y") in text or "Rendez-vous diagnostic" in text
