"""A hand-built pole for the portal tests.

Anne has her own dossier and belongs to the collective « Tiers-lieu »; Bob is another current
member; Chloé left the collective 30 days ago; Dan is someone else with his own dossier.
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from app.core.models import utcnow
from app.extensions import db
from app.poles.services import pole_thematics
from tests.factories import UserFactory
from tests.portal.factories import (
    AccompanimentFactory,
    AttendanceFactory,
    CollectiveFactory,
    HolderFactory,
    MembershipFactory,
    PersonFactory,
    ReferralFactory,
    ReferralStatusChangeFactory,
    SessionFactory,
    StructureFactory,
    make_template,
)


@pytest.fixture
def world(pole, advisor):
    today = date.today()
    now = utcnow()
    thematics = pole_thematics(pole.id)
    template = make_template(pole)
    stages = template.stages
    anne = PersonFactory(pole=pole, first_name="Anne", last_name="Guillou", commune="Redon")
    bob = PersonFactory(pole=pole, first_name="Bob", last_name="Bertho")
    chloe = PersonFactory(pole=pole, first_name="Chloé", last_name="Cadoret")
    dan = PersonFactory(pole=pole, first_name="Dan", last_name="Danet")
    collective = CollectiveFactory(pole=pole, name="Tiers-lieu de la Gare")
    MembershipFactory(collective=collective, person=anne, joined_on=today - timedelta(days=300))
    MembershipFactory(collective=collective, person=bob, joined_on=today - timedelta(days=300))
    MembershipFactory(
        collective=collective,
        person=chloe,
        joined_on=today - timedelta(days=300),
        left_on=today - timedelta(days=30),
    )
    own = AccompanimentFactory(
        person=anne,
        title="Café associatif",
        template_id=template.id,
        current_stage_id=stages[1].id,
        referent_id=advisor.id,
        objectives="Ouvrir le café au printemps",
    )
    own.thematics = thematics[:2]
    collective_dossier = AccompanimentFactory(collective=collective, title="Tiers-lieu : gouvernance")
    collective_dossier.thematics = [thematics[0]]
    dan_dossier = AccompanimentFactory(person=dan, title="Projet de Dan, confidentiel")
    s_own = SessionFactory(
        pole_id=pole.id,
        title="Rendez-vous diagnostic",
        starts_at=now - timedelta(days=7),
        shared_summary="Nous avons fait le point sur le budget.",
        next_steps="Envoyer le prévisionnel.",
        private_notes="NOTE PRIVÉE : fragile financièrement",
    )
    s_own.accompaniments = [own]
    s_old = SessionFactory(
        pole_id=pole.id,
        kind="workshop",
        title="Atelier gouvernance (avant le départ)",
        starts_at=now - timedelta(days=60),
        collective_id=collective.id,
    )
    s_old.accompaniments = [collective_dossier]
    s_new = SessionFactory(
        pole_id=pole.id,
        kind="workshop",
        title="Atelier statuts (après le départ)",
        starts_at=now - timedelta(days=10),
        collective_id=collective.id,
        shared_summary="Statuts relus ensemble.",
    )
    s_new.accompaniments = [collective_dossier]
    s_upcoming = SessionFactory(
        pole_id=pole.id, title="Prochain rendez-vous", starts_at=now + timedelta(days=5)
    )
    s_upcoming.accompaniments = [own]
    s_dan = SessionFactory(pole_id=pole.id, title="Séance de Dan", starts_at=now - timedelta(days=3))
    s_dan.accompaniments = [dan_dossier]
    for session, person, status in (
        (s_own, anne, "present"),
        (s_old, anne, "present"),
        (s_old, bob, "absent"),
        (s_old, chloe, "present"),
        (s_new, anne, "present"),
        (s_new, bob, "excused"),
        (s_new, chloe, "invited"),
        (s_upcoming, anne, "invited"),
        (s_dan, dan, "present"),
    ):
        AttendanceFactory(session=session, person_id=person.id, status=status)
    partner = StructureFactory(
        pole=pole,
        name="DLA d'Ille-et-Vilaine",
        is_partner=True,
        contact_name="Morgane Le Roux",
        contact_email="dla@example.org",
        contact_phone="02 99 00 00 00",
        how_to_refer="Remplir le formulaire en ligne.",
    )
    referral = ReferralFactory(
        pole_id=pole.id, accompaniment_id=own.id, person_id=anne.id, partner_id=partner.id, status="accepted"
    )
    ReferralStatusChangeFactory(referral=referral, status="sent", changed_on=today - timedelta(days=20))
    ReferralStatusChangeFactory(
        referral=referral,
        status="accepted",
        changed_on=today - timedelta(days=12),
        comment="COMMENTAIRE INTERNE : relancé deux fois",
    )
    other_partner = StructureFactory(pole=pole, name="URSCOP Ouest", is_partner=True)
    ReferralFactory(pole_id=pole.id, person_id=dan.id, partner_id=other_partner.id)
    holder = HolderFactory(person=anne, email="anne@example.org", full_name="Anne Guillou")
    chloe_holder = HolderFactory(person=chloe, email="chloe@example.org", full_name="Chloé Cadoret")
    db.session.flush()
    db.session.expire_all()
    return SimpleNamespace(**locals())


@pytest.fixture
def other_staff(other_pole):
    return UserFactory(pole=other_pole, role="advisor")
