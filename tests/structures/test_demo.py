from sqlalchemy import func, select

from app.people.models import Person
from app.poles.services import get_pole_by_slug
from app.structures.models import Structure
from app.structures.services import rank_partners


def test_demo_seed_creates_persons_structures_and_partners(runner, db):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    pole = get_pole_by_slug("demo")
    persons = db.session.scalars(select(Person).where(Person.pole_id == pole.id)).all()
    assert len(persons) == 40
    assert len({p.email for p in persons if p.email}) == len([p for p in persons if p.email])
    assert {p.postal_code for p in persons} >= {"35600", "56350"}
    assert all(p.email.endswith("@example.org") for p in persons if p.email)
    partners = db.session.scalars(
        select(Structure).where(Structure.pole_id == pole.id, Structure.is_partner.is_(True))
    ).all()
    names = {p.name for p in partners}
    assert {"URSCOP Bretagne", "France Active Bretagne", "CRESS Bretagne", "BGE Ille-et-Vilaine"} <= names
    assert all(
        p.thematics and p.partner_stages and p.contact_email.endswith("@example.org") for p in partners
    )
    assert (
        db.session.scalar(
            select(func.count(Structure.id)).where(
                Structure.pole_id == pole.id, Structure.is_partner.is_(False)
            )
        )
        >= 5
    )
    money = next(t for t in partners[0].thematics if t.name == "Montage financier")
    assert rank_partners(pole, [money.id], stage="creation", commune="Redon")[0].name in names


def test_demo_persons_are_deterministic(db, pole, other_pole, admin):
    import random
    from datetime import date

    from app.demo.cli import DemoContext
    from app.people import demo

    runs = []
    for target in (pole, other_pole):
        ctx = DemoContext(
            pole=target, admin=admin, advisors=[], rng=random.Random(7), today=date(2026, 3, 14)
        )
        demo.seed(ctx)
        runs.append([(p.first_name, p.last_name, p.commune, p.email) for p in ctx.data["persons"]])
    assert runs[0] == runs[1] and len(set(runs[0])) == 40
