"""`flask import collectives`: one row per membership."""

from datetime import date

from sqlalchemy import select

from app.collectives.models import Collective, Membership
from app.extensions import db
from app.people.models import Person
from tests.imports.factories import CollectiveFactory, PersonFactory, StructureFactory
from tests.imports.helpers import csv_file, run


def memberships(pole):
    return db.session.scalars(
        select(Membership).where(Membership.pole_id == pole.id).order_by(Membership.id)
    ).all()


def test_creates_collective_person_membership_and_resolves_structures(runner, pole, tmp_path):
    cress = StructureFactory(pole_id=pole.id, name="CRESS Bretagne")
    known = PersonFactory(pole_id=pole.id, first_name="Anne", last_name="Morvan", email="anne@example.org")
    text = (
        "Collectif;Nom;Prénom;Email;Structure;Rôle;Date entrée\n"
        "Tiers-lieu de Redon;Morvan;Anne;anne@example.org;cress bretagne;Référente;01/09/2024\n"
        "Tiers-lieu de Redon;Briand;Nolwenn;;;référent·e;2024-10-15\n"
        "tiers lieu de redon;BRIAND;Nolwenn;;;Référente;\n"
        "Épicerie solidaire;Briand;Nolwenn;;;Trésorière;\n"
        "Épicerie solidaire;Guého;Yann;yann@example.org;;;\n"
    )
    result = run(runner, "collectives", csv_file(tmp_path, text, encoding="cp1252"), pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Créées : 4" in result.output and "Inchangées : 1" in result.output
    assert "dont collectif créé : 2" in result.output and "dont personne créée : 2" in result.output
    collectives = db.session.scalars(
        select(Collective).where(Collective.pole_id == pole.id).order_by(Collective.id)
    ).all()
    assert [c.name for c in collectives] == ["Tiers-lieu de Redon", "Épicerie solidaire"]
    people = db.session.scalars(select(Person).where(Person.pole_id == pole.id).order_by(Person.id)).all()
    assert [p.full_name for p in people] == ["Anne Morvan", "Nolwenn Briand", "Yann Guého"]
    anne, nolwenn, nolwenn_epicerie, yann = memberships(pole)
    assert (anne.person, anne.structure, anne.role, anne.joined_on) == (
        known,
        cress,
        "referent",
        date(2024, 9, 1),
    )
    assert (nolwenn.role, nolwenn.joined_on, nolwenn.structure) == ("referent", date(2024, 10, 15), None)
    assert nolwenn_epicerie.role == "Trésorière" and nolwenn_epicerie.person == nolwenn.person
    assert yann.role == "membre" and yann.person.email == "yann@example.org"

    again = run(runner, "collectives", csv_file(tmp_path, text, encoding="cp1252"), pole, "--commit")
    assert again.exit_code == 0
    assert (
        "Créées : 0" in again.output
        and "Mises à jour : 0" in again.output
        and "Inchangées : 5" in again.output
    )


def test_unknown_structure_is_an_error_and_other_poles_are_not_seen(runner, pole, other_pole, tmp_path):
    StructureFactory(pole_id=other_pole.id, name="URSCOP Ouest")
    theirs = PersonFactory(pole_id=other_pole.id, first_name="Ana", last_name="Petit")
    CollectiveFactory(pole_id=other_pole.id, name="Jardin partagé")
    text = (
        "collectif;nom;prenom;structure\nJardin partagé;Martin;Jean;URSCOP Ouest\nJardin partagé;Petit;Ana;\n"
    )
    result = run(runner, "collectives", csv_file(tmp_path, text), pole, "--commit", "--skip-invalid")
    assert result.exit_code == 1
    assert "ligne 2, colonne structure : structure inconnue dans le pôle « URSCOP Ouest »" in result.output
    (membership,) = memberships(pole)
    assert membership.collective.pole_id == pole.id and membership.person.pole_id == pole.id
    assert membership.person != theirs


def test_existing_membership_is_updated(runner, pole, tmp_path):
    collective = CollectiveFactory(pole_id=pole.id, name="Habitat participatif")
    person = PersonFactory(pole_id=pole.id, first_name="Jean", last_name="Martin")
    db.session.add(Membership(pole_id=pole.id, collective=collective, person=person, role="membre"))
    db.session.flush()
    text = "collectif;nom;prenom;email;role\nHABITAT PARTICIPATIF;martin;jean;jean@example.org;élu·e\n"
    result = run(runner, "collectives", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Mises à jour : 1" in result.output
    (membership,) = memberships(pole)
    assert membership.role == "elu"
    assert person.email == "jean@example.org"


def test_missing_collective_column_cannot_be_read(runner, pole, tmp_path):
    result = run(runner, "collectives", csv_file(tmp_path, "nom;prenom\nMartin;Jean\n"), pole)
    assert result.exit_code == 2
    assert "Colonne obligatoire absente : collectif" in result.stderr
