"""Anonymisation of a person: what is erased, what stays, the admin pages."""

from datetime import date

import pytest
from sqlalchemy import select

from app.auth import tokens
from app.core.audit import AuditEvent, record_audit
from app.people.models import Person
from app.portal.models import SatisfactionResponse
from app.privacy.services import ANONYMISED_MARK, PrivacyError, anonymise_person, identity_pattern, scrub_text
from app.sessions.models import Attendance
from tests import factories as base
from tests.privacy.factories import (
    AccompanimentFactory,
    AccompanimentStatusChangeFactory,
    AttendanceFactory,
    PartnerFactory,
    PersonFactory,
    PrivacyRequestFactory,
    ReferralFactory,
    ReferralStatusChangeFactory,
    RequestFactory,
    SatisfactionFactory,
    SessionFactory,
)

M = ANONYMISED_MARK


def person_named(first, last, **kw):
    return Person(first_name=first, last_name=last, **kw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Élodie est venue.", f"{M} est venue."),
        ("Vu ELODIE le goff ce matin", f"Vu {M} ce matin"),
        ("Mme Le Goff a appelé ; Goff rappellera.", f"Mme {M} a appelé ; {M} rappellera."),
        ("Le Goff, Élodie", f"{M}, {M}"),
        ("Élodie-Le-Goff", M),
        ("Elodies et goffin restent", "Elodies et goffin restent"),  # whole words only
        ("écrire à elodie.legoff@example.org", f"écrire à {M}"),
        ("tél. 06 12 34 56 78 ou 0612345678", f"tél. {M} ou {M}"),
        ("tél. +33 6 12 34 56 78", f"tél. {M}"),
        (None, None),
        ("", ""),
    ],
)
def test_scrub_text_replaces_names_case_and_accent_insensitively(text, expected):
    person = person_named("Élodie", "Le Goff", email="elodie.legoff@example.org", phone="06 12 34 56 78")
    assert scrub_text(text, identity_pattern(person)) == expected


def test_scrub_text_keeps_particles_of_compound_names():
    pattern = identity_pattern(person_named("Jean", "de la Fontaine"))
    assert scrub_text("la réunion de Jean", pattern) == f"la réunion de {M}"
    assert scrub_text("M. de la Fontaine et Fontaine", pattern) == f"M. {M} et {M}"


@pytest.fixture
def life(pole, admin):
    """A person with a trace in every domain, and a neighbour who must stay untouched."""
    person = PersonFactory(
        pole=pole,
        first_name="Zoé",
        last_name="Kerbrat",
        email="zoe.kerbrat@example.org",
        phone="0611223344",
        commune="Redon",
        postal_code="35600",
        gender="femme",
        birth_year=1990,
        situation="Demandeuse d'emploi",
        notes="Zoé préfère le matin",
    )
    other = PersonFactory(pole=pole, first_name="Yann", last_name="Morvan", notes="Ami de Zoé")
    dossier = AccompanimentFactory(
        pole=pole,
        person_id=person.id,
        summary="Projet de Zoé Kerbrat",
        objectives="Kerbrat veut une SCIC",
        end_review=None,
    )
    AccompanimentStatusChangeFactory(accompaniment=dossier, comment="Ouvert pour Zoé")
    seance = SessionFactory(
        pole=pole,
        shared_summary="Zoé et Yann ont travaillé",
        next_steps="KERBRAT envoie les statuts",
        private_notes="zoe semble fatiguée",
    )
    unrelated = SessionFactory(pole=pole, shared_summary="Atelier sans Zoé")
    AttendanceFactory(session=seance, person=person, status="present")
    AttendanceFactory(session=seance, person=other, status="present")
    partner = PartnerFactory(pole=pole)
    referral = ReferralFactory(
        pole=pole, partner_id=partner.id, person_id=person.id, reason="Zoé cherche un local", status="sent"
    )
    ReferralStatusChangeFactory(referral=referral, comment="Envoyé à propos de Kerbrat")
    intake = RequestFactory(pole=pole, person_id=person.id, need="Zoé veut créer", contact_text="Zoé K.")
    SatisfactionFactory(
        pole_id=pole.id, person_id=person.id, session_id=seance.id, score=5, comment="Merci, Zoé"
    )
    SatisfactionFactory(
        pole_id=pole.id, person_id=other.id, session_id=seance.id, score=3, comment="Zoé parle fort"
    )
    holder = base.UserFactory(pole=pole, role="holder", person_id=person.id, email="zoe@example.org")
    PrivacyRequestFactory(pole=pole, person=person, notes="Zoé demande l'effacement")
    record_audit("person.update", person, {"first_name": ["Zoe", "Zoé"]}, actor_id=admin.id)
    return {
        "person": person,
        "other": other,
        "dossier": dossier,
        "seance": seance,
        "unrelated": unrelated,
        "referral": referral,
        "request": intake,
        "holder": holder,
    }


def test_anonymise_person_erases_identity_and_scrubs_free_text(db, life, admin):
    person = life["person"]
    counts = anonymise_person(person, admin)
    db.session.expire_all()

    assert person.full_name == f"Personne anonymisée n°{person.id}"
    assert (person.email, person.phone, person.birth_year, person.situation, person.notes) == (None,) * 5
    assert (person.postal_code, person.commune) == ("35000", "Ille-et-Vilaine")
    assert person.gender == "femme"  # an input of the breakdowns funders ask for
    assert person.anonymized_at is not None
    assert "zoe" not in person.search_text and "kerbrat" not in person.search_text

    dossier, seance = life["dossier"], life["seance"]
    assert dossier.summary == f"Projet de {M}" and dossier.objectives == f"{M} veut une SCIC"
    assert seance.shared_summary == f"{M} et Yann ont travaillé"
    assert seance.next_steps == f"{M} envoie les statuts"
    assert seance.private_notes == f"{M} semble fatiguée"
    assert life["unrelated"].shared_summary == "Atelier sans Zoé"  # not about this person
    assert life["other"].notes == "Ami de Zoé"  # another person's record is not rewritten
    assert life["referral"].reason == f"{M} cherche un local"
    assert life["referral"].history[0].comment == f"Envoyé à propos de {M}"
    assert life["request"].need == f"{M} veut créer"
    assert life["request"].contact_text == M  # their own contact line is who they are: erased whole
    comments = {r.score: r.comment for r in db.session.scalars(select(SatisfactionResponse))}
    assert comments == {5: f"Merci, {M}", 3: f"{M} parle fort"}
    assert counts["texts_scrubbed"] >= 9 and counts["accounts_closed"] == 1

    holder = life["holder"]
    assert not holder.active and holder.password_hash is None
    assert holder.email == f"anonyme-{holder.id}@anonyme.invalid"
    assert holder.session_version == 2

    # What the reports count is still there.
    assert db.session.scalar(select(Attendance.status).where(Attendance.person_id == person.id)) == "present"
    assert life["referral"].status == "sent" and dossier.started_on == date(2025, 1, 1)

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.target_id == person.id)).all()
    anonymise_event = next(e for e in events if e.action == "privacy.anonymise")
    assert anonymise_event.actor_id == admin.id
    assert "Zo" not in str(anonymise_event.changes) and "Kerbrat" not in str(anonymise_event.changes)
    old_update = next(e for e in events if e.action == "person.update")
    assert old_update.changes == {"first_name": "[effacé]"}


def test_anonymise_twice_is_refused(db, life, admin):
    anonymise_person(life["person"], admin)
    with pytest.raises(PrivacyError):
        anonymise_person(life["person"], admin)


def test_overseas_and_unknown_postal_codes(db, pole):
    overseas = PersonFactory(pole=pole, postal_code="97160", commune="Le Moule")
    unknown = PersonFactory(pole=pole, postal_code="B-1000", commune="Bruxelles")
    anonymise_person(overseas)
    anonymise_person(unknown)
    assert (overseas.postal_code, overseas.commune) == ("97100", "Guadeloupe")
    assert (unknown.postal_code, unknown.commune) == (None, None)


# --- pages -------------------------------------------------------------------------------------


def test_admin_confirms_then_anonymises(client, login_as, admin, life):
    person = life["person"]
    login_as(admin)
    page = client.get(f"/people/{person.id}")
    assert f"/privacy/people/{person.id}/anonymise" in page.get_data(as_text=True)

    confirm = client.get(f"/privacy/people/{person.id}/anonymise")
    assert confirm.status_code == 200
    assert "irréversible" in confirm.get_data(as_text=True)

    refused = client.post(f"/privacy/people/{person.id}/anonymise", data={})
    assert refused.status_code == 200 and "Cochez la case" in refused.get_data(as_text=True)
    assert person.anonymized_at is None

    done = client.post(f"/privacy/people/{person.id}/anonymise", data={"confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/people/{person.id}")
    assert person.anonymized_at is not None and person.email is None

    again = client.post(
        f"/privacy/people/{person.id}/anonymise", data={"confirm": "y"}, follow_redirects=True
    )
    assert "déjà anonymisée" in again.get_data(as_text=True)


def test_anonymise_is_for_admins_of_the_pole_only(client, login_as, advisor, pole, other_pole):
    person = PersonFactory(pole=pole)
    login_as(advisor)
    assert client.get(f"/privacy/people/{person.id}/anonymise").status_code == 404
    assert client.post(f"/privacy/people/{person.id}/anonymise", data={"confirm": "y"}).status_code == 404
    assert "/anonymise" not in client.get(f"/people/{person.id}").get_data(as_text=True)
    assert person.anonymized_at is None


def test_anonymise_a_person_of_another_pole_answers_404(client, login_as, admin, other_pole):
    stranger = PersonFactory(pole=other_pole)
    login_as(admin)
    assert client.get(f"/privacy/people/{stranger.id}/anonymise").status_code == 404
    assert client.post(f"/privacy/people/{stranger.id}/anonymise", data={"confirm": "y"}).status_code == 404
    assert stranger.anonymized_at is None


def test_anonymisation_ends_the_holder_sessions_and_links(client, login_as, pole, db):
    person = PersonFactory(pole=pole, first_name="Inès", last_name="Bouvier")
    holder = base.UserFactory(pole=pole, role="holder", person_id=person.id)
    invitation = tokens.make_token(holder, tokens.INVITATION)
    login_as(holder)
    assert client.get("/").status_code == 200
    anonymise_person(person)
    db.session.flush()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert tokens.read_token(invitation, tokens.INVITATION, 72) is None
    placeholder = f"anonyme-{holder.id}@anonyme.invalid"
    assert client.post("/login", data={"email": placeholder, "password": "x"}).status_code != 302


def test_other_domains_scrub_their_own_tables_through_the_hook(db, pole, monkeypatch):
    from app.privacy import services

    seen = []

    def outbox_like(person, pattern):
        seen.append((person.email, scrub_text("Bonjour Inès Bouvier", pattern)))
        return 1

    monkeypatch.setattr(services, "ANONYMISERS", [outbox_like])
    person = PersonFactory(pole=pole, first_name="Inès", last_name="Bouvier", email="ines@example.org")
    counts = anonymise_person(person)
    assert seen == [("ines@example.org", f"Bonjour {M}")]  # called while the identity is known
    assert counts["texts_scrubbed"] == 1
