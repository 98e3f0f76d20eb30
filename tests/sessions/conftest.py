from datetime import date

import pytest

from tests.sessions.factories import (
    AccompanimentFactory,
    CollectiveFactory,
    MembershipFactory,
    PersonFactory,
)


@pytest.fixture
def collective_dossier(pole):
    """A collective with three current members and one who left, and its active dossier."""
    collective = CollectiveFactory(pole=pole, name="Tiers-lieu de la Vilaine")
    members = [
        PersonFactory(pole=pole, first_name=first, last_name=last)
        for first, last in (("Anne", "Bréal"), ("Bruno", "Carré"), ("Chloé", "Dantec"))
    ]
    for person in members:
        MembershipFactory(collective=collective, person=person, joined_on=date(2025, 1, 1))
    gone = PersonFactory(pole=pole, first_name="Gaël", last_name="Parti")
    MembershipFactory(
        collective=collective, person=gone, joined_on=date(2025, 1, 1), left_on=date(2025, 6, 1)
    )
    dossier = AccompanimentFactory(pole=pole, collective_id=collective.id, title="Ouvrir le tiers-lieu")
    return collective, dossier, members, gone
