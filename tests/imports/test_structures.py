"""`flask import structures`: SIRET, partner flag, thematic lists, matching."""

from sqlalchemy import func, select

from app.extensions import db
from app.poles.models import Thematic
from app.structures.models import Structure
from tests.imports.factories import StructureFactory
from tests.imports.helpers import csv_file, run

HEADER = (
    "Nom;Type;SIRET;Commune;Code postal;Site web;Partenaire;Thématiques;"
    "Contact nom;Contact email;Contact téléphone\n"
)


def structures(pole):
    return db.session.scalars(
        select(Structure).where(Structure.pole_id == pole.id).order_by(Structure.id)
    ).all()


def test_structures_with_thematic_lists_and_partner_flag(runner, pole, tmp_path):
    text = HEADER + (
        "DLA 35;association;732 829 320 00074;Rennes;35000;https://dla.example.org;oui;"
        "cadre juridique | MONTAGE FINANCIER;Anne Le Bihan;anne@dla.example.org;02 99 00 00 00\n"
        'Scop Ti;SCOP;;Gémenos;13420;;x;"Gouvernance partagee,Communication";;;\n'
        "Mairie de Redon;collectivité;;Redon;35600;www.redon.fr;;;;;\n"
    )
    result = run(runner, "structures", csv_file(tmp_path, text, encoding="cp1252"), pole, "--commit")
    assert result.exit_code == 0, result.output
    dla, scop, mairie = structures(pole)
    assert (dla.kind, dla.siret, dla.is_partner, dla.contact_email) == (
        "association",
        "73282932000074",
        True,
        "anne@dla.example.org",
    )
    assert [t.name for t in dla.thematics] == ["Cadre juridique", "Montage financier"]
    assert (scop.kind, scop.is_partner) == ("scop", True)
    assert sorted(t.name for t in scop.thematics) == ["Communication", "Gouvernance partagée"]
    assert (mairie.kind, mairie.is_partner, mairie.thematics) == ("collectivite", False, [])
    assert (dla.website, mairie.website) == ("https://dla.example.org", "https://www.redon.fr")
    again = run(runner, "structures", csv_file(tmp_path, text, encoding="cp1252"), pole, "--commit")
    assert (
        "Créées : 0" in again.output
        and "Mises à jour : 0" in again.output
        and "Inchangées : 3" in again.output
    )


def test_invalid_cells_are_reported(runner, pole, tmp_path):
    text = HEADER + (
        "A;association;73282932000075;;;;oui;;;;\n"
        "B;fondation;;;;;;;;;\n"
        "C;;;;;;peut-être;;;;\n"
        "D;;;;;;oui;Cadre juridique|Astrologie;;;\n"
        "E;;123;;;javascript:alert(1);;;;pas-une-adresse;\n"
    )
    result = run(runner, "structures", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 1
    out = result.output
    assert "ligne 2, colonne siret : SIRET invalide « 73282932000075 » (clé de contrôle incorrecte)" in out
    assert "ligne 3, colonne type : type de structure inconnu « fondation »" in out
    assert "ligne 4, colonne partenaire : valeur « peut-être » non reconnue (attendu oui ou non)" in out
    assert "ligne 5, colonne thematiques : thématique inconnue « Astrologie »" in out
    assert "ligne 6, colonne siret : SIRET invalide « 123 » (14 chiffres attendus)" in out
    assert "ligne 6, colonne contact_email : adresse invalide" in out
    assert "ligne 6, colonne site_web : adresse web invalide « javascript:alert(1) »" in out
    assert structures(pole) == []


def test_match_by_siret_else_name_and_update(runner, pole, other_pole, tmp_path):
    by_siret = StructureFactory(pole_id=pole.id, name="Ancien nom", siret="73282932000074")
    by_name = StructureFactory(pole_id=pole.id, name="Coopérative Élan")
    theirs = StructureFactory(pole_id=other_pole.id, name="Coopérative Élan")
    text = (
        "nom;siret;partenaire;thematiques\n"
        "Nouveau nom;73282932000074;oui;Communication\n"
        "COOPERATIVE ELAN;;;\n"
    )
    result = run(runner, "structures", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0, result.output
    assert (
        "Créées : 0" in result.output
        and "Mises à jour : 1" in result.output
        and "Inchangées : 1" in result.output
    )
    assert (by_siret.name, by_siret.is_partner) == ("Nouveau nom", True)
    assert [t.name for t in by_siret.thematics] == ["Communication"]
    assert by_name.name == "Coopérative Élan" and theirs.is_partner is False


def test_deactivated_thematic_is_matched_but_other_poles_thematics_are_not(
    runner, pole, other_pole, tmp_path
):
    db.session.add(Thematic(pole_id=other_pole.id, name="Numérique", position=9))
    old = db.session.scalars(
        select(Thematic).where(Thematic.pole_id == pole.id, Thematic.name == "Communication")
    ).one()
    old.active = False
    db.session.flush()
    text = "nom;thematiques\nA;Numérique\nB;communication\n"
    result = run(runner, "structures", csv_file(tmp_path, text), pole, "--commit", "--skip-invalid")
    assert "ligne 2, colonne thematiques : thématique inconnue « Numérique »" in result.output
    assert "Créées : 1" in result.output
    assert [t.name for t in structures(pole)[0].thematics] == ["Communication"]


def test_same_new_structure_twice_is_created_once(runner, pole, tmp_path):
    text = "nom;commune\nBGE Ille-et-Vilaine;\nbge ille et vilaine;Rennes\n"
    result = run(runner, "structures", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0
    (bge,) = structures(pole)
    assert bge.commune == "Rennes"
    assert db.session.scalar(select(func.count(Structure.id)).where(Structure.pole_id == pole.id)) == 1
