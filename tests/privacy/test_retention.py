"""Retention: persons without activity for PRIVACY_RETENTION_MONTHS are listed, then anonymised."""

from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time

from app.extensions import db as _db
from app.pathways.models import PathwayTemplate, Stage
from app.privacy.services import anonymise_person, retention_candidates
from tests import factories as base
from tests.privacy.factories import (
    AccompanimentFactory,
    AccompanimentStatusChangeFactory,
    AttendanceFactory,
    PartnerFactory,
    PersonFactory,
    ReferralFactory,
    ReferralStatusChangeFactory,
    RequestFactory,
    SatisfactionFactory,
    SessionFactory,
    StageTransitionFactory,
)

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
CUTOFF = datetime(2023, 6, 15, 10, 0, tzinfo=UTC)  # NOW minus 36 months
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
# 36 months minus one day ago (kept) and 36 months plus one day ago (listed).
BOUNDARIES = {"kept": timedelta(days=1), "listed": timedelta(days=-1)}


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW):
        yield


def idle_person(pole, **kw):
    return PersonFactory(pole=pole, created_at=LONG_AGO, updated_at=LONG_AGO, **kw)


def _dossier(pole, person, **kw):
    return AccompanimentFactory(pole=pole, person_id=person.id, started_on=date(2019, 1, 1), **kw)


def attendance(pole, person, moment):
    AttendanceFactory(session=SessionFactory(pole=pole, starts_at=moment), person=person)


def referral(pole, person, moment):
    ReferralFactory(
        pole=pole, partner_id=PartnerFactory(pole=pole).id, person_id=person.id, referred_on=moment.date()
    )


def referral_change_via_dossier(pole, person, moment):
    dossier = _dossier(pole, person)
    item = ReferralFactory(
        pole=pole,
        partner_id=PartnerFactory(pole=pole).id,
        accompaniment_id=dossier.id,
        referred_on=date(2019, 2, 1),
    )
    ReferralStatusChangeFactory(referral=item, changed_on=moment.date())


def dossier_start(pole, person, moment):
    AccompanimentFactory(pole=pole, person_id=person.id, started_on=moment.date())


def dossier_end(pole, person, moment):
    _dossier(pole, person, ended_on=moment.date(), status="closed")


def dossier_status_change(pole, person, moment):
    AccompanimentStatusChangeFactory(accompaniment=_dossier(pole, person), changed_on=moment.date())


def dossier_stage_transition(pole, person, moment):
    template = PathwayTemplate(pole_id=pole.id, name="Parcours")
    _db.session.add(template)
    _db.session.flush()
    stage = Stage(pole_id=pole.id, template_id=template.id, name="Émergence", position=1)
    _db.session.add(stage)
    _db.session.flush()
    StageTransitionFactory(
        accompaniment=_dossier(pole, person), to_stage_id=stage.id, transitioned_on=moment.date()
    )


def request(pole, person, moment):
    RequestFactory(pole=pole, person_id=person.id, received_on=moment.date())


def holder_login(pole, person, moment):
    base.UserFactory(pole=pole, role="holder", person_id=person.id, last_login_at=moment)


def satisfaction(pole, person, moment):
    seance = SessionFactory(pole=pole, starts_at=datetime(2019, 1, 1, tzinfo=UTC))
    SatisfactionFactory(pole_id=pole.id, person_id=person.id, session_id=seance.id, answered_at=moment)


def person_update(pole, person, moment):
    person.updated_at = moment
    _db.session.flush()


ACTIVITIES = [
    attendance,
    referral,
    referral_change_via_dossier,
    dossier_start,
    dossier_end,
    dossier_status_change,
    dossier_stage_transition,
    request,
    holder_login,
    satisfaction,
    person_update,
]


@pytest.mark.parametrize("activity", ACTIVITIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("outcome", ["kept", "listed"])
def test_retention_boundaries(db, pole, activity, outcome):
    """Activity 36 months minus one day ago keeps the person; 36 months plus one day ago lists them."""
    person = idle_person(pole)
    activity(pole, person, CUTOFF + BOUNDARIES[outcome])
    listed = person in retention_candidates(pole)
    assert listed is (outcome == "listed")


def test_retention_follows_the_setting_and_skips_anonymised_and_other_poles(
    db, app, pole, other_pole, monkeypatch
):
    idle = idle_person(pole)
    gone = idle_person(pole)
    anonymise_person(gone)
    gone.updated_at = LONG_AGO
    stranger = idle_person(other_pole)
    recent = idle_person(pole)
    attendance(pole, recent, NOW - timedelta(days=400))
    assert retention_candidates(pole) == [idle]
    assert retention_candidates(other_pole) == [stranger]
    monkeypatch.setitem(app.config, "PRIVACY_RETENTION_MONTHS", 12)
    assert set(retention_candidates(pole)) == {idle, recent}


def test_retention_command_warns_then_applies(db, runner, pole):
    idle = idle_person(pole, first_name="Gwen", last_name="Le Dû")
    active = idle_person(pole)
    attendance(pole, active, NOW - timedelta(days=10))

    result = runner.invoke(args=["privacy", "retention", "--pole", pole.slug])
    assert result.exit_code == 0, result.output
    assert (
        f"1 personne(s) du pôle {pole.slug} sans activité depuis 36 mois (avant le 15/06/2023) : {idle.id}"
        in (result.output)
    )
    assert "--apply" in result.output
    assert idle.anonymized_at is None

    result = runner.invoke(args=["privacy", "retention", "--pole", pole.slug, "--apply"])
    assert result.exit_code == 0, result.output
    assert "1 personne(s) anonymisée(s)." in result.output
    db.session.expire_all()
    assert idle.anonymized_at is not None and idle.last_name == f"anonymisée n°{idle.id}"
    assert active.anonymized_at is None

    result = runner.invoke(args=["privacy", "retention", "--pole", pole.slug, "--apply"])
    assert result.exit_code == 0 and "0 personne(s)" in result.output


def test_retention_command_unknown_pole(db, runner):
    result = runner.invoke(args=["privacy", "retention", "--pole", "nope"])
    assert result.exit_code == 1 and "Pôle inconnu : nope" in result.output


def test_retention_page_lists_idle_persons_with_constant_queries(
    client, login_as, admin, pole, count_queries
):
    idle = idle_person(pole, first_name="Gwen", last_name="Le Dû")
    active = idle_person(pole, first_name="Active", last_name="Personne")
    attendance(pole, active, NOW - timedelta(days=10))
    login_as(admin)
    with count_queries() as few:
        page = client.get("/privacy/retention")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Le Dû" in html and "Active" not in html and "01/01/2020" in html
    assert f"/privacy/people/{idle.id}/anonymise" in html
    for _n in range(5):
        attendance(pole, idle_person(pole), datetime(2021, 1, 1, tzinfo=UTC))
    with count_queries() as many:
        assert client.get("/privacy/retention").status_code == 200
    assert many.count == few.count


def test_retention_page_is_for_admins(client, login_as, advisor):
    login_as(advisor)
    assert client.get("/privacy/retention").status_code == 404
