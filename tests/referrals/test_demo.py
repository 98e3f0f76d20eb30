from datetime import date

from sqlalchemy import select

from app.auth.models import User
from app.auth.passwords import verify_password
from app.demo.cli import DEMO_PASSWORD, seed_demo
from app.referrals.models import OPEN_STATUSES, TRANSITIONS, Referral
from app.structures.models import Structure


def test_demo_seeds_a_year_of_referrals_and_a_partner_account(db):
    pole = seed_demo(today=date(2026, 6, 30))
    referrals = db.session.scalars(select(Referral).where(Referral.pole_id == pole.id)).all()
    assert len(referrals) >= 50
    assert min(r.referred_on for r in referrals) >= date(2025, 7, 1)
    statuses = {r.status for r in referrals}
    assert {"accepted", "completed", "declined", "sent"} <= statuses
    for r in referrals:
        history = [c.status for c in r.history]
        assert history[0] == "proposed" and history[-1] == r.status
        assert all(b in TRANSITIONS[a] for a, b in zip(history, history[1:], strict=False))
        assert all(c.changed_on <= date(2026, 6, 30) for c in r.history)
    assert any(r.status in OPEN_STATUSES for r in referrals)
    user = db.session.scalar(select(User).where(User.email == "partner@demo.passerelle.test"))
    structure = db.session.get(Structure, user.structure_id)
    assert user.role == "partner" and "DLA" in structure.name and structure.is_partner
    assert verify_password(user.password_hash, DEMO_PASSWORD)
    assert any(c.by_id == user.id for r in referrals for c in r.history)
