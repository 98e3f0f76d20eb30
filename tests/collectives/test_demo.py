"""The demo seeder's collectives."""

import random
from datetime import date

from sqlalchemy import select

from app.collectives import demo
from app.collectives.models import Collective
from app.demo.cli import DemoContext
from app.poles.models import Pole
from tests.collectives.factories import MemberPersonFactory, StructureFactory

TODAY = date(2026, 3, 14)


def _check(collectives, today=TODAY):
    assert len(collectives) == 3
    assert {c.kind for c in collectives} == {"mixte", "habitants", "multi_structures"}
    former_total = 0
    for collective in collectives:
        assert 4 <= len(collective.memberships) <= 10
        former = [m for m in collective.memberships if m.left_on and m.left_on <= today]
        former_total += len(former)
        assert all(m.joined_on <= today for m in collective.memberships)
        person_ids = [m.person_id for m in collective.memberships]
        assert len(person_ids) == len(set(person_ids))
    # The collectives seeder makes one or two former members; the séances seeder, run after it
    # in the full demo, lets a few more drift away.
    assert former_total >= 1
    assert former_total < sum(len(c.memberships) for c in collectives) / 2


def test_demo_seed_creates_three_collectives(runner, db):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    pole = db.session.scalar(select(Pole).where(Pole.slug == "demo"))
    collectives = db.session.scalars(select(Collective).where(Collective.pole_id == pole.id)).all()
    _check(collectives, today=date.today())
    assert any(c.name == "Tiers-lieu de la Gare — Redon" for c in collectives)


def test_demo_seed_reuses_seeded_persons_and_structures(db, pole, admin):
    persons = [MemberPersonFactory(pole_id=pole.id) for _ in range(25)]
    structures = [StructureFactory(pole=pole) for _ in range(6)]
    ctx = DemoContext(
        pole=pole,
        admin=admin,
        advisors=[],
        rng=random.Random(1),
        today=TODAY,
        data={"persons": persons, "structures": structures},
    )
    demo.seed(ctx)
    db.session.flush()
    collectives = ctx.data["collectives"]
    _check(collectives)
    members = {m.person for c in collectives for m in c.memberships}
    assert members <= set(persons)
    represented = [m.structure for c in collectives for m in c.memberships if m.structure]
    assert represented and set(represented) <= set(structures)
    multi = next(c for c in collectives if c.kind == "multi_structures")
    assert all(m.structure is not None for m in multi.memberships)


def test_demo_seed_without_people_seeder(db, pole, admin):
    ctx = DemoContext(pole=pole, admin=admin, advisors=[], rng=random.Random(2), today=TODAY)
    demo.seed(ctx)
    db.session.flush()
    _check(ctx.data["collectives"])
