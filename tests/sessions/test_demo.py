from datetime import date

from sqlalchemy import func, select

from app.collectives.models import Collective
from app.demo.cli import seed_demo
from app.poles.models import FundingProgramme
from app.sessions import services
from app.sessions.models import AccompanimentSession, Attendance

TODAY = date(2026, 11, 26)


def test_demo_seed_gives_a_year_of_seances_with_drifting_members(db):
    pole = seed_demo(today=TODAY)
    count = db.session.scalar(select(func.count()).where(AccompanimentSession.pole_id == pole.id))
    assert count > 150
    names = set(db.session.scalars(select(FundingProgramme.name).where(FundingProgramme.pole_id == pole.id)))
    assert names >= {"Région Bretagne — pôle ESS", "FSE+", "Redon Agglomération"}
    published = db.session.scalars(
        select(AccompanimentSession).where(
            AccompanimentSession.pole_id == pole.id, AccompanimentSession.is_public.is_(True)
        )
    ).all()
    assert len(published) == 2 and all(s.capacity for s in published)
    assert db.session.scalar(select(func.count()).where(Attendance.pole_id == pole.id)) > 300
    assert services.unfilled_sessions(pole)
    shares = []
    for collective in db.session.scalars(select(Collective).where(Collective.pole_id == pole.id)):
        regularity = services.regularity_for_collective(collective)
        shares += [m.share for m in regularity.members if m.share is not None]
    assert max(shares) > 0.75 and min(shares) < 0.5  # some keen members, some drifting away
