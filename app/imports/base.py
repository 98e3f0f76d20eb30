"""The import framework: columns, rows, plans, the importer registry and the run.

Adding an importer (e.g. `sessions` or `referrals`) takes one class in a module named
`importers.py` in your domain package (`app/sessions/importers.py`), registered with
`@register`; every domain's `importers` module is imported when the registry is first
read, so nothing else needs editing::

    from flask_babel import lazy_gettext as _l

    from app.imports.base import Column, Importer, PlanItem, Row, register

    @register
    class SessionsImporter(Importer):
        kind = "sessions"                      # the KIND of `flask import KIND FILE`
        label = _l("Séances")                  # shown in the web form
        columns = (                            # headers match key or alias, folded
            Column("date", required=True),
            Column("heure", required=True),
            Column("participant_email", aliases=("email participant",)),
        )

        def prepare(self) -> None:             # optional: load lookups once per file
            self.persons = PersonIndex(self.pole.id)   # see app.imports.importers

        def plan_row(self, row: Row) -> PlanItem:
            on = row.date("date")              # parse helpers record errors on the row
            kind = row.choice("type", SESSION_KINDS, "type de séance")
            ...                                # match existing records (reads only)
            if row.errors:
                return self.error(row)
            return PlanItem(row.line, "create", label="…", payload={...})

        def apply(self, item: PlanItem) -> None:
            ...                                # write (add + flush), never commit

`run_import` plans and applies row by row inside a savepoint, so later rows of the file
see what earlier rows created (no duplicates within one file: keep your lookups up to
date in `apply`), and a dry run, or a refused commit, is simply rolled back. Row parse
helpers (`row.date`, `row.time`, `row.boolean`, `row.email`, `row.thematics`,
`row.choice`…) never raise: they return None and record a French reason with the line
number and the column. References that do not resolve are row errors too
(`row.error("colonne", "raison")`). `apply` runs only for "create" and "update" items;
a database conflict there rejects the row, not the file.

Row by row costs a savepoint and a flush per row. An importer of big files may set
`batch_size` and write in batches instead (see the people importer): while
`self.deferred` is true, `apply` only adds to the session and its in-memory lookups
(checking what the database would refuse against them, and raising a refusal before
writing anything), and `write_batch` writes the batch with a constant number of
statements. A database conflict in a batch rolls it back and replays its rows one by
one, the usual way: same results, same messages.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from app.extensions import db
from app.imports import reader
from app.imports.reader import CellError, ImportFileError, fold_key
from app.poles.models import Pole, Thematic

ACTIONS = ("create", "update", "unchanged", "error")


@dataclass(frozen=True)
class Column:
    """A column of an import file; headers match `key`, `label` or an alias, folded."""

    key: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {fold_key(self.key), *(fold_key(a) for a in self.aliases)}


@dataclass
class RowError:
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.column:
            return f"ligne {self.line}, colonne {self.column} : {self.reason}"
        return f"ligne {self.line} : {self.reason}"


@dataclass
class PlanItem:
    """What one row does: create / update / unchanged / error."""

    line: int
    action: str
    label: str = ""
    errors: list[RowError] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)  # {field: [old, new]} for updates
    notes: list[str] = field(default_factory=list)  # e.g. "collectif créé"
    payload: dict[str, Any] = field(default_factory=dict)  # importer-private


class Row:
    """One data row: its cells by column key, and the errors found while parsing it."""

    def __init__(self, line: int, values: dict[str, str], present: set[str], importer: "Importer"):
        self.line = line
        self.values = values
        self.present = present  # column keys the file has
        self.importer = importer
        self.errors: list[RowError] = []

    def error(self, column: str | None, reason: str) -> None:
        self.errors.append(RowError(self.line, column, reason))

    def has(self, key: str) -> bool:
        """Whether the file has this column (even when this row's cell is empty)."""
        return key in self.present

    def text(self, key: str, max_length: int | None = None) -> str | None:
        value = self.values.get(key, "")
        if not value:
            return None
        if max_length and len(value) > max_length:
            self.error(key, f"texte trop long ({len(value)} caractères, {max_length} au plus)")
            return None
        return value

    def required_text(self, key: str, max_length: int | None = None) -> str | None:
        value = self.text(key, max_length)
        if value is None and not any(e.column == key for e in self.errors):
            self.error(key, "valeur obligatoire manquante")
        return value

    def parsed(self, key: str, parser: Callable[[str], Any]) -> Any:
        """Parse a non-empty cell with `parser`; None for an empty cell or an invalid one."""
        value = self.values.get(key, "")
        if not value:
            return None
        try:
            return parser(value)
        except CellError as exc:
            self.error(key, str(exc))
            return None

    def date(self, key: str) -> date | None:
        return self.parsed(key, reader.parse_date)

    def time(self, key: str) -> time | None:
        return self.parsed(key, reader.parse_time)

    def email(self, key: str) -> str | None:
        return self.parsed(key, reader.parse_email)

    def integer(self, key: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        return self.parsed(key, lambda v: reader.parse_int(v, minimum, maximum))

    def boolean(self, key: str) -> bool | None:
        """True/False when the file has the column (an empty cell is False), else None."""
        if not self.has(key):
            return None
        try:
            return reader.parse_bool(self.values.get(key, ""))
        except CellError as exc:
            self.error(key, str(exc))
            return None

    def choice(self, key: str, choices: dict[str, str] | tuple[str, ...], what: str) -> str | None:
        """A code among `choices` ({label: code} or codes), matched folded; None when empty."""
        if not isinstance(choices, dict):
            choices = {code: code for code in choices}
        folded = {fold_key(label): code for label, code in choices.items()}
        return self.parsed(key, lambda value: reader.match_choice(value, folded, what))

    def thematics(self, key: str) -> list[Thematic] | None:
        """The pole's thematics named in a `|`- or `,`-separated cell; None when empty."""
        value = self.values.get(key, "")
        if not value:
            return None
        found: list[Thematic] = []
        for name in reader.split_list(value):
            thematic = self.importer.thematics_by_key().get(fold_key(name))
            if thematic is None:
                self.error(key, f"thématique inconnue « {name} »")
            elif thematic not in found:
                found.append(thematic)
        return found


class Importer:
    """Base class of an importer: declare `kind`, `label`, `columns`; implement plan_row/apply."""

    kind: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    columns: ClassVar[tuple[Column, ...]] = ()
    # Business refusals raised by the domain services `apply` calls: they reject the row.
    refusals: ClassVar[tuple[type[Exception], ...]] = ()
    # Rows per batch when the importer can defer its writes (0: one savepoint and flush per
    # row). While `self.deferred` is true, `apply` must not flush (a refusal must leave
    # nothing behind) and `write_batch` writes what it deferred; see `run_import`.
    batch_size: ClassVar[int] = 0

    def __init__(self, pole: Pole):
        self.pole = pole
        self._thematics: dict[str, Thematic] | None = None
        self.deferred = False

    def prepare(self) -> None:
        """Load lookups once before the first row (optional)."""

    def plan_row(self, row: Row) -> PlanItem:  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, item: PlanItem) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def write_batch(self) -> None:
        """Write what `apply` deferred (importers with a `batch_size` only)."""

    def error(self, row: Row, label: str = "") -> PlanItem:
        return PlanItem(row.line, "error", label=label, errors=list(row.errors))

    def thematics_by_key(self) -> dict[str, Thematic]:
        if self._thematics is None:
            rows = db.session.scalars(select(Thematic).where(Thematic.pole_id == self.pole.id)).all()
            # Active thematics win over a deactivated one folding to the same name.
            ordered = sorted(rows, key=lambda t: t.active)
            self._thematics = {fold_key(t.name): t for t in ordered}
        return self._thematics


REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator adding an importer to the registry under its `kind`."""
    REGISTRY[cls.kind] = cls
    return cls


def importers() -> dict[str, type[Importer]]:
    """The registry, after importing every domain's `importers` module (which registers)."""
    from app import domain_module, existing_domains

    for domain in existing_domains():
        domain_module(domain, "importers")
    return REGISTRY


def get_importer(kind: str) -> type[Importer]:
    cls = importers().get((kind or "").strip().lower())
    if cls is None:
        known = ", ".join(sorted(REGISTRY))
        raise ImportFileError(f"Type d'import inconnu « {kind} » (types possibles : {known}).")
    return cls


@dataclass
class ImportReport:
    kind: str
    items: list[PlanItem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def counts(self) -> Counter:
        counts = Counter({action: 0 for action in ACTIONS})
        counts.update(item.action for item in self.items)
        return counts

    @property
    def rejected(self) -> list[PlanItem]:
        return [item for item in self.items if item.action == "error"]

    @property
    def errors(self) -> list[RowError]:
        return [error for item in self.rejected for error in item.errors]

    @property
    def notes(self) -> Counter:
        return Counter(note for item in self.items if item.action != "error" for note in item.notes)


def map_headers(importer_cls: type[Importer], headers: list[str]) -> tuple[dict[int, str], list[str]]:
    """{cell index: column key} and the unknown headers; ImportFileError on a missing column."""
    by_name: dict[str, str] = {}
    for column in importer_cls.columns:
        for name in column.names():
            by_name.setdefault(name, column.key)
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        key = by_name.get(fold_key(header))
        if key is None or key in mapping.values():
            if header:
                unknown.append(header)
            continue
        mapping[index] = key
    missing = [c.key for c in importer_cls.columns if c.required and c.key not in mapping.values()]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ImportFileError(
            f"Colonne{plural} obligatoire{plural} absente{plural} : {', '.join(missing)}. "
            f"Colonnes trouvées : {', '.join(h for h in headers if h) or 'aucune'}."
        )
    return mapping, unknown


def run_import(
    kind: str, pole: Pole, data: bytes, *, commit: bool, skip_invalid: bool = False
) -> ImportReport:
    """Plan and apply a file inside a savepoint; keep the writes only when allowed.

    The writes are kept (flushed, for the caller to commit) when `commit` is true and every
    row is valid, or `skip_invalid` is true. Raises ImportFileError for an unreadable file.
    """
    importer_cls = get_importer(kind)
    table = reader.read_csv(data)
    mapping, unknown = map_headers(importer_cls, table.headers)
    report = ImportReport(kind=importer_cls.kind, unknown_columns=unknown)
    present = set(mapping.values())
    importer = importer_cls(pole)

    def make_row(raw) -> Row:
        values = {key: raw.cells[index] if index < len(raw.cells) else "" for index, key in mapping.items()}
        row = Row(raw.line, values, present, importer)
        extra = [c for i, c in enumerate(raw.cells) if i >= len(table.headers) and c]
        if extra:
            row.error(None, "la ligne a plus de cellules que l'en-tête n'a de colonnes")
        return row

    savepoint = db.session.begin_nested()
    try:
        importer.prepare()
        if importer.batch_size:
            for start in range(0, len(table.rows), importer.batch_size):
                batch = table.rows[start : start + importer.batch_size]
                report.items.extend(_run_batch(importer, batch, make_row))
        else:
            report.items.extend(_plan_and_apply(importer, make_row(raw)) for raw in table.rows)
    except BaseException:
        savepoint.rollback()
        raise
    keep = commit and (skip_invalid or not report.rejected)
    if keep:
        savepoint.commit()
        report.committed = True
    else:
        savepoint.rollback()
    return report


def _plan(importer: Importer, row: Row) -> PlanItem:
    item = importer.plan_row(row)
    if row.errors and item.action != "error":
        item = importer.error(row, item.label)
    return item


def _plan_and_apply(importer: Importer, row: Row) -> PlanItem:
    """Plan one row and apply it at once, in its own savepoint."""
    item = _plan(importer, row)
    if item.action in ("create", "update"):
        _apply_item(importer, item)
    return item


def _run_batch(importer: Importer, raws: list, make_row: Callable[[Any], Row]) -> list[PlanItem]:
    """Plan and apply rows with deferred writes, written together at the end of the batch.

    Later rows still see what earlier ones created (the importer's lookups are kept up to
    date in memory). When the batch's writes hit a database conflict, the batch is rolled
    back and its rows are planned and applied again one by one, each in its own savepoint,
    so that the conflict rejects its row only, exactly as without batches.
    """
    savepoint = db.session.begin_nested()
    items: list[PlanItem] = []
    importer.deferred = True
    try:
        for raw in raws:
            item = _plan(importer, make_row(raw))
            if item.action in ("create", "update"):
                try:
                    importer.apply(item)
                except importer.refusals as exc:
                    _reject(item, str(exc))
            items.append(item)
        importer.write_batch()
    except (IntegrityError, DataError):
        savepoint.rollback()
        importer.deferred = False
        importer.prepare()  # the lookups hold objects of the rolled-back batch
        items = [_plan_and_apply(importer, make_row(raw)) for raw in raws]
        importer.prepare()  # fresh lookups for the next batch, deferred again
        return items
    except BaseException:
        savepoint.rollback()
        raise
    finally:
        importer.deferred = False
    savepoint.commit()
    return items


def _reject(item: PlanItem, reason: str) -> None:
    item.action = "error"
    item.errors.append(RowError(item.line, None, reason))


def _apply_item(importer: Importer, item: PlanItem) -> None:
    """Apply one item in its own savepoint: a database conflict rejects the row, not the file."""
    row_savepoint = db.session.begin_nested()
    try:
        importer.apply(item)
        db.session.flush()
    except (IntegrityError, DataError) as exc:
        row_savepoint.rollback()
        reason = (
            "conflit avec une donnée existante (doublon)"
            if isinstance(exc, IntegrityError)
            else "valeur refusée par la base de données"
        )
        _reject(item, reason)
        importer.prepare()  # the lookups may hold objects of the rolled-back savepoint
        return
    except importer.refusals as exc:
        row_savepoint.rollback()
        _reject(item, str(exc))
        importer.prepare()
        return
    row_savepoint.commit()
