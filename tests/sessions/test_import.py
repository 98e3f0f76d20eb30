"""`flask import sessions` and the web import of séances (formats/imports.md)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.extensions import db
from app.sessions.models import AccompanimentSession, Attendance
from tests.factories import UserFactory
from tests.imports.helpers import csv_file, run
from tests.imports.test_views import post, token_of, upload
from tests.sessions.factories import AttendanceFactory, CollectiveFactory, PersonFactory, SessionFactory


@pytest.fixture
def people(pole):
    return {
        key: PersonFactory(pole=pole, first_name=first, last_name=last, email=f"{key}@example.org")
        for key, first, last in (
            ("anne", "Anne", "Bréal"),
            ("bruno", "Bruno", "Carré"),
            ("chloe", "Chloé", "Dantec"),
        )
    }


@pytest.fixture
def staff(pole):
    return UserFactory(pole=pole, role="advisor", email="lea@pole.example", full_name="Léa Advisor")


def sessions_of(pole):
    return db.session.scalars(
        select(AccompanimentSession)
        .where(AccompanimentSession.pole_id == pole.id)
        .order_by(AccompanimentSession.starts_at, AccompanimentSession.id)
    ).all()


def statuses(session):
    return {a.person.email: a.status for a in session.attendances}


def totals(pole):
    sessions = db.session.scalar(
        select(func.count(AccompanimentSession.id)).where(AccompanimentSession.pole_id == pole.id)
    )
    attendances = db.session.scalar(select(func.count(Attendance.id)).where(Attendance.pole_id == pole.id))
    return sessions, attendances


# Windows-1252, ";", French headers with accents/spaces, both date formats, both time formats,
# presence variants, thematic lists with "|" and ",", non-adjacent rows of the same séance.
GROUPED = (
    "Date;Heure;Durée minutes;TYPE;Titre;Accompagnateur email;Participant_Email;Présence;"
    "Thématiques;Collectif\n"
    "14/03/2025;14:30;120;Atelier;Gouvernance partagée;lea@pole.example;anne@example.org;présent;"
    "gouvernance partagée|Cadre juridique;Tiers-lieu de la Vilaine\n"
    "2025-03-20;9h00;60;individuel;Point d'étape;LEA@pole.example;bruno@example.org;Excusé(e);;\n"
    "2025-03-14;14h30;120;ATELIER;gouvernance  partagee;;bruno@example.org;ABSENT;"
    "Montage financier, cadre juridique;tiers lieu de la vilaine\n"
    "01/07/2025;10:00;90;Réseau;Rencontre des tiers-lieux;;;;;\n"
    "14/03/2025;14:30;120;atelier;Gouvernance partagée;;chloe@example.org;invitée;;\n"
)


def test_rows_are_grouped_into_seances_wherever_they_are(runner, pole, people, staff, tmp_path):
    collective = CollectiveFactory(pole=pole, name="Tiers-lieu de la Vilaine")
    path = csv_file(tmp_path, GROUPED, encoding="cp1252")
    result = run(runner, "sessions", path, pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Créées : 5" in result.output and "dont séance créée : 3" in result.output

    workshop, individual, network = sessions_of(pole)
    # 14:30 in Paris in March (UTC+1) is 13:30 UTC; 10:00 in July (UTC+2) is 08:00 UTC.
    assert workshop.starts_at == datetime(2025, 3, 14, 13, 30, tzinfo=UTC)
    assert (workshop.kind, workshop.title, workshop.duration_minutes) == (
        "workshop",
        "Gouvernance partagée",
        120,
    )
    assert workshop.collective_id == collective.id
    assert [u.email for u in workshop.advisors] == ["lea@pole.example"]
    assert sorted(t.name for t in workshop.thematics) == [
        "Cadre juridique",
        "Gouvernance partagée",
        "Montage financier",
    ]
    assert statuses(workshop) == {
        "anne@example.org": "present",
        "bruno@example.org": "absent",
        "chloe@example.org": "invited",
    }
    assert (individual.kind, individual.starts_at) == ("individual", datetime(2025, 3, 20, 8, 0, tzinfo=UTC))
    assert statuses(individual) == {"bruno@example.org": "excused"}
    assert [u.email for u in individual.advisors] == ["lea@pole.example"]
    # A row without participant only declares the séance.
    assert (network.kind, network.duration_minutes) == ("network", 90)
    assert network.starts_at == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    assert network.attendances == [] and network.collective_id is None


def test_second_import_creates_nothing(runner, pole, people, staff, tmp_path):
    CollectiveFactory(pole=pole, name="Tiers-lieu de la Vilaine")
    path = csv_file(tmp_path, GROUPED, encoding="cp1252")
    assert run(runner, "sessions", path, pole, "--commit").exit_code == 0
    before = totals(pole)
    again = run(runner, "sessions", path, pole, "--commit")
    assert again.exit_code == 0, again.output
    assert "Créées : 0" in again.output and "Mises à jour : 0" in again.output
    assert "Inchangées : 5" in again.output
    assert totals(pole) == before == (3, 4)


def test_changed_presence_is_an_update(runner, pole, people, tmp_path):
    session = SessionFactory(
        pole=pole,
        kind="workshop",
        title="Atelier Compta",
        starts_at=datetime(2025, 1, 10, 9, 0, tzinfo=UTC),
        duration_minutes=120,
    )
    AttendanceFactory(session=session, person=people["anne"], status="invited")
    text = (
        "date;heure;duree_minutes;type;titre;participant_email;presence\n"
        "10/01/2025;10:00;120;atelier;atelier compta;anne@example.org;Présente\n"
        "10/01/2025;10h00;120;atelier;ATELIER COMPTA;bruno@example.org;\n"
    )
    result = run(runner, "sessions", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Créées : 1" in result.output and "Mises à jour : 1" in result.output
    assert "dont séance créée" not in result.output
    assert sessions_of(pole) == [session]
    # A past séance: an attendee without presence is counted present.
    assert statuses(session) == {"anne@example.org": "present", "bruno@example.org": "present"}


def test_utf8_bom_comma_and_quoted_cells(runner, pole, people, tmp_path):
    text = (
        "date,heure,duree_minutes,type,titre,participant_email,presence\r\n"
        '2025-02-03,18h30,90,Instance,"Conseil d\'administration, budget",anne@example.org,x\r\n'
        '03/02/2025,18:30,90,instance,"Conseil d\'administration, budget",bruno@example.org,non\r\n'
    )
    result = run(runner, "sessions", csv_file(tmp_path, text, bom=True), pole, "--commit")
    assert result.exit_code == 0, result.output
    (session,) = sessions_of(pole)
    assert (session.kind, session.title) == ("governance", "Conseil d'administration, budget")
    assert statuses(session) == {"anne@example.org": "present", "bruno@example.org": "absent"}


def test_invalid_rows_are_reported_and_nothing_is_written(runner, pole, other_pole, people, staff, tmp_path):
    UserFactory(pole=pole, role="holder", email="porteur@example.org")
    UserFactory(pole=other_pole, role="advisor", email="ailleurs@pole.example")
    PersonFactory(pole=other_pole, email="autre@example.org")
    CollectiveFactory(pole=other_pole, name="Jardin partagé")
    text = (
        "date;heure;duree_minutes;type;titre;accompagnateur_email;participant_email;presence;"
        "thematiques;collectif\n"
        "14/03/2025;14:30;120;atelier;Atelier;;anne@example.org;present;;\n"  # 2 valid
        "14/03/2025;14:30;120;atelier;Atelier;;inconnu@example.org;;;\n"  # 3
        "14/03/2025;14:30;120;atelier;Atelier;;autre@example.org;;;\n"  # 4 other pole's person
        "14/03/2025;14:30;120;atelier;Atelier;porteur@example.org;;;;\n"  # 5 not staff
        "14/03/2025;14:30;120;atelier;Atelier;ailleurs@pole.example;;;;\n"  # 6 other pole's advisor
        "14/03/2025;14:30;120;atelier;Atelier;;;;;Jardin partagé\n"  # 7 other pole's collective
        "14/03/2025;14:30;120;atelier;Atelier;;;;Astrologie;\n"  # 8
        "14/03/2025;14:30;120;conférence;Atelier;;;;;\n"  # 9
        "14/03/2025;14:30;120;atelier;Atelier;;bruno@example.org;peut-être;;\n"  # 10
        "31/02/2025;14:30;120;atelier;Atelier;;;;;\n"  # 11
        "14/03/2025;25h00;120;atelier;Atelier;;;;;\n"  # 12
        "14/03/2025;14:30;90;atelier;Atelier;;chloe@example.org;;;\n"  # 13 durée conflict
        "14/03/2025;14:30;;atelier;;;;;;\n"  # 14 missing values
    )
    result = run(runner, "sessions", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 1
    out = result.output
    assert "Import annulé" in out and "Rejetées : 12" in out
    expected = (
        "ligne 3, colonne participant_email : aucune personne du pôle n'a l'adresse « inconnu@example.org »",
        "ligne 4, colonne participant_email : aucune personne du pôle n'a l'adresse « autre@example.org »",
        "ligne 5, colonne accompagnateur_email : « porteur@example.org » n'est pas un membre de l'équipe",
        "ligne 6, colonne accompagnateur_email : aucun membre de l'équipe du pôle n'a l'adresse "
        "« ailleurs@pole.example »",
        "ligne 7, colonne collectif : collectif inconnu dans le pôle « Jardin partagé »",
        "ligne 8, colonne thematiques : thématique inconnue « Astrologie »",
        "ligne 9, colonne type : type de séance inconnu « conférence » (valeurs possibles : individuel, "
        "atelier, formation, instance, permanence, reseau)",
        "ligne 10, colonne presence : présence inconnue « peut-être »",
        "ligne 11, colonne date : date inexistante « 31/02/2025 »",
        "ligne 12, colonne heure : heure inexistante « 25h00 »",
        "ligne 13, colonne duree_minutes : durée différente de celle de la même séance à la ligne 2 "
        "(120 minutes)",
        "ligne 14, colonne duree_minutes : valeur obligatoire manquante",
        "ligne 14, colonne titre : valeur obligatoire manquante",
    )
    for line in expected:
        assert line in out
    assert totals(pole) == (0, 0)

    # Dry run: nothing written either, same report.
    dry = run(runner, "sessions", csv_file(tmp_path, text), pole)
    assert dry.exit_code == 1 and "Simulation" in dry.output and "À créer : 1" in dry.output
    assert totals(pole) == (0, 0)

    # --skip-invalid writes the valid row, still exits 1.
    skipped = run(runner, "sessions", csv_file(tmp_path, text), pole, "--commit", "--skip-invalid")
    assert skipped.exit_code == 1 and "Import effectué" in skipped.output
    (session,) = sessions_of(pole)
    assert statuses(session) == {"anne@example.org": "present"}


def test_unreadable_file_exits_2(runner, pole, tmp_path):
    result = run(runner, "sessions", csv_file(tmp_path, "date;heure;type\n14/03/2025;14:30;atelier\n"), pole)
    assert result.exit_code == 2
    assert "Colonnes obligatoires absentes : duree_minutes, titre" in result.stderr


def test_web_upload_preview_confirm(client, admin, login_as, pole, people, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "imports"))
    login_as(admin)
    page = client.get("/imports/").get_data(as_text=True)
    assert 'value="sessions"' in page and 'value="referrals"' in page
    text = (
        "date;heure;duree_minutes;type;titre;participant_email;presence\n"
        "14/03/2025;14:30;120;atelier;Atelier;anne@example.org;present\n"
        "14/03/2025;14:30;120;atelier;Atelier;inconnu@example.org;present\n"
        "14/03/2025;14:30;120;atelier;Atelier;bruno@example.org;absent\n"
    )
    preview = upload(client, text.encode("cp1252"), kind="sessions")
    assert "Prévisualisation" in preview.text
    assert "aucune personne du pôle n'a l'adresse « inconnu@example.org »" in preview.text
    assert totals(pole) == (0, 0)
    token = token_of(preview.text)
    result = post(client, "/imports/confirm", {"token": token, "kind": "sessions", "skip_invalid": "y"})
    assert "Import effectué" in result.text
    (session,) = sessions_of(pole)
    assert statuses(session) == {"anne@example.org": "present", "bruno@example.org": "absent"}


def test_other_pole_séances_are_not_matched(runner, pole, other_pole, people, tmp_path):
    SessionFactory(
        pole=other_pole,
        kind="workshop",
        title="Atelier",
        starts_at=datetime(2025, 3, 14, 13, 30, tzinfo=UTC),
    )
    text = "date;heure;duree_minutes;type;titre\n14/03/2025;14:30;120;atelier;Atelier\n"
    result = run(runner, "sessions", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0 and "Créées : 1" in result.output
    assert len(sessions_of(pole)) == 1 and len(sessions_of(other_pole)) == 1


def test_same_person_twice_in_a_seance(runner, pole, people, tmp_path):
    text = (
        "date;heure;duree_minutes;type;titre;participant_email;presence\n"
        "14/03/2025;14:30;120;atelier;Atelier;anne@example.org;present\n"
        "14/03/2025;14:30;120;atelier;Atelier;bruno@example.org;\n"
        "14/03/2025;14:30;120;atelier;Atelier;anne@example.org;absent\n"
        "14/03/2025;14:30;120;atelier;Atelier;bruno@example.org;excusé\n"
        "14/03/2025;14:30;120;atelier;Atelier;anne@example.org;Présente\n"
    )
    result = run(runner, "sessions", csv_file(tmp_path, text), pole, "--commit", "--skip-invalid")
    assert result.exit_code == 1
    assert (
        "ligne 4, colonne presence : présence différente de celle de la ligne 2 pour la même personne "
        "et la même séance (present)" in result.output
    )
    # An unstated presence does not bind: the later row states it.
    assert "Créées : 2" in result.output and "Mises à jour : 1" in result.output
    assert "Inchangées : 1" in result.output
    (session,) = sessions_of(pole)
    assert statuses(session) == {"anne@example.org": "present", "bruno@example.org": "excused"}


def test_existing_seance_gets_the_file_values(runner, pole, people, staff, tmp_path):
    collective = CollectiveFactory(pole=pole, name="Jardin partagé")
    session = SessionFactory(
        pole=pole,
        kind="training",
        title="Formation compta",
        starts_at=datetime(2025, 1, 10, 9, 0, tzinfo=UTC),
        duration_minutes=60,
    )
    text = (
        "date;heure;duree_minutes;type;titre;accompagnateur_email;thematiques;collectif\n"
        "10/01/2025;10:00;1h30;formation;Formation Compta;lea@pole.example;Montage financier;jardin partage\n"
    )
    result = run(runner, "sessions", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Mises à jour : 1" in result.output and "Créées : 0" in result.output
    assert session.duration_minutes == 90 and session.collective_id == collective.id
    assert [u.email for u in session.advisors] == ["lea@pole.example"]
    assert [t.name for t in session.thematics] == ["Montage financier"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "session.update", AuditEvent.target_id == session.id)
    ).one()
    assert set(event.changes) == {"duration_minutes", "collective_id", "advisors", "thematics"}
    again = run(runner, "sessions", csv_file(tmp_path, text), pole, "--commit")
    assert "Inchangées : 1" in again.output and "Mises à jour : 0" in again.output
