"""Skills self-assessment: rounds opened by advisors, answers, progression figures and chart."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.portal import services
from app.portal.models import SkillAssessment, SkillRound
from tests.portal.helpers import page_text


def _answer(client, dossier, levels):
    data = {f"t{t.id}": str(level) for t, level in zip(dossier.thematics, levels, strict=True)}
    return client.post(f"/portal/dossiers/{dossier.id}/auto-positionnement", data=data)


def _levels(world, person, round_name):
    return dict(
        db.session.execute(
            select(SkillAssessment.thematic_id, SkillAssessment.level).where(
                SkillAssessment.person_id == person.id,
                SkillAssessment.accompaniment_id == world.own.id,
                SkillAssessment.round == round_name,
            )
        ).all()
    )


def test_rounds_from_start_to_end(client, world, login_as):
    t1, t2 = world.own.thematics
    login_as(world.holder)
    page = page_text(client.get(f"/portal/dossiers/{world.own.id}/auto-positionnement"))
    assert "Tour en cours : Début du parcours" in page
    assert "Je découvre" in page and "Je pourrais l'expliquer à d'autres." in page
    assert _answer(client, world.own, [1, 2]).status_code == 302
    assert _levels(world, world.anne, "start") == {t1.id: 1, t2.id: 2}
    # Until an advisor opens the next round, answering again corrects the start round.
    _answer(client, world.own, [1, 3])
    assert _levels(world, world.anne, "start") == {t1.id: 1, t2.id: 3}

    client.post("/logout")
    login_as(world.advisor)
    assert client.post(f"/portal/dossiers/{world.own.id}/rounds/midway").status_code == 302
    client.post("/logout")
    login_as(world.holder)
    assert "Tour en cours : Mi-parcours" in page_text(
        client.get(f"/portal/dossiers/{world.own.id}/auto-positionnement")
    )
    _answer(client, world.own, [2, 3])
    client.post("/logout")
    login_as(world.advisor)
    client.post(f"/portal/dossiers/{world.own.id}/rounds/end")
    client.post("/logout")
    login_as(world.holder)
    _answer(client, world.own, [3, 3])
    assert _levels(world, world.anne, "start") == {t1.id: 1, t2.id: 3}
    assert _levels(world, world.anne, "midway") == {t1.id: 2, t2.id: 3}
    assert _levels(world, world.anne, "end") == {t1.id: 3, t2.id: 3}

    progress = {p.thematic_id: p for p in services.skills_progression(world.own, person_id=world.anne.id)}
    assert (progress[t1.id].first_mean, progress[t1.id].last_mean, progress[t1.id].delta) == (1, 3, 2)
    assert (progress[t2.id].first_mean, progress[t2.id].last_mean, progress[t2.id].progressed) == (3, 3, 0)
    body = client.get(f"/portal/dossiers/{world.own.id}/auto-positionnement").get_data(as_text=True)
    assert 'role="img"' in body and "<title" in body and "<table" in body and "style=" not in body


def test_incomplete_answer_is_refused_in_french(client, world, login_as):
    login_as(world.holder)
    t1 = world.own.thematics[0]
    response = client.post(f"/portal/dossiers/{world.own.id}/auto-positionnement", data={f"t{t1.id}": "2"})
    assert response.status_code == 200
    assert "Indiquez votre niveau pour chaque thématique." in page_text(response)
    assert _levels(world, world.anne, "start") == {}
    response = _answer(client, world.own, [2, 7])
    assert response.status_code == 200 and _levels(world, world.anne, "start") == {}


def test_open_round_rules(client, world, login_as):
    login_as(world.advisor)
    response = client.post(f"/portal/dossiers/{world.own.id}/rounds/end", follow_redirects=True)
    assert "Ouvrez d'abord le tour « mi-parcours »." in page_text(response)
    client.post(f"/portal/dossiers/{world.own.id}/rounds/midway")
    response = client.post(f"/portal/dossiers/{world.own.id}/rounds/midway", follow_redirects=True)
    assert "Ce tour est déjà ouvert." in page_text(response)
    assert client.post(f"/portal/dossiers/{world.own.id}/rounds/start").status_code == 404
    assert client.post(f"/portal/dossiers/{world.own.id}/rounds/bogus").status_code == 404
    rows = db.session.scalars(select(SkillRound).where(SkillRound.accompaniment_id == world.own.id)).all()
    assert [(r.round, r.opened_by_id, r.pole_id) for r in rows] == [
        ("midway", world.advisor.id, world.pole.id)
    ]
    assert services.open_rounds(world.own) == ["start", "midway"]


def _assess(world, person, dossier, thematic, levels):
    for round_name, level in levels.items():
        db.session.add(
            SkillAssessment(
                pole_id=world.pole.id,
                accompaniment_id=dossier.id,
                person_id=person.id,
                thematic_id=thematic.id,
                round=round_name,
                level=level,
            )
        )
    db.session.flush()


def test_progression_figures_on_a_hand_built_case(world):
    dossier = world.collective_dossier
    (gov,) = dossier.thematics
    legal = world.own.thematics[1]
    _assess(world, world.anne, dossier, gov, {"start": 1, "midway": 2, "end": 3})
    _assess(world, world.bob, dossier, gov, {"start": 2, "end": 4})
    _assess(world, world.chloe, dossier, gov, {"start": 3})  # a single round: first = last
    _assess(world, world.anne, dossier, legal, {"midway": 2, "end": 1})
    progress = services.skills_progression(dossier)
    assert [p.name for p in progress] == [gov.name, legal.name]
    g, leg = progress
    assert (g.assessed, g.compared, g.progressed) == (3, 2, 2)
    assert g.first_mean == pytest.approx(2.0) and g.last_mean == pytest.approx(3.33)
    assert g.delta == pytest.approx(1.33)
    assert (leg.first_mean, leg.last_mean, leg.progressed) == (2, 1, 0)
    # Filters: by person, by pole, by dossier ids.
    (anne_gov, _anne_legal) = services.skills_progression(dossier, person_id=world.anne.id)
    assert (anne_gov.first_mean, anne_gov.last_mean) == (1, 3)
    assert services.skills_progression(pole_id=world.pole.id)[0].assessed == 3
    assert services.skills_progression(accompaniment_ids=[world.own.id]) == []


def test_progression_chart_coordinates(world):
    dossier = world.collective_dossier
    (gov,) = dossier.thematics
    _assess(world, world.anne, dossier, gov, {"start": 1, "end": 4})
    chart = services.progression_chart(services.skills_progression(dossier))
    first, last = chart.bars
    assert (first.kind, first.width) == ("first", chart.plot_width / 4)
    assert (last.kind, last.width) == ("last", chart.plot_width)
    assert chart.height > last.y + 14


def test_staff_page_shows_chart_table_rounds_and_answers(client, world, login_as):
    dossier = world.collective_dossier
    (gov,) = dossier.thematics
    _assess(world, world.anne, dossier, gov, {"start": 1, "end": 3})
    _assess(world, world.bob, dossier, gov, {"start": 2, "end": 4})
    login_as(world.advisor)
    response = client.get(f"/portal/dossiers/{dossier.id}/competences")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = page_text(response)
    assert "<svg" in body and 'role="img"' in body and "<title" in body and "style=" not in body
    assert "Anne Guillou" in text and "Bob Bertho" in text
    assert "1,5" in text and "3,5" in text  # first and last means
    assert "Ouvrir le tour « Mi-parcours »" in text


def test_holder_sees_only_their_own_progression(client, world, login_as):
    dossier = world.collective_dossier
    (gov,) = dossier.thematics
    _assess(world, world.anne, dossier, gov, {"start": 1, "end": 2})
    _assess(world, world.bob, dossier, gov, {"start": 4, "end": 4})
    db.session.add(
        SkillRound(pole_id=world.pole.id, accompaniment_id=dossier.id, round="midway", opened_on=world.today)
    )
    db.session.add(
        SkillRound(pole_id=world.pole.id, accompaniment_id=dossier.id, round="end", opened_on=world.today)
    )
    db.session.flush()
    login_as(world.holder)
    text = page_text(client.get(f"/portal/dossiers/{dossier.id}/auto-positionnement"))
    assert "Bob" not in text and "Gouvernance partagée : 1 → 2." in text
