"""`flask import people` writes in batches: constant statements, same results and journal."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.extensions import db
from app.imports.importers import PeopleImporter
from app.people.models import Person
from app.people.services import PersonBatch
from tests.imports.factories import PersonFactory
from tests.imports.helpers import csv_file, run


def people_file(tmp_path, rows: int, prefix: str):
    lines = ["nom;prenom;email;telephone;commune;code_postal;genre;annee_naissance"]
    for i in range(rows):
        # Alternate empty cells: the rows do not all set the same columns.
        lines.append(
            f"Nom{i};{prefix}{i};{prefix}{i}@example.org;{'06 01' if i % 2 else ''};Redon;35600;"
            f"{('F', 'H', '')[i % 3]};{1960 + i}"
        )
    return csv_file(tmp_path, "\n".join(lines) + "\n", name=f"{prefix}.csv")


def persons(pole):
    return db.session.scalars(select(Person).where(Person.pole_id == pole.id).order_by(Person.id)).all()


def events(action: str):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


@pytest.mark.parametrize("flags", [(), ("--commit",)])
def test_statement_count_does_not_grow_with_the_number_of_rows(runner, pole, tmp_path, count_queries, flags):
    counts = []
    for rows, prefix in ((5, "cinq"), (50, "cinquante")):
        db.session.expire_all()  # both runs start from the same session state
        with count_queries() as counter:
            result = run(runner, "people", people_file(tmp_path, rows, prefix), pole, *flags)
        assert result.exit_code == 0, result.output
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    if flags:
        assert len(persons(pole)) == 55 and len(events("person.create")) == 55


def test_rows_across_batches_match_earlier_rows_and_are_journaled(runner, pole, tmp_path, monkeypatch):
    monkeypatch.setattr(PeopleImporter, "batch_size", 2)
    existing = PersonFactory(pole_id=pole.id, first_name="Jean", last_name="Martin", email="jean@example.org")
    text = (
        "nom;prenom;email;commune;code_postal\n"
        "Durand;Léa;lea@example.org;;\n"  # batch 1: created
        "Petit;Ana;;Redon;35600\n"  # batch 1: created
        "DURAND;Lea;lea@example.org;Allaire;\n"  # batch 2: updates Léa of batch 1
        "Martin;Jean;jean@example.org;Vannes;\n"  # batch 2: updates an existing person
        "Petit;Ana;;Redon;35600\n"  # batch 3: unchanged
        "Morvan;Anne;anne@example.org;;\n"  # batch 3: created
    )
    result = run(runner, "people", csv_file(tmp_path, text), pole, "--commit")
    assert result.exit_code == 0, result.output
    assert "Créées : 3" in result.output and "Mises à jour : 2" in result.output
    assert "Inchangées : 1" in result.output
    jean, lea, ana, anne = persons(pole)
    assert jean.id == existing.id and jean.commune == "Vannes"
    assert (lea.first_name, lea.commune, ana.commune, anne.email) == (
        "Léa",
        "Allaire",
        "Redon",
        "anne@example.org",
    )
    assert "durand lea lea@example.org allaire" in lea.search_text

    created = events("person.create")
    assert [(e.target_type, e.target_id, e.pole_id) for e in created] == [
        ("Person", p.id, pole.id) for p in (lea, ana, anne)
    ]
    # The journal names the fields written, never their free-text values (issue 19).
    assert created[0].changes == {"last_name": "…", "first_name": "…", "email": "…"}
    assert created[1].changes == {"last_name": "…", "first_name": "…", "commune": "…", "postal_code": "…"}
    updated = events("person.update")
    assert [(e.target_id, e.changes) for e in updated] == [
        (lea.id, {"commune": [None, "…"]}),
        (jean.id, {"commune": [None, "…"]}),
    ]


def test_dry_run_over_several_batches_writes_nothing(runner, pole, tmp_path, monkeypatch):
    monkeypatch.setattr(PeopleImporter, "batch_size", 3)
    result = run(runner, "people", people_file(tmp_path, 10, "essai"), pole)
    assert result.exit_code == 0 and "À créer : 10" in result.output
    assert persons(pole) == [] and events("person.create") == []


def test_email_of_an_anonymized_person_is_refused_without_writing_the_row(runner, pole, tmp_path):
    PersonFactory(
        pole_id=pole.id,
        first_name="X",
        last_name="X",
        email="old@example.org",
        anonymized_at=datetime.now(UTC),
    )
    text = "nom;prenom;email\nMartin;Jean;jean@example.org\nDurand;Léa;old@example.org\nPetit;Ana;\n"
    result = run(runner, "people", csv_file(tmp_path, text), pole, "--commit", "--skip-invalid")
    assert result.exit_code == 1
    assert "ligne 3 : Une personne du pôle a déjà cette adresse e-mail." in result.output
    assert [p.first_name for p in persons(pole)] == ["X", "Jean", "Ana"]
    assert len(events("person.create")) == 2


def test_a_conflict_in_a_batch_replays_its_rows_one_by_one(runner, pole, tmp_path, monkeypatch):
    # As if another user had just saved this e-mail: the batch's INSERT hits the unique key.
    PersonFactory(
        pole_id=pole.id,
        first_name="X",
        last_name="X",
        email="old@example.org",
        anonymized_at=datetime.now(UTC),
    )
    monkeypatch.setattr(PersonBatch, "_taken", lambda self, email, exclude=None: False)
    monkeypatch.setattr(PeopleImporter, "batch_size", 2)
    text = (
        "nom;prenom;email;commune\n"
        "Martin;Jean;jean@example.org;\n"
        "Durand;Léa;old@example.org;\n"  # batch 1 conflicts
        "Martin;Jean;jean@example.org;Redon\n"  # batch 2 updates Jean, replayed in batch 1
        "Petit;Ana;;\n"
    )
    result = run(runner, "people", csv_file(tmp_path, text), pole, "--commit", "--skip-invalid")
    assert result.exit_code == 1, result.output
    assert "Créées : 2" in result.output and "Mises à jour : 1" in result.output
    assert "ligne 3 : Une personne du pôle a déjà cette adresse e-mail." in result.output
    assert [(p.first_name, p.commune) for p in persons(pole)] == [
        ("X", None),
        ("Jean", "Redon"),
        ("Ana", None),
    ]
    assert [e.target_id for e in events("person.create")] == [p.id for p in persons(pole)[1:]]
    assert len(events("person.update")) == 1
