"""`flask import referrals` and the web import of orientations (formats/imports.md)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.referrals.models import Referral, ReferralStatusChange
from app.structures.models import Structure
from tests.imports.helpers import csv_file, run
from tests.imports.test_views import post, token_of, upload
from tests.referrals.factories import CollectiveFactory, PartnerFactory, PersonFactory


@pytest.fixture
def world(pole):
    return {
        "dla": PartnerFactory(pole_id=pole.id, name="DLA Ille-et-Vilaine"),
        "france_active": PartnerFactory(pole_id=pole.id, name="France Active Bretagne"),
        "anne": PersonFactory(pole_id=pole.id, first_name="Anne", email="anne@example.org"),
        "bruno": PersonFactory(pole_id=pole.id, first_name="Bruno", email="bruno@example.org"),
        "collective": CollectiveFactory(pole_id=pole.id, name="Épicerie solidaire"),
    }


def referrals_of(pole):
    return db.session.scalars(
        select(Referral).where(Referral.pole_id == pole.id).order_by(Referral.referred_on, Referral.id)
    ).all()


def history(referral):
    return [(change.status, change.changed_on, change.comment) for change in referral.history]


def totals(pole):
    referrals = db.session.scalar(select(func.count(Referral.id)).where(Referral.pole_id == pole.id))
    changes = db.session.scalar(
        select(func.count(ReferralStatusChange.id)).where(ReferralStatusChange.pole_id == pole.id)
    )
    return referrals, changes


GOOD = (
    "Date;Structure partenaire;E-mail;Collectif;Thématiques;Statut;Date statut;Commentaire\n"
    "05/03/2025;dla ille et vilaine;anne@example.org;;Montage financier|gouvernance partagee;Réalisée;"
    "2025-04-20;DLA réalisé en 3 jours\n"
    "2025-03-10;FRANCE-ACTIVE  bretagne;;épicerie SOLIDAIRE;;envoyée;;\n"
    "12/03/2025;DLA Ille-et-Vilaine;bruno@example.org;;;;;à relancer en juin\n"
    "15/03/2025;France Active Bretagne;anne@example.org;;;Refusée;01/04/2025;Projet pas mûr\n"
    "16/03/2025;France Active Bretagne;bruno@example.org;;;sans suite;30/04/2025;\n"
)


def test_creates_referrals_with_their_status_history(runner, pole, world, tmp_path, outbox):
    path = csv_file(tmp_path, GOOD, encoding="cp1252")
    result = run(runner, "referrals", path, pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Créées : 5" in result.output
    completed, sent, proposed, declined, dropped = referrals_of(pole)

    # A `realisee` row: exactly two history rows, proposed at date then completed at date_statut.
    assert completed.person == world["anne"] and completed.partner == world["dla"]
    assert history(completed) == [
        ("proposed", date(2025, 3, 5), None),
        ("completed", date(2025, 4, 20), "DLA réalisé en 3 jours"),
    ]
    assert completed.status == "completed" and completed.sent_on == date(2025, 3, 5)
    assert completed.outcome == "DLA réalisé en 3 jours"
    assert sorted(t.name for t in completed.thematics) == ["Gouvernance partagée", "Montage financier"]

    # No date_statut: the status is dated at the orientation's date.
    assert sent.collective == world["collective"] and sent.partner == world["france_active"]
    assert sent.person is None
    assert history(sent) == [("proposed", date(2025, 3, 10), None), ("sent", date(2025, 3, 10), None)]
    assert sent.status == "sent" and sent.sent_on == date(2025, 3, 10)

    # Default status: proposed, a single history row.
    assert proposed.status == "proposed" and proposed.sent_on is None and proposed.outcome is None
    assert history(proposed) == [("proposed", date(2025, 3, 12), "à relancer en juin")]

    # Transition rules do not apply to imported facts (proposed -> declined directly).
    assert declined.status == "declined" and declined.sent_on == date(2025, 3, 15)
    assert history(declined)[-1] == ("declined", date(2025, 4, 1), "Projet pas mûr")
    assert dropped.status == "no_follow_up" and dropped.sent_on is None
    assert [c.status for c in dropped.history] == ["proposed", "no_follow_up"]
    # Past facts: no email goes to the partners.
    assert outbox == []


def test_second_import_creates_nothing(runner, pole, world, tmp_path):
    path = csv_file(tmp_path, GOOD, encoding="cp1252")
    assert run(runner, "referrals", path, pole, "--commit").exit_code == 0
    before = totals(pole)
    assert before == (5, 9)
    again = run(runner, "referrals", path, pole, "--commit")
    assert again.exit_code == 0, again.output
    assert "Créées : 0" in again.output and "Mises à jour : 0" in again.output
    assert "Inchangées : 5" in again.output
    assert totals(pole) == before


def test_a_later_status_completes_the_history_of_a_matched_referral(runner, pole, world, tmp_path):
    head = "date;structure_partenaire;email;statut;date_statut\n"
    first = head + "05/03/2025;DLA Ille-et-Vilaine;anne@example.org;envoyee;06/03/2025\n"
    assert run(runner, "referrals", csv_file(tmp_path, first), pole, "--commit").exit_code == 0
    later = head + "05/03/2025;DLA Ille-et-Vilaine;anne@example.org;acceptee;20/03/2025\n"
    result = run(runner, "referrals", csv_file(tmp_path, later), pole, "--commit")
    assert result.exit_code == 0 and "Mises à jour : 1" in result.output and "Créées : 0" in result.output
    (referral,) = referrals_of(pole)
    assert referral.status == "accepted" and referral.sent_on == date(2025, 3, 6)
    assert [(c.status, c.changed_on) for c in referral.history] == [
        ("proposed", date(2025, 3, 5)),
        ("sent", date(2025, 3, 6)),
        ("accepted", date(2025, 3, 20)),
    ]


def test_invalid_rows_are_reported_and_nothing_is_written(runner, pole, other_pole, world, tmp_path):
    db.session.add(Structure(pole_id=pole.id, name="Mairie de Redon", kind="collectivite", search_text=""))
    PartnerFactory(pole_id=other_pole.id, name="URSCOP Ouest")
    PersonFactory(pole_id=other_pole.id, email="autre@example.org")
    CollectiveFactory(pole_id=other_pole.id, name="Jardin partagé")
    db.session.flush()
    future = (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")
    text = (
        "date;structure_partenaire;email;collectif;thematiques;statut;date_statut\n"
        "05/03/2025;DLA Ille-et-Vilaine;anne@example.org;;;realisee;20/04/2025\n"  # 2 valid
        "05/03/2025;DLA Ille-et-Vilaine;bruno@example.org;;;realisee;04/03/2025\n"  # 3
        "05/03/2025;URSCOP Ouest;bruno@example.org;;;;\n"  # 4 other pole's partner
        "05/03/2025;Mairie de Redon;bruno@example.org;;;;\n"  # 5 not a partner
        "05/03/2025;DLA Ille-et-Vilaine;autre@example.org;;;;\n"  # 6 other pole's person
        "05/03/2025;DLA Ille-et-Vilaine;;Jardin partagé;;;\n"  # 7 other pole's collective
        "05/03/2025;DLA Ille-et-Vilaine;;;;;\n"  # 8 no beneficiary
        "05/03/2025;DLA Ille-et-Vilaine;bruno@example.org;Épicerie solidaire;;;\n"  # 9 both
        "05/03/2025;DLA Ille-et-Vilaine;bruno@example.org;;;en cours;\n"  # 10
        "05/03/2025;DLA Ille-et-Vilaine;bruno@example.org;;Astrologie;;\n"  # 11
        f"{future};DLA Ille-et-Vilaine;bruno@example.org;;;;\n"  # 12
        "2025-13-01;DLA Ille-et-Vilaine;bruno@example.org;;;;\n"  # 13
        ";;bruno@example.org;;;;\n"  # 14
    )
    result = run(runner, "referrals", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 1
    out = result.output
    assert "Import annulé" in out and "Rejetées : 12" in out
    expected = (
        "ligne 3, colonne date_statut : la date du statut (04/03/2025) précède la date de l'orientation "
        "(05/03/2025)",
        "ligne 4, colonne structure_partenaire : structure partenaire inconnue dans le pôle « URSCOP Ouest »",
        "ligne 5, colonne structure_partenaire : « Mairie de Redon » n'est pas une structure partenaire",
        "ligne 6, colonne email : aucune personne du pôle n'a l'adresse « autre@example.org »",
        "ligne 7, colonne collectif : collectif inconnu dans le pôle « Jardin partagé »",
        "ligne 8, colonne email : indiquez l'adresse e-mail de la personne ou le nom du collectif",
        "ligne 9, colonne collectif : indiquez soit l'adresse e-mail d'une personne, soit un collectif",
        "ligne 10, colonne statut : statut inconnu « en cours » (valeurs possibles : proposee, envoyee, "
        "acceptee, realisee, refusee, sans_suite, a_l_etude, sans_reponse)",
        "ligne 11, colonne thematiques : thématique inconnue « Astrologie »",
        f"ligne 12, colonne date : la date {future} est dans le futur",
        "ligne 13, colonne date : date inexistante « 2025-13-01 »",
        "ligne 14, colonne date : valeur obligatoire manquante",
        "ligne 14, colonne structure_partenaire : valeur obligatoire manquante",
    )
    for line in expected:
        assert line in out
    assert totals(pole) == (0, 0)

    skipped = run(runner, "referrals", csv_file(tmp_path, text), pole, "--commit", "--skip-invalid")
    assert skipped.exit_code == 1 and "Import effectué" in skipped.output and "Créées : 1" in skipped.output
    (referral,) = referrals_of(pole)
    assert referral.person == world["anne"] and referral.status == "completed"
    assert len(referral.history) == 2


def test_dry_run_writes_nothing_and_exit_codes(runner, pole, world, tmp_path):
    path = csv_file(tmp_path, GOOD, encoding="cp1252")
    dry = run(runner, "referrals", path, pole)
    assert dry.exit_code == 0 and "Simulation" in dry.output and "À créer : 5" in dry.output
    assert totals(pole) == (0, 0)
    unreadable = run(runner, "referrals", csv_file(tmp_path, "date;email\n05/03/2025;a@b.fr\n"), pole)
    assert unreadable.exit_code == 2
    assert "Colonne obligatoire absente : structure_partenaire" in unreadable.stderr


def test_web_upload_preview_confirm(client, admin, login_as, pole, world, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "imports"))
    login_as(admin)
    text = (
        "date,structure_partenaire,email,statut,date_statut\r\n"
        "05/03/2025,DLA Ille-et-Vilaine,anne@example.org,acceptée,2025-03-09\r\n"
        "06/03/2025,DLA Ille-et-Vilaine,anne@example.org,acceptée,2025-03-01\r\n"
    )
    preview = upload(client, b"\xef\xbb\xbf" + text.encode(), kind="referrals")
    assert "Prévisualisation" in preview.text
    assert "la date du statut (01/03/2025) précède la date de l'orientation (06/03/2025)" in preview.text
    assert totals(pole) == (0, 0)
    result = post(
        client,
        "/imports/confirm",
        {"token": token_of(preview.text), "kind": "referrals", "skip_invalid": "y"},
    )
    assert "Import effectué" in result.text
    (referral,) = referrals_of(pole)
    assert [(c.status, c.changed_on) for c in referral.history] == [
        ("proposed", date(2025, 3, 5)),
        ("accepted", date(2025, 3, 9)),
    ]
