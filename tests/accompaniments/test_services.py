from datetime import date

import pytest
from freezegun import freeze_time

from app.accompaniments import services
from app.accompaniments.services import AccompanimentError, change_status, move_to_stage, timeline_entries
from tests.accompaniments.factories import (
    default_template,
    make_accompaniment,
    make_collective,
    make_person,
    utc,
)


def _stages(pole):
    return [s for s in default_template(pole).stages]


def test_opening_records_first_stage_and_status(app, pole, advisor, db):
    acc = make_accompaniment(pole, referent=advisor, started_on=date(2026, 1, 5))
    stages = _stages(pole)
    assert acc.current_stage_id == stages[0].id and acc.status == "active"
    entries = timeline_entries(acc)
    assert [(e.kind, e.day) for e in entries] == [("status", date(2026, 1, 5)), ("stage", date(2026, 1, 5))]
    assert entries[1].obj.from_stage_id is None and entries[1].obj.by_id == advisor.id


def test_beneficiary_is_a_person_xor_a_collective(app, pole, db):
    person, collective = make_person(pole), make_collective(pole)
    with app.test_request_context(), pytest.raises(AccompanimentError, match="pas les deux"):
        make_accompaniment(pole, person=person, collective=collective)
    with app.test_request_context(), pytest.raises(AccompanimentError, match="l'un des deux"):
        services.create_accompaniment(pole, {"title": "x", "template": default_template(pole)})
    assert make_accompaniment(pole, collective=collective).is_collective


@freeze_time("2026-03-10 10:00:00")
def test_stage_transitions_keep_their_history(app, pole, advisor, db):
    acc = make_accompaniment(pole, started_on=date(2026, 1, 5))
    stages = _stages(pole)
    with app.test_request_context():
        move_to_stage(acc, stages[1], date(2026, 2, 1), by=advisor, comment="Diagnostic fait")
        move_to_stage(acc, stages[3], date(2026, 3, 10), by=advisor)
        move_to_stage(acc, stages[2], date(2026, 3, 10), by=advisor, comment="Retour en arrière")
        with pytest.raises(AccompanimentError, match="futur"):
            move_to_stage(acc, stages[4], date(2026, 3, 11))
        with pytest.raises(AccompanimentError, match="précède"):
            move_to_stage(acc, stages[4], date(2026, 1, 4))
        with pytest.raises(AccompanimentError, match="déjà"):
            move_to_stage(acc, stages[2], date(2026, 3, 10))
    transitions = [e.obj for e in timeline_entries(acc) if e.kind == "stage"]
    assert [(t.from_stage_id, t.to_stage_id, t.transitioned_on) for t in transitions] == [
        (None, stages[0].id, date(2026, 1, 5)),
        (stages[0].id, stages[1].id, date(2026, 2, 1)),
        (stages[1].id, stages[3].id, date(2026, 3, 10)),
        (stages[3].id, stages[2].id, date(2026, 3, 10)),
    ]
    assert transitions[1].comment == "Diagnostic fait" and transitions[1].by_id == advisor.id
    assert acc.current_stage_id == stages[2].id


@freeze_time("2026-03-10 10:00:00")
def test_status_rules(app, pole, advisor, db):
    acc = make_accompaniment(pole, started_on=date(2026, 1, 5))
    stages = _stages(pole)
    with app.test_request_context():
        change_status(acc, "suspend", date(2026, 2, 1), by=advisor, comment="Pause estivale")
        move_to_stage(acc, stages[1], date(2026, 2, 2))  # a suspended dossier may still move
        with pytest.raises(AccompanimentError, match="bilan"):
            change_status(acc, "close", date(2026, 3, 1), end_reason="Projet lancé")
        change_status(
            acc,
            "close",
            date(2026, 3, 1),
            by=advisor,
            end_reason="Projet lancé",
            end_review="Association créée",
            financing_obtained=True,
            financing_amount=15000,
        )
        assert acc.status == "closed" and acc.ended_on == date(2026, 3, 1) and acc.financing_obtained
        with pytest.raises(AccompanimentError, match="clos ou abandonné"):
            move_to_stage(acc, stages[2], date(2026, 3, 2))
        with pytest.raises(AccompanimentError, match="pas possible"):
            change_status(acc, "suspend", date(2026, 3, 2))
        change_status(acc, "reopen", date(2026, 3, 5), by=advisor, comment="Nouveau besoin")
        assert acc.status == "active" and acc.ended_on is None
        move_to_stage(acc, stages[2], date(2026, 3, 6))
        change_status(acc, "abandon", date(2026, 3, 7))
        assert acc.status == "abandoned"
    changes = [e.obj for e in timeline_entries(acc) if e.kind == "status"]
    assert [(c.from_status, c.to_status) for c in changes] == [
        (None, "active"),
        ("active", "suspended"),
        ("suspended", "closed"),
        ("closed", "active"),
        ("active", "abandoned"),
    ]
    assert changes[3].comment == "Nouveau besoin" and changes[3].changed_on == date(2026, 3, 5)
    assert changes[2].comment == "Projet lancé"


def test_timeline_is_extensible_and_in_date_order(app, pole, db, monkeypatch):
    acc = make_accompaniment(pole, started_on=date(2026, 1, 5))
    extra = [
        (date(2026, 1, 1), "note", "accompaniments/_timeline_status.html", "avant"),
        (utc(2026, 1, 5, 23, 30), "seance", "accompaniments/_timeline_status.html", "le 6 à Paris"),
        (utc(2026, 1, 5, 8, 0), "seance", "accompaniments/_timeline_status.html", "le 5 au matin"),
    ]
    monkeypatch.setattr(services, "TIMELINE_PROVIDERS", [*services.TIMELINE_PROVIDERS, lambda a: extra])
    with app.test_request_context():
        entries = timeline_entries(acc)
        assert [e.obj if e.kind in ("note", "seance") else e.kind for e in entries] == [
            "avant",
            "status",
            "stage",
            "le 5 au matin",
            "le 6 à Paris",
        ]
        assert entries[-1].day == date(2026, 1, 6)


def test_stage_progress(app, pole, db):
    acc = make_accompaniment(pole, started_on=date(2026, 1, 5))
    stages = _stages(pole)
    with app.test_request_context():
        move_to_stage(acc, stages[2], date(2026, 1, 6))
    states = [state for _stage, state in services.stage_progress(acc)]
    assert states == ["done", "done", "current", "next", "next", "next"]
