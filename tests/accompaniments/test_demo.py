from datetime import date

from freezegun import freeze_time
from sqlalchemy import func, select

from app.accompaniments.models import Accompaniment, StageTransition
from app.demo.cli import seed_demo
from app.pathways.models import PathwayTemplate
from app.requests.models import Request


@freeze_time("2026-06-30 10:00:00")
def test_demo_pole_has_a_year_of_requests_and_dossiers_at_every_stage(app, db):
    pole = seed_demo(today=date(2026, 6, 30))
    requests = db.session.scalars(select(Request).where(Request.pole_id == pole.id)).all()
    assert 70 <= len(requests) <= 90
    assert min(r.received_on for r in requests) < date(2025, 8, 1)
    assert {r.outcome for r in requests} == {"pending", "accompaniment", "oriented", "no_follow_up"}
    dossiers = db.session.scalars(select(Accompaniment).where(Accompaniment.pole_id == pole.id)).all()
    assert 25 <= len(dossiers) <= 40
    assert any(a.collective_id for a in dossiers) and any(a.person_id for a in dossiers)
    template = db.session.scalar(select(PathwayTemplate).where(PathwayTemplate.pole_id == pole.id))
    assert {a.current_stage_id for a in dossiers} == {s.id for s in template.stages}
    assert any(a.status == "closed" and a.financing_obtained and a.financing_amount for a in dossiers)
    transitions = db.session.scalar(select(func.count()).select_from(StageTransition))
    assert transitions > len(dossiers)
    assert all(a.started_on <= date(2026, 6, 30) for a in dossiers)
