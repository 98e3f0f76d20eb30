"""Membership rules at the service level (what the views rely on)."""

from datetime import date, timedelta

import pytest

from app.collectives import services
from tests.collectives.factories import CollectiveFactory, MemberPersonFactory, StructureFactory


def test_add_member_refuses_records_of_another_pole(db, pole, other_pole):
    collective = CollectiveFactory(pole=pole)
    with pytest.raises(ValueError):
        services.add_member(collective, MemberPersonFactory(pole_id=other_pole.id))
    with pytest.raises(ValueError):
        services.add_member(
            collective, MemberPersonFactory(pole_id=pole.id), structure=StructureFactory(pole=other_pole)
        )


def test_a_future_departure_keeps_the_member_current(db, pole):
    collective = CollectiveFactory(pole=pole)
    person = MemberPersonFactory(pole_id=pole.id)
    services.add_member(collective, person, left_on=date.today() + timedelta(days=30))
    with pytest.raises(services.MembershipError):
        services.add_member(collective, person)
    # A membership recorded entirely in the past does not block a current one.
    services.add_member(
        collective, MemberPersonFactory(pole_id=pole.id), left_on=date.today() - timedelta(days=1)
    )


def test_unknown_kind_is_refused(db, pole):
    with pytest.raises(ValueError):
        services.create_collective(pole, name="X", kind="secte")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("référent", "referent"),
        ("Référente", "referent"),
        ("référent·e", "referent"),
        ("REFERENT.E", "referent"),
        ("Élue", "elu"),
        ("salarié·e", "salarie"),
        ("Bénévoles", "benevole"),
        ("habitante", "habitant"),
        ("Membre", "membre"),
        ("  Trésorière  du   collectif ", "Trésorière du collectif"),
    ],
)
def test_match_role_is_lenient_and_keeps_unknown_roles(text, code):
    assert services.match_role(text) == code
