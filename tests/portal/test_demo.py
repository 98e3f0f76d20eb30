"""The demo seeder's holder account."""

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.passwords import verify_password
from app.demo.cli import DEMO_PASSWORD
from app.extensions import db
from app.portal.models import SatisfactionResponse, SkillAssessment
from app.portal.services import person_scope


def test_demo_seed_creates_a_holder_with_a_dossier_and_answers(runner, db):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "holder@demo.passerelle.test"))
    assert user.role == "holder" and user.person_id is not None
    assert verify_password(user.password_hash, DEMO_PASSWORD)
    scope = person_scope(user_person(user))
    assert len(scope.accompaniments()) >= 1
    assert len(scope.session_ids()) >= 1
    count = db.session.scalar(
        select(func.count(SatisfactionResponse.id)).where(SatisfactionResponse.person_id == user.person_id)
    )
    assert count >= 1
    rounds = set(
        db.session.scalars(select(SkillAssessment.round).where(SkillAssessment.person_id == user.person_id))
    )
    assert rounds == {"start", "midway"}


def user_person(user):
    from app.people.models import Person

    return db.session.get(Person, user.person_id)
