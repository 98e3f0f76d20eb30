"""The registry lets other domains add importers: a toy one exercises the framework."""

from datetime import time

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.imports import base
from app.imports.base import Column, Importer, PlanItem, Row, run_import
from app.imports.reader import ImportFileError
from app.poles.models import Thematic


class ToyImporter(Importer):
    kind = "toys"
    label = "Jouets"
    columns = (
        Column("titre", required=True),
        Column("heure"),
        Column("type", aliases=("catégorie",)),
        Column("actif"),
    )

    def prepare(self) -> None:
        self.applied: list[PlanItem] = []

    def plan_row(self, row: Row) -> PlanItem:
        title = row.required_text("titre")
        at = row.time("heure")
        kind = row.choice("type", {"Atelier collectif": "atelier", "individuel": "individuel"}, "type")
        active = row.boolean("actif")
        if row.errors:
            return self.error(row, title or "")
        return PlanItem(row.line, "create", label=title, payload={"at": at, "kind": kind, "active": active})

    def apply(self, item: PlanItem) -> None:
        self.applied.append(item)


@pytest.fixture
def toys(monkeypatch):
    monkeypatch.setitem(base.REGISTRY, "toys", ToyImporter)


def test_a_registered_importer_runs_with_the_shared_reading_rules(db, pole, toys):
    data = "Titre;Heure;Catégorie;Actif\nA;9h30;atelier COLLECTIF;x\nB;25:00;;\nC;;visio;vrai\n".encode(
        "cp1252"
    )
    report = run_import("toys", pole, data, commit=False)
    assert [(i.line, i.action) for i in report.items] == [(2, "create"), (3, "error"), (4, "error")]
    assert report.items[0].payload == {"at": time(9, 30), "kind": "atelier", "active": True}
    assert [str(e) for e in report.errors] == [
        "ligne 3, colonne heure : heure inexistante « 25:00 »",
        "ligne 4, colonne type : type inconnu « visio » (valeurs possibles : atelier, individuel)",
    ]
    assert report.counts["create"] == 1 and report.counts["error"] == 2 and not report.committed


def test_unknown_kind_lists_the_registered_ones(db, pole, toys):
    with pytest.raises(ImportFileError, match="collectives, people, referrals, sessions, structures, toys"):
        run_import("jouets", pole, b"titre\nA\n", commit=False)


class ThematicImporter(Importer):
    kind = "thematics-toy"
    label = "Thématiques"
    columns = (Column("nom", required=True),)

    def plan_row(self, row: Row) -> PlanItem:
        return PlanItem(row.line, "create", label=row.required_text("nom"))

    def apply(self, item: PlanItem) -> None:
        _db.session.add(Thematic(pole_id=self.pole.id, name=item.label, position=99))


def test_a_database_conflict_rejects_the_row_not_the_file(db, pole, monkeypatch):
    monkeypatch.setitem(base.REGISTRY, "thematics-toy", ThematicImporter)
    report = run_import(
        "thematics-toy",
        pole,
        "nom\nNumérique\nCommunication\nSanté\n".encode(),
        commit=True,
        skip_invalid=True,
    )
    assert [(i.line, i.action) for i in report.items] == [(2, "create"), (3, "error"), (4, "create")]
    assert str(report.errors[0]) == "ligne 3 : conflit avec une donnée existante (doublon)"
    names = db.session.scalars(
        select(Thematic.name).where(Thematic.pole_id == pole.id, Thematic.position == 99)
    )
    assert sorted(names) == ["Numérique", "Santé"]


class BatchedThematicImporter(ThematicImporter):
    """The same, writing in batches: apply only adds, write_batch flushes."""

    kind = "thematics-batched-toy"
    batch_size = 2

    def write_batch(self) -> None:
        _db.session.flush()


def test_a_database_conflict_in_a_batch_rejects_the_row_not_the_batch(db, pole, monkeypatch):
    monkeypatch.setitem(base.REGISTRY, "thematics-batched-toy", BatchedThematicImporter)
    report = run_import(
        "thematics-batched-toy",
        pole,
        "nom\nNumérique\nCommunication\nSanté\nCulture\nSport\n".encode(),
        commit=True,
        skip_invalid=True,
    )
    assert [(i.line, i.action) for i in report.items] == [
        (2, "create"),
        (3, "error"),
        (4, "create"),
        (5, "create"),
        (6, "create"),
    ]
    assert str(report.errors[0]) == "ligne 3 : conflit avec une donnée existante (doublon)"
    names = db.session.scalars(
        select(Thematic.name).where(Thematic.pole_id == pole.id, Thematic.position == 99)
    )
    assert sorted(names) == ["Culture", "Numérique", "Santé", "Sport"]
