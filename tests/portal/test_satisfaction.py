"""Satisfaction answers: once per séance attended, once per closed dossier; staff read them."""

from datetime import date

from flask import render_template_string
from freezegun import freeze_time
from sqlalchemy import func, select

from app.extensions import db
from app.portal import services
from app.portal.models import SatisfactionResponse
from tests.portal.helpers import page_text


def _count(**where) -> int:
    stmt = select(func.count(SatisfactionResponse.id))
    for key, value in where.items():
        stmt = stmt.where(getattr(SatisfactionResponse, key) == value)
    return db.session.scalar(stmt)


def test_holder_rates_a_past_seance_once(client, world, login_as):
    login_as(world.holder)
    sessions_page = page_text(client.get("/portal/seances"))
    assert f"/portal/seances/{world.s_own.id}/avis" in sessions_page
    response = client.post(
        f"/portal/seances/{world.s_own.id}/avis", data={"score": "4", "comment": "Très utile"}
    )
    assert response.status_code == 302
    row = db.session.scalar(
        select(SatisfactionResponse).where(SatisfactionResponse.session_id == world.s_own.id)
    )
    assert (row.score, row.comment, row.person_id, row.pole_id) == (
        4,
        "Très utile",
        world.anne.id,
        world.pole.id,
    )
    again = client.post(f"/portal/seances/{world.s_own.id}/avis", data={"score": "1"}, follow_redirects=True)
    assert "déjà donné votre avis" in page_text(again)
    assert _count(session_id=world.s_own.id) == 1
    text = page_text(client.get("/portal/seances"))
    assert f"/portal/seances/{world.s_own.id}/avis" not in text
    assert "Merci, vous avez donné votre avis sur cette séance." in text


def test_only_present_past_seances_can_be_rated(client, world, login_as):
    login_as(world.holder)
    response = client.post(
        f"/portal/seances/{world.s_upcoming.id}/avis", data={"score": "5"}, follow_redirects=True
    )
    assert "après y avoir participé" in page_text(response)
    assert _count(session_id=world.s_upcoming.id) == 0
    # Bob was excused: no form for him, and a forged answer is refused.
    client.post("/logout")
    from tests.portal.factories import HolderFactory

    login_as(HolderFactory(person=world.bob))
    assert f"/portal/seances/{world.s_new.id}/avis" not in page_text(client.get("/portal/seances"))
    client.post(f"/portal/seances/{world.s_new.id}/avis", data={"score": "5"})
    assert _count(session_id=world.s_new.id) == 0


def test_invalid_score_gets_a_french_message(client, world, login_as):
    login_as(world.holder)
    response = client.post(
        f"/portal/seances/{world.s_own.id}/avis", data={"score": "9"}, follow_redirects=True
    )
    assert "Choisissez une note de 1 à 5" in page_text(response)
    assert _count(session_id=world.s_own.id) == 0


def test_closed_dossier_can_be_rated_once(client, world, login_as):
    login_as(world.holder)
    response = client.post(
        f"/portal/dossiers/{world.own.id}/avis", data={"score": "5"}, follow_redirects=True
    )
    assert "une fois le dossier clos" in page_text(response)
    world.own.status = "closed"
    db.session.flush()
    index = page_text(client.get("/portal/"))
    assert "Votre avis sur l'ensemble de l'accompagnement" in index
    client.post(f"/portal/dossiers/{world.own.id}/avis", data={"score": "5", "comment": "Merci à Yann"})
    again = client.post(f"/portal/dossiers/{world.own.id}/avis", data={"score": "2"}, follow_redirects=True)
    assert "déjà donné votre avis" in page_text(again)
    assert _count(accompaniment_id=world.own.id) == 1
    assert "Merci, vous avez donné votre avis sur cet accompagnement." in page_text(client.get("/portal/"))


def test_unique_constraint_backs_the_service(world, app):
    scope = services.person_scope(world.anne)
    services.rate_session(scope, world.s_own, 3)
    db.session.add(
        SatisfactionResponse(
            pole_id=world.pole.id, person_id=world.anne.id, session_id=world.s_own.id, score=2
        )
    )
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_staff_see_answers_of_the_dossier_and_its_seances(client, world, login_as, app):
    scope = services.person_scope(world.anne)
    services.rate_session(scope, world.s_own, 4, "Très utile")
    world.own.status = "closed"
    services.rate_accompaniment(scope, world.own, 5, "Merci")
    # An answer about another dossier's séance stays out.
    services.rate_session(scope, world.s_old, 1)
    summary = services.dossier_satisfaction(world.own)
    assert summary["count"] == 2 and summary["mean"] == 4.5
    assert {a["response"].score for a in summary["answers"]} == {4, 5}
    entries = services.satisfaction_timeline(world.own)
    assert [e[1] for e in entries] == ["satisfaction", "satisfaction"]
    assert all(e[2] == "portal/_timeline_satisfaction.html" for e in entries)
    login_as(world.advisor)
    with app.test_request_context("/"):
        html = render_template_string(
            '{% include "portal/_satisfaction_for_dossier.html" %}', satisfaction=summary
        )
    assert "Très utile" in html and "Anne Guillou" in html and "4,5" in html
    text = page_text(client.get(f"/portal/dossiers/{world.own.id}/competences"))
    assert "Très utile" in text and "Ensemble de l'accompagnement" in text


def test_timeline_entry_renders(world, app):
    from types import SimpleNamespace

    scope = services.person_scope(world.anne)
    # 23:30 UTC on 15 January is already 16 January in the pole's zone (Paris, UTC+1).
    with freeze_time("2027-01-15 23:30:00"):
        services.rate_session(scope, world.s_own, 2, "Trop court")
    (entry,) = services.satisfaction_timeline(world.own)
    assert entry[0] == date(2027, 1, 16)
    with app.test_request_context("/"):
        html = render_template_string(
            "{% include entry.template %}", entry=SimpleNamespace(template=entry[2], obj=entry[3])
        )
    assert "Avis de Anne Guillou sur la séance « Rendez-vous diagnostic » : 2/5" in html.replace("&#34;", '"')
    assert "Trop court" in html


def test_timeline_provider_is_registered():
    from app.accompaniments import services as dossiers

    assert services.satisfaction_timeline in dossiers.TIMELINE_PROVIDERS


def test_answers_are_journaled(client, world, login_as):
    from app.core.audit import AuditEvent

    login_as(world.holder)
    assert client.post(f"/portal/seances/{world.s_own.id}/avis", data={"score": 5}).status_code == 302
    answer = db.session.scalars(
        select(SatisfactionResponse).where(SatisfactionResponse.session_id == world.s_own.id)
    ).one()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "satisfaction.create")).one()
    assert event.changes["score"] == 5
    assert (event.actor_id, event.pole_id) == (world.holder.id, world.pole.id)
    assert (event.target_type, event.target_id) == ("SatisfactionResponse", answer.id)
