"""Factories for the privacy tests: what a person leaves behind in every domain.

Pole-owned factories take `pole` (a Pole, not stored) and set `pole_id` from it.
"""

from datetime import date

import factory

from app.accompaniments.models import AccompanimentStatusChange, StageTransition
from app.core.text import search_text
from app.portal.models import SatisfactionResponse, SkillAssessment
from app.privacy.models import PrivacyRequest
from app.referrals.models import Referral, ReferralStatusChange
from app.requests.models import Request
from app.structures.models import Structure
from tests.factories import BaseFactory
from tests.sessions.factories import (  # noqa: F401 - re-exported for the privacy tests
    AccompanimentFactory,
    AttendanceFactory,
    CollectiveFactory,
    MembershipFactory,
    PersonFactory,
    PoleOwned,
    SessionFactory,
)


class PartnerFactory(PoleOwned):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Partenaire {n}")
    kind = "association"
    is_partner = True
    search_text = factory.LazyAttribute(lambda o: search_text(o.name))


class ReferralFactory(PoleOwned):
    """Pass `partner` and `person` (or `accompaniment`)."""

    class Meta:
        model = Referral

    referred_on = date(2025, 3, 1)
    status = "proposed"
    consent_to_share = True


class ReferralStatusChangeFactory(BaseFactory):
    """Pass `referral`."""

    class Meta:
        model = ReferralStatusChange

    pole_id = factory.SelfAttribute("referral.pole_id")
    status = "sent"
    changed_on = date(2025, 3, 5)


class RequestFactory(PoleOwned):
    class Meta:
        model = Request

    received_on = date(2025, 2, 1)
    channel = "phone"
    outcome = "pending"


class StageTransitionFactory(BaseFactory):
    """Pass `accompaniment` and `to_stage_id`."""

    class Meta:
        model = StageTransition

    pole_id = factory.SelfAttribute("accompaniment.pole_id")
    accompaniment_id = factory.SelfAttribute("accompaniment.id")
    transitioned_on = date(2025, 2, 1)

    class Params:
        accompaniment = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("accompaniment", None)
        return super()._create(model_class, *args, **kwargs)


class AccompanimentStatusChangeFactory(BaseFactory):
    class Meta:
        model = AccompanimentStatusChange

    pole_id = factory.SelfAttribute("accompaniment.pole_id")
    accompaniment_id = factory.SelfAttribute("accompaniment.id")
    to_status = "active"
    changed_on = date(2025, 1, 1)

    class Params:
        accompaniment = None


class SatisfactionFactory(BaseFactory):
    """Pass `pole_id`, `person_id` and `session_id` or `accompaniment_id`."""

    class Meta:
        model = SatisfactionResponse

    score = 4


class SkillAssessmentFactory(BaseFactory):
    class Meta:
        model = SkillAssessment

    round = "start"
    level = 2


class PrivacyRequestFactory(PoleOwned):
    """Pass `person` (and `pole`)."""

    class Meta:
        model = PrivacyRequest

    person_id = factory.SelfAttribute("person.id")
    kind = "access"
    received_on = date(2026, 1, 5)

    class Params:
        person = None
