"""`flask import people`: reading rules, matching, exit codes, all-or-nothing."""

from datetime import date

from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.extensions import db
from app.people.models import Person
from tests.imports.factories import PersonFactory
from tests.imports.helpers import csv_file, run


def persons(pole):
    return db.session.scalars(select(Person).where(Person.pole_id == pole.id).order_by(Person.id)).all()


def count(pole) -> int:
    return db.session.scalar(select(func.count(Person.id)).where(Person.pole_id == pole.id))


WIN_FILE = (
    "NOM;Prénom;E-mail;Téléphone;Commune; Code Postal ;Genre;Année naissance;Situation;"
    "Date premier contact;Remarque\r\n"
    "Le Hénaff;Élodie;elodie@example.org;06 12 34 56 78;Redon;35600;F;1985;Demandeuse d'emploi;"
    "14/03/2025;vue au forum\r\n"
    "Guého;Yannick;;;Saint-Nicolas-de-Redon;44460;homme;;;2025-04-02;\r\n"
)


def test_windows_1252_semicolon_accented_headers(runner, pole, tmp_path):
    path = csv_file(tmp_path, WIN_FILE, encoding="cp1252")
    result = run(runner, "people", path, pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Colonnes inconnues ignorées : Remarque" in result.output
    assert "Créées : 2" in result.output
    elodie, yannick = persons(pole)
    assert (elodie.last_name, elodie.first_name, elodie.email) == (
        "Le Hénaff",
        "Élodie",
        "elodie@example.org",
    )
    assert (elodie.postal_code, elodie.gender, elodie.birth_year) == ("35600", "femme", 1985)
    assert elodie.first_contact_on == date(2025, 3, 14)
    assert elodie.situation == "Demandeuse d'emploi"
    assert yannick.first_contact_on == date(2025, 4, 2) and yannick.gender == "homme"
    assert "elodie" in elodie.search_text and "henaff" in elodie.search_text


def test_utf8_bom_comma_and_header_variants(runner, pole, tmp_path):
    text = 'prenom,NOM,email,code_postal\n"Anne, dite Annie",Morvan,anne@example.org,1000\n'
    path = csv_file(tmp_path, text, bom=True)
    result = run(runner, "people", path, pole, "--commit")
    assert result.exit_code == 0, result.output
    (anne,) = persons(pole)
    assert (
        anne.first_name == "Anne, dite Annie" and anne.last_name == "Morvan" and anne.postal_code == "01000"
    )


def test_prenom_header_in_capitals(runner, pole, tmp_path):
    path = csv_file(tmp_path, "PRENOM;nom\nJean;Martin\n")
    assert run(runner, "people", path, pole, "--commit").exit_code == 0
    assert [p.first_name for p in persons(pole)] == ["Jean"]


def test_dry_run_writes_nothing_and_says_what_it_would_do(runner, pole, tmp_path):
    path = csv_file(tmp_path, "nom;prenom\nMartin;Jean\nDurand;Léa\n")
    result = run(runner, "people", path, pole)
    assert result.exit_code == 0
    assert "Simulation" in result.output and "À créer : 2" in result.output
    assert count(pole) == 0


def test_rejected_rows_have_line_column_and_french_reason(runner, pole, tmp_path):
    text = (
        "nom;prenom;email;date_premier_contact;annee_naissance\n"
        "Martin;Jean;jean@example.org;14/03/2025;1990\n"
        'Durand;"Léa\nMarie";pas-une-adresse;;\n'  # quoted newline: this row spans lines 3-4
        "Petit;Paul;;31/02/2025;\n"  # line 5
        ";Zoé;;;deux mille\n"  # line 6
    )
    path = csv_file(tmp_path, text)
    result = run(runner, "people", path, pole)
    assert result.exit_code == 1
    assert "ligne 3, colonne email : adresse invalide" in result.output
    assert "ligne 5, colonne date_premier_contact : date inexistante « 31/02/2025 »" in result.output
    assert "ligne 6, colonne nom : valeur obligatoire manquante" in result.output
    assert "ligne 6, colonne annee_naissance : nombre entier attendu" in result.output
    assert "Rejetées : 3" in result.output and "À créer : 1" in result.output


def test_bad_date_format_is_explained(runner, pole, tmp_path):
    path = csv_file(tmp_path, "nom;prenom;date_premier_contact\nMartin;Jean;14.03.2025\n")
    result = run(runner, "people", path, pole)
    assert result.exit_code == 1
    assert (
        "ligne 2, colonne date_premier_contact : date invalide « 14.03.2025 » "
        "(attendu JJ/MM/AAAA ou AAAA-MM-JJ)" in result.output
    )


def test_commit_is_all_or_nothing(runner, pole, tmp_path):
    path = csv_file(tmp_path, "nom;prenom;email\nMartin;Jean;jean@example.org\nDurand;Léa;faux\n")
    result = run(runner, "people", path, pole, "--commit")
    assert result.exit_code == 1
    assert "rien n'a été écrit" in result.output
    assert "ligne 3, colonne email : adresse invalide" in result.output
    assert count(pole) == 0
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import.commit")) == 0
    )


def test_skip_invalid_writes_valid_rows_and_exits_1(runner, pole, tmp_path):
    path = csv_file(tmp_path, "nom;prenom;email\nMartin;Jean;jean@example.org\nDurand;Léa;faux\n")
    result = run(runner, "people", path, pole, "--commit", "--skip-invalid")
    assert result.exit_code == 1
    assert "Créées : 1" in result.output and "ligne 3, colonne email : adresse invalide" in result.output
    assert [p.email for p in persons(pole)] == ["jean@example.org"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.commit")).one()
    assert event.pole_id == pole.id
    assert event.changes == {"kind": "people", "created": 1, "updated": 0, "rejected": 1}


def test_reimport_creates_nothing_then_updates_changed_fields(runner, pole, tmp_path):
    text = (
        "nom;prenom;email;commune;code_postal\n"
        "Martin;Jean;jean@example.org;Redon;35600\n"
        "Durand;Léa;;Allaire;56350\n"
    )
    path = csv_file(tmp_path, text)
    assert run(runner, "people", path, pole, "--commit").exit_code == 0
    again = run(runner, "people", path, pole, "--commit")
    assert again.exit_code == 0
    assert (
        "Créées : 0" in again.output
        and "Mises à jour : 0" in again.output
        and "Inchangées : 2" in again.output
    )
    assert count(pole) == 2
    changed = csv_file(
        tmp_path,
        "nom;prenom;email;commune;code_postal\nMARTIN;jean;jean@example.org;Rennes;35000\nDURAND;Lea;;;56350\n",
        name="g.csv",
    )
    result = run(runner, "people", changed, pole, "--commit")
    assert result.exit_code == 0
    assert "Mises à jour : 1" in result.output and "Inchangées : 1" in result.output
    jean, lea = persons(pole)
    # Names differing only by case or accents are kept; an empty cell erases nothing.
    assert (jean.last_name, jean.commune, jean.postal_code) == ("Martin", "Rennes", "35000")
    assert (lea.first_name, lea.commune) == ("Léa", "Allaire")
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "person.update")) == 1
    )


def test_matches_by_email_else_names_and_postal_code(runner, pole, tmp_path):
    by_email = PersonFactory(pole_id=pole.id, first_name="Jean", last_name="Martin", email="jm@example.org")
    by_names = PersonFactory(pole_id=pole.id, first_name="Léa", last_name="Le Goff", postal_code="35600")
    text = (
        "nom;prenom;email;code_postal;telephone\n"
        "Martin-Dupré;Jean;jm@example.org;;0601\n"
        "LE GOFF;Lea;lea@example.org;35600;0602\n"
        "Le Goff;Léa;;44000;0603\n"  # same names, other postal code: another person
    )
    result = run(runner, "people", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Créées : 1" in result.output and "Mises à jour : 2" in result.output
    assert (by_email.phone, by_email.last_name) == ("0601", "Martin-Dupré")
    assert (by_names.phone, by_names.email) == ("0602", "lea@example.org")
    assert count(pole) == 3


def test_same_new_person_twice_in_one_file_is_created_once(runner, pole, tmp_path):
    text = (
        "nom;prenom;email;commune\n"
        "Martin;Jean;jean@example.org;\n"
        "martin;JEAN;JEAN@example.org;Redon\n"
        "Petit;Ana;;\n"
        "Petit;Ana;;\n"
    )
    result = run(runner, "people", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0, result.output
    assert count(pole) == 2
    assert persons(pole)[0].commune == "Redon"


def test_pole_isolation(runner, pole, other_pole, tmp_path):
    theirs = PersonFactory(
        pole_id=other_pole.id, first_name="Jean", last_name="Martin", email="jean@example.org"
    )
    path = csv_file(tmp_path, "nom;prenom;email;commune\nMartin;Jean;jean@example.org;Redon\n")
    result = run(runner, "people", path, pole, "--commit")
    assert "Créées : 1" in result.output
    assert count(pole) == 1 and count(other_pole) == 1
    assert theirs.commune is None


def test_ambiguous_names_are_rejected(runner, pole, tmp_path):
    PersonFactory(pole_id=pole.id, first_name="Jean", last_name="Martin", postal_code="35600")
    PersonFactory(pole_id=pole.id, first_name="Jean", last_name="Martin", postal_code="44000")
    result = run(runner, "people", csv_file(tmp_path, "nom;prenom\nMartin;Jean\n"), pole)
    assert result.exit_code == 1
    assert "ligne 2, colonne nom : 2 personnes du pôle portent ce nom" in result.output


def test_extra_cells_and_blank_rows(runner, pole, tmp_path):
    text = "nom;prenom\nMartin;Jean\n;\n\nPetit;Ana;en trop\n"
    result = run(runner, "people", csv_file(tmp_path, text), pole)
    assert result.exit_code == 1
    assert "ligne 5 : la ligne a plus de cellules" in result.output
    assert "Rejetées : 1" in result.output and "À créer : 1" in result.output


def test_unknown_gender_is_rejected(runner, pole, tmp_path):
    result = run(runner, "people", csv_file(tmp_path, "nom;prenom;genre\nMartin;Jean;robot\n"), pole)
    assert "ligne 2, colonne genre : genre inconnu « robot »" in result.output


def test_exit_2_for_unreadable_files(runner, pole, tmp_path):
    def assert_unreadable(result, message):
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert result.stdout == ""

    assert_unreadable(run(runner, "people", tmp_path / "absent.csv", pole), "fichier introuvable")
    png = tmp_path / "image.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    assert_unreadable(run(runner, "people", png, pole), "n'est pas un fichier CSV")
    undecodable = tmp_path / "bad.csv"
    undecodable.write_bytes(b"nom;prenom\nA\x81\x8d;B\n")
    assert_unreadable(run(runner, "people", undecodable, pole), "Encodage")
    missing = csv_file(tmp_path, "nom;email\nMartin;a@example.org\n", name="missing.csv")
    assert_unreadable(run(runner, "people", missing, pole), "Colonne obligatoire absente : prenom")
    good = csv_file(tmp_path, "nom;prenom\nMartin;Jean\n", name="good.csv")
    assert_unreadable(run(runner, "sandwiches", good, pole), "Type d'import inconnu « sandwiches »")
    assert_unreadable(run(runner, "people", good, "pole-inconnu"), "pôle inconnu « pole-inconnu »")
    assert_unreadable(run(runner, "people", csv_file(tmp_path, "", name="empty.csv"), pole), "vide")
    assert count(pole) == 0


def test_shared_email_with_other_names_is_rejected(runner, pole, tmp_path):
    text = (
        "nom;prenom;email\n"
        "Martin;Jean;famille@example.org\n"
        "Martin;Jeanne;famille@example.org\n"  # one name in common: the same person, renamed
        "Durand;Léa;famille@example.org\n"
    )
    result = run(runner, "people", csv_file(tmp_path, text), pole, "--commit", "--skip-invalid")
    assert result.exit_code == 1
    assert "ligne 4, colonne email : adresse déjà utilisée dans le pôle par Jeanne Martin" in result.output
    assert [p.full_name for p in persons(pole)] == ["Jeanne Martin"]
