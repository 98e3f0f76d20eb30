"""Synthetic data at benchmark scale: `flask demo seed --scale pole|network`.

Deterministic for a given seed and day. Rows are written in bulk through SQLAlchemy Core
(`insert(table)` executemany, batches of BATCH rows) on SQLite and through COPY on PostgreSQL,
never as ORM objects one by one. Every id is chosen here in advance (max(id) + 1 onwards), so
a row can point to another without a round trip; the buffers are flushed in foreign-key order
(`db.metadata.sorted_tables`), so every constraint of the schema holds at all times: person XOR
collective on dossiers, unique (séance, person) attendance, statuses among the model constants,
aware UTC datetimes (passed through the column types on SQLite, as timestamptz on PostgreSQL).

Each pole gets the same shape (a pole scale is one pole; the network, fifty of them):
- persons, structures (a quarter of them partners), collectives of 3–15 members meeting every
  two to six weeks, members whose probability of coming decays séance after séance;
- dossiers (one in six for a collective) at every stage of the default parcours, with their
  stage transitions and status changes, opened from a request, met monthly;
- requests over ten years (all outcomes), orientations with their status histories (some
  stalled: the « à relancer » list), permanences, trainings and network events;
- staff accounts admin@<slug>.bench.test and advisor1..3@<slug>.bench.test, one shared password
  (BENCH_PASSWORD), and one regional account regional@bench.test.
"""

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from app.accompaniments.models import LEGAL_FORMS, MODALITIES
from app.collectives.models import COLLECTIVE_KINDS, MEMBER_ROLES
from app.core.text import fold, search_text
from app.extensions import db
from app.pathways.models import DEFAULT_STAGES
from app.poles.models import DEFAULT_THEMATICS
from app.requests.models import CHANNELS
from app.structures.models import PROJECT_STAGES, STRUCTURE_KINDS

BENCH_PASSWORD = "bench-passerelle-2026"
BENCH_DOMAIN = "bench.test"
REGIONAL_EMAIL = f"regional@{BENCH_DOMAIN}"
BATCH = 10_000
ZONE = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class ScaleSpec:
    """Row targets per pole (attendances and séances are hit to within a few per cent)."""

    name: str
    poles: int
    persons: int
    collectives: int
    sessions: int
    attendances: int
    requests: int
    dossiers: int
    referrals: int
    structures: int
    partners: int
    years: int = 10


_POLE = dict(
    persons=2_000,
    collectives=300,
    sessions=20_000,
    attendances=100_000,
    requests=3_000,
    dossiers=1_200,
    referrals=6_000,
    structures=200,
    partners=50,
)
SCALES = {
    # One pole on SQLite: ~2,000 persons, 300 collectives, 20,000 séances, 100,000 attendances.
    "pole": ScaleSpec("pole", poles=1, **_POLE),
    # A network: 50 poles -> 100,000 persons, 1,000,000 séances, 5,000,000 attendances,
    # 300,000 orientations.
    "network": ScaleSpec("network", poles=50, **_POLE),
    # For the test suite only.
    "tiny": ScaleSpec(
        "tiny",
        poles=2,
        persons=60,
        collectives=6,
        sessions=200,
        attendances=900,
        requests=40,
        dossiers=18,
        referrals=50,
        structures=12,
        partners=4,
        years=2,
    ),
}

FIRST_NAMES = (
    "Anne", "Bruno", "Chloé", "David", "Émilie", "Fañch", "Gwenola", "Hugo", "Inès", "Jakez",
    "Katell", "Loïc", "Maëlle", "Nicolas", "Océane", "Pierre", "Rozenn", "Sébastien", "Tifenn",
    "Ugo", "Véronique", "Yannick", "Zoé", "Awa", "Benoît", "Céline", "Dominique", "Élise",
    "François", "Gaëlle", "Hélène", "Isabelle", "Jérôme", "Karim", "Laëtitia", "Mathieu",
    "Nadia", "Olivier", "Patricia", "Quentin", "Rachid", "Sophie", "Thierry", "Valérie",
)  # fmt: skip
LAST_NAMES = (
    "Le Goff", "Guého", "Briand", "Le Gall", "Morvan", "Riou", "Jégo", "Tanguy", "Hamon",
    "Le Roux", "Quéré", "Bouvier", "Diallo", "Martin", "Perrin", "Lemoine", "Cadoret",
    "Nédélec", "Pichon", "Rolland", "Texier", "Caradec", "Gourlay", "Normand", "Bernard",
    "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François",
    "Martinez", "Benali", "Nguyen", "Traoré", "Kerhervé", "Le Bihan", "Prigent", "Cornec",
)  # fmt: skip
COMMUNES = (
    ("Redon", "35600"), ("Rennes", "35000"), ("Nantes", "44000"), ("Vannes", "56000"),
    ("Lorient", "56100"), ("Quimper", "29000"), ("Brest", "29200"), ("Saint-Brieuc", "22000"),
    ("Lannion", "22300"), ("Pontivy", "56300"), ("Vitré", "35500"), ("Fougères", "35300"),
    ("Dinan", "22100"), ("Morlaix", "29600"), ("Guingamp", "22200"), ("Ploërmel", "56800"),
)  # fmt: skip
SECTORS = (
    "Alimentation", "Réemploi", "Mobilité", "Culture", "Habitat", "Énergie", "Services à la personne",
    "Agriculture", "Numérique", "Tourisme", "Petite enfance", "Insertion",
)  # fmt: skip
COLLECTIVE_WORDS = (
    "Épicerie solidaire", "Tiers-lieu", "Jardins partagés", "Recyclerie", "Café associatif",
    "Habitat participatif", "Atelier vélo", "Cantine solidaire", "Fablab", "Coopérative d'habitants",
)  # fmt: skip
PARTNER_NAMES = (
    "France Active", "BGE", "Coopérative d'activité", "Incubateur ESS", "Boutique de gestion",
    "URSCOP", "Maison de l'emploi", "Initiative", "Réseau des CIGALES", "Chambre régionale ESS",
)  # fmt: skip

SESSION_HOURS = (9, 10, 11, 14, 15, 16, 18)


class BulkWriter:
    """Buffers rows per table and writes them in foreign-key order, in batches."""

    def __init__(self, batch: int = BATCH) -> None:
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.batch = batch
        self.tables = {t.name: t for t in db.metadata.sorted_tables}
        self.order = [t.name for t in db.metadata.sorted_tables]
        self.buffers: dict[str, list[dict]] = defaultdict(list)
        self.pending = 0
        self.counts: Counter = Counter()
        self.next_ids: dict[str, int] = {}
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.defaults = {name: self._defaults(table) for name, table in self.tables.items()}
        if self.postgres:
            self._fast_load()

    def _fast_load(self) -> None:
        """PostgreSQL: skip the per-row foreign-key triggers while loading, when allowed.

        The rows are consistent by construction (parents are written first, ids chosen here);
        the test suite checks it on SQLite with foreign keys enforced, and bench/README.md
        gives the anti-join queries that verify a loaded database. Like `pg_restore
        --disable-triggers`, this needs a superuser; otherwise the load keeps the checks.
        """
        superuser = self.connection.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        if superuser:
            self.connection.execute(text("SET session_replication_role = replica"))
        self.connection.execute(text("SET synchronous_commit = off"))

    def _defaults(self, table) -> dict:
        values = {}
        for column in table.columns:
            default = column.default
            if default is None:
                values[column.name] = None
            elif default.is_scalar:
                values[column.name] = default.arg
            elif default.is_callable:
                values[column.name] = self.now  # only utcnow() is used as a callable default
            else:  # pragma: no cover - no other kind in the schema
                values[column.name] = None
        if "id" in values:
            values.pop("id")
        return values

    def new_id(self, table: str) -> int:
        if table not in self.next_ids:
            current = self.connection.execute(select(func.max(self.tables[table].c.id))).scalar()
            self.next_ids[table] = (current or 0) + 1
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, **row) -> int | None:
        """Queue a row; returns its id (chosen now) when the table has one."""
        new = None
        if "id" in self.tables[table].c and "id" not in row:
            new = row["id"] = self.new_id(table)
        self.buffers[table].append(row)
        self.pending += 1
        if self.pending >= self.batch:
            self.flush()
        return new

    def flush(self) -> None:
        for name in self.order:
            rows = self.buffers.pop(name, None)
            if not rows:
                continue
            table = self.tables[name]
            defaults = self.defaults[name]
            full = [{**defaults, **row} for row in rows]
            if self.postgres:
                self._copy(table, full)
            else:
                self.connection.execute(insert(table), full)
            self.counts[name] += len(rows)
        self.pending = 0

    def _copy(self, table, rows: list[dict]) -> None:
        import json

        columns = [c.name for c in table.columns]
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor:
            quoted = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    values = [row[c] for c in columns]
                    if json_columns:
                        values = [
                            json.dumps(v) if c in json_columns and v is not None else v
                            for c, v in zip(columns, values, strict=True)
                        ]
                    copy.write_row(values)

    def finish(self) -> None:
        """Flush what is left and, on PostgreSQL, move the id sequences past the ids we chose."""
        self.flush()
        if self.postgres:
            for name in self.next_ids:
                self.connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 (names from metadata)
                        f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))'
                    )
                )


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


def _email_part(value: str) -> str:
    return fold(value).replace(" ", "-").replace("'", "")


class PoleBuilder:
    """Writes one pole's data; ids of what later steps link to are kept on self."""

    def __init__(self, out: BulkWriter, spec: ScaleSpec, rng: random.Random, index: int, today: date,
                 password_hash: str) -> None:  # fmt: skip
        self.out = out
        self.spec = spec
        self.rng = rng
        self.index = index
        self.today = today
        self.start = today - timedelta(days=365 * spec.years)
        self.days = (today - self.start).days
        self.password_hash = password_hash
        self.slug = f"pole-{index:02d}"
        self.sessions = 0
        self.attendances = 0

    # --- helpers ------------------------------------------------------------------------------

    def day(self, low: int = 0, high: int | None = None) -> date:
        """A random day, `low`..`high` days after the start of the period."""
        return self.start + timedelta(days=self.rng.randint(low, self.days if high is None else high))

    def add_session(self, kind: str, title: str, day: date, advisor: int, **extra) -> int:
        rng = self.rng
        sid = self.out.add(
            "sessions",
            pole_id=self.pole_id,
            kind=kind,
            title=title,
            starts_at=_utc(day, rng.choice(SESSION_HOURS), rng.choice((0, 30))),
            duration_minutes=rng.choice((60, 90, 120, 180)),
            place=extra.pop("place", None) or rng.choice(COMMUNES)[0],
            remote=rng.random() < 0.1,
            funding_programme_id=rng.choice(self.programmes) if rng.random() < 0.6 else None,
            created_at=_utc(day, 20),
            updated_at=_utc(day, 20),
            **extra,
        )
        self.out.add("session_advisors", session_id=sid, user_id=advisor)
        if rng.random() < 0.7:
            self.out.add("session_thematics", session_id=sid, thematic_id=rng.choice(self.thematics))
        self.sessions += 1
        return sid

    def attend(self, session_id: int, person_id: int, status: str) -> None:
        self.out.add(
            "attendances", pole_id=self.pole_id, session_id=session_id, person_id=person_id, status=status
        )
        self.attendances += 1

    def unfilled(self, day: date) -> bool:
        """A recent past séance whose attendance nobody filled in yet (all still `invited`)."""
        return self.today - timedelta(days=21) <= day <= self.today and self.rng.random() < 0.3

    def status_for(self, day: date, p_present: float, unfilled: bool = False) -> str:
        if unfilled or day > self.today:
            return "excused" if self.rng.random() < 0.05 else "invited"
        r = self.rng.random()
        if r < p_present:
            return "present"
        return "excused" if r < p_present + (1 - p_present) * 0.35 else "absent"

    # --- the pole, its staff and reference lists ------------------------------------------------

    def build(self) -> None:
        self.reference()
        self.persons()
        self.structures()
        self.collectives()
        self.dossiers()
        self.requests()
        self.referrals()
        self.other_sessions()

    def reference(self) -> None:
        out, rng = self.out, self.rng
        self.pole_id = out.add(
            "poles", slug=self.slug, name=f"Pôle ESS de test n° {self.index}", timezone="Europe/Paris"
        )
        self.thematics = [
            out.add("thematics", pole_id=self.pole_id, name=name, position=i, active=True)
            for i, name in enumerate(DEFAULT_THEMATICS)
        ]
        self.programmes = [
            out.add("funding_programmes", pole_id=self.pole_id, name=name, active=True)
            for name in ("Région — pôle ESS", "FSE+", "Agglomération")
        ]
        staff = [("admin", "admin", f"Admin {self.slug}")] + [
            (f"advisor{i}", "advisor", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
            for i in (1, 2, 3)
        ]
        self.staff = []
        for local, role, name in staff:
            self.staff.append(
                out.add(
                    "users",
                    email=f"{local}@{self.slug}.{BENCH_DOMAIN}",
                    full_name=name,
                    password_hash=self.password_hash,
                    role=role,
                    pole_id=self.pole_id,
                    active=True,
                    session_version=1,
                    failed_login_count=0,
                    failed_mfa_count=0,
                )
            )
        self.advisors = self.staff[1:]
        self.template_id = out.add(
            "pathway_templates", pole_id=self.pole_id, name="Parcours création", active=True
        )
        self.stages = [
            out.add(
                "stages",
                pole_id=self.pole_id,
                template_id=self.template_id,
                name=name,
                description=description,
                position=i,
                expected_duration_days=60,
                active=True,
            )
            for i, (name, description) in enumerate(DEFAULT_STAGES)
        ]

    def persons(self) -> None:
        out, rng = self.out, self.rng
        self.person_ids = []
        for n in range(self.spec.persons):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            commune, postal = rng.choice(COMMUNES)
            email = f"{_email_part(first)}.{_email_part(last)}.{n}@exemple.test"
            contact = self.day()
            self.person_ids.append(
                out.add(
                    "persons",
                    pole_id=self.pole_id,
                    first_name=first,
                    last_name=last,
                    search_text=search_text(last, first, email, commune, postal),
                    email=email,
                    phone=f"06{rng.randrange(10**8):08d}",
                    commune=commune,
                    postal_code=postal,
                    gender=rng.choice(("femme", "femme", "homme", "homme", "autre")),
                    birth_year=rng.randint(1950, 2005),
                    first_contact_on=contact,
                    privacy_notice_given_on=contact,
                    archived=rng.random() < 0.03,
                    created_at=_utc(contact, 12),
                    updated_at=_utc(contact, 12),
                )
            )

    def structures(self) -> None:
        out, rng = self.out, self.rng
        self.partner_ids = []
        self.structure_ids = []
        for n in range(self.spec.structures):
            partner = n < self.spec.partners
            kind = rng.choice(STRUCTURE_KINDS)
            commune, postal = rng.choice(COMMUNES)
            name = (
                f"{rng.choice(PARTNER_NAMES)} {commune} {n}" if partner else f"{kind.upper()} {commune} {n}"
            )
            siret = f"{self.index:04d}{n:010d}"
            sid = out.add(
                "structures",
                pole_id=self.pole_id,
                name=name,
                search_text=search_text(name, commune, postal, siret),
                kind=kind,
                siret=siret,
                commune=commune,
                postal_code=postal,
                is_partner=partner,
                partner_stages=rng.sample(PROJECT_STAGES, rng.randint(1, 3)) if partner else None,
                territory="Bretagne" if partner else None,
                contact_email=f"contact{n}@structure.exemple.test" if partner else None,
            )
            (self.partner_ids if partner else self.structure_ids).append(sid)
            if partner:
                for thematic in rng.sample(self.thematics, rng.randint(1, 3)):
                    out.add("structure_thematics", structure_id=sid, thematic_id=thematic)

    # --- collectives, their members and their séances -------------------------------------------

    def collectives(self) -> None:
        out, rng, spec = self.out, self.rng, self.spec
        self.collective_ids = []
        self.collective_sessions: dict[int, list[tuple[int, date]]] = {}
        per_collective = spec.sessions * 0.4 / spec.collectives
        horizon = self.today + timedelta(days=30)
        for n in range(spec.collectives):
            interval = rng.choice((14, 21, 28, 42))
            count = max(3, int(rng.uniform(0.5, 1.5) * per_collective))
            ongoing = rng.random() < 0.6
            end = horizon if ongoing else self.day(count * interval // 2)
            first = max(self.start, end - timedelta(days=count * interval))
            count = max(1, (end - first).days // interval)
            name = f"{rng.choice(COLLECTIVE_WORDS)} de {rng.choice(COMMUNES)[0]} n° {n + 1}"
            cid = out.add(
                "collectives",
                pole_id=self.pole_id,
                name=name,
                search_text=search_text(name),
                kind=rng.choice(COLLECTIVE_KINDS),
                archived=not ongoing and rng.random() < 0.5,
                created_at=_utc(first, 12),
                updated_at=_utc(first, 12),
            )
            self.collective_ids.append(cid)
            days = [first + timedelta(days=i * interval) for i in range(count)]
            members = []
            for person in rng.sample(self.person_ids, rng.randint(3, 15)):
                late = rng.random() < 0.25
                joined = days[rng.randrange(max(1, len(days) // 2))] if late else first
                left = None
                if rng.random() < 0.3:
                    left = joined + timedelta(days=rng.randint(interval, max(interval, (end - joined).days)))
                    if left > self.today:
                        left = None
                out.add(
                    "memberships",
                    pole_id=self.pole_id,
                    collective_id=cid,
                    person_id=person,
                    structure_id=rng.choice(self.structure_ids) if rng.random() < 0.3 else None,
                    role=rng.choice(MEMBER_ROLES),
                    joined_on=joined,
                    left_on=left,
                )
                # Attendance decays: p = p0 * exp(-k / tau) at the member's k-th séance.
                members.append((person, joined, left, rng.uniform(0.75, 0.98), rng.choice((8, 20, 60, 400))))
            sessions = []
            advisor = rng.choice(self.advisors)
            for day in days:
                kind = "governance" if rng.random() < 0.25 else "workshop"
                sid = self.add_session(kind, f"{name} — {'instance' if kind == 'governance' else 'atelier'}",
                                       day, advisor, collective_id=cid)  # fmt: skip
                sessions.append((sid, day))
                blank = self.unfilled(day)
                for person, joined, left, p0, tau in members:
                    if day < joined or (left is not None and day >= left):
                        continue
                    k = (day - joined).days / interval
                    self.attend(sid, person, self.status_for(day, p0 * math.exp(-k / tau), blank))
            self.collective_sessions[cid] = sessions

    # --- dossiers, with their request, stage transitions, status changes and séances ------------

    def dossiers(self) -> None:
        out, rng, spec = self.out, self.rng, self.spec
        self.dossier_rows: list[tuple[int, int | None, int | None]] = []
        per_dossier = spec.sessions * 0.45 / spec.dossiers
        for n in range(spec.dossiers):
            collective = self.collective_ids[n % len(self.collective_ids)] if n % 6 == 5 else None
            person = None if collective else rng.choice(self.person_ids)
            started = self.day(0, self.days - 7)
            planned = rng.randint(90, 720)
            finished = started + timedelta(days=planned) < self.today
            if finished:
                status = "closed" if rng.random() < 0.65 else "abandoned"
                ended = started + timedelta(days=planned if status == "closed" else rng.randint(30, planned))
                last_stage = (
                    len(self.stages) - 1 if status == "closed" else rng.randrange(len(self.stages) - 1)
                )
            else:
                status = "active" if rng.random() < 0.8 else "suspended"
                ended = None
                elapsed = (self.today - started).days / planned
                last_stage = min(len(self.stages) - 1, int(elapsed * len(self.stages)))
            referent = rng.choice(self.advisors)
            received = started - timedelta(days=rng.randint(2, 20))
            request_id = self.add_request(received, "accompaniment", started, person, collective)
            sector = rng.choice(SECTORS)
            did = out.add(
                "accompaniments",
                pole_id=self.pole_id,
                person_id=person,
                collective_id=collective,
                request_id=request_id,
                title=f"Projet {sector.lower()} n° {n + 1}",
                sector=sector,
                intended_legal_form=rng.choice(LEGAL_FORMS),
                template_id=self.template_id,
                current_stage_id=self.stages[last_stage],
                referent_id=referent,
                funding_programme_id=rng.choice(self.programmes) if rng.random() < 0.7 else None,
                modality=rng.choice(MODALITIES),
                status=status,
                started_on=started,
                ended_on=ended,
                end_reason="Projet lancé" if status == "closed" else ("Abandon" if ended else None),
                financing_obtained=status == "closed" and rng.random() < 0.5,
                created_at=_utc(started, 12),
                updated_at=_utc(ended or started, 12),
            )
            self.dossier_rows.append((did, person, collective))
            out.add("accompaniment_thematics", accompaniment_id=did, thematic_id=rng.choice(self.thematics))
            end = ended or min(self.today, started + timedelta(days=planned))
            span = max(1, (end - started).days)
            previous = None
            for i in range(last_stage + 1):
                out.add(
                    "stage_transitions",
                    pole_id=self.pole_id,
                    accompaniment_id=did,
                    from_stage_id=previous,
                    to_stage_id=self.stages[i],
                    transitioned_on=started + timedelta(days=span * i // (last_stage + 1)),
                    by_id=referent,
                )
                previous = self.stages[i]
            changes = [(None, "active", started)]
            if status == "suspended":
                changes.append(("active", "suspended", started + timedelta(days=span // 2)))
            elif ended:
                changes.append(("active", status, ended))
            for before, after, on in changes:
                out.add(
                    "accompaniment_status_changes",
                    pole_id=self.pole_id,
                    accompaniment_id=did,
                    from_status=before,
                    to_status=after,
                    changed_on=on,
                    by_id=referent,
                )
            if collective is not None:
                for sid, day in self.collective_sessions[collective]:
                    if started <= day <= end:
                        out.add("session_accompaniments", session_id=sid, accompaniment_id=did)
                continue
            count = max(1, int(rng.uniform(0.5, 1.5) * per_dossier))
            horizon = (ended or self.today + timedelta(days=20)) - started
            for i in range(count):
                day = started + timedelta(days=horizon.days * i // count)
                sid = self.add_session("individual", f"Rendez-vous — projet {sector.lower()}", day, referent)
                out.add("session_accompaniments", session_id=sid, accompaniment_id=did)
                blank = self.unfilled(day)
                self.attend(sid, person, self.status_for(day, 0.9, blank))
                if rng.random() < 0.2:
                    other = rng.choice(self.person_ids)
                    if other != person:
                        self.attend(sid, other, self.status_for(day, 0.8, blank))

    def add_request(self, received: date, outcome: str, outcome_on: date | None, person, collective) -> int:
        rng = self.rng
        rid = self.out.add(
            "requests",
            pole_id=self.pole_id,
            received_on=received,
            channel=rng.choice(CHANNELS),
            prescriber_id=rng.choice(self.partner_ids) if rng.random() < 0.2 else None,
            person_id=person,
            collective_id=collective,
            contact_text=None if person or collective else f"Contact {rng.choice(LAST_NAMES)}",
            need="Accompagnement à la création d'une activité.",
            outcome=outcome,
            outcome_on=outcome_on,
            received_by_id=rng.choice(self.staff),
            created_at=_utc(received, 12),
            updated_at=_utc(outcome_on or received, 12),
        )
        self.out.add("request_thematics", request_id=rid, thematic_id=rng.choice(self.thematics))
        return rid

    def requests(self) -> None:
        rng = self.rng
        self.oriented_requests = []
        for _ in range(max(0, self.spec.requests - self.spec.dossiers)):
            received = self.day()
            age = (self.today - received).days
            if age < 45 and rng.random() < 0.6:
                outcome, on = "pending", None
            else:
                outcome = "oriented" if rng.random() < 0.6 else "no_follow_up"
                on = min(self.today, received + timedelta(days=rng.randint(1, 30)))
            kind = rng.random()
            person = rng.choice(self.person_ids) if kind < 0.7 else None
            collective = rng.choice(self.collective_ids) if 0.7 <= kind < 0.8 else None
            rid = self.add_request(received, outcome, on, person, collective)
            if outcome == "oriented":
                self.oriented_requests.append((rid, received, person, collective))

    # --- orientations and their status histories --------------------------------------------------

    def referrals(self) -> None:
        out, rng = self.out, self.rng
        steps = {  # status -> [(next status, probability)], the rest of the mass stalls.
            "proposed": (("sent", 0.85), ("no_follow_up", 0.08)),
            "sent": (("accepted", 0.7), ("declined", 0.12), ("no_follow_up", 0.1)),
            "accepted": (("completed", 0.8), ("declined", 0.06), ("no_follow_up", 0.08)),
        }
        delays = {"sent": (1, 7), "accepted": (5, 25), "completed": (30, 150), "declined": (5, 40),
                  "no_follow_up": (20, 60)}  # fmt: skip
        oriented = list(self.oriented_requests)
        for _ in range(self.spec.referrals):
            request_id = dossier = person = collective = None
            pick = rng.random()
            if oriented and pick < 0.2:
                request_id, referred, person, collective = oriented.pop()
                referred = min(self.today, referred + timedelta(days=rng.randint(0, 10)))
            else:
                referred = self.day()
                if pick < 0.55:
                    dossier, person, collective = rng.choice(self.dossier_rows)
                elif pick < 0.9:
                    person = rng.choice(self.person_ids)
                else:
                    collective = rng.choice(self.collective_ids)
            if person is None and collective is None:
                person = rng.choice(self.person_ids)
            history = [("proposed", referred)]
            status, on = "proposed", referred
            while status in steps:
                r, chosen = rng.random(), None
                for candidate, probability in steps[status]:
                    if r < probability:
                        chosen = candidate
                        break
                    r -= probability
                if chosen is None:
                    break
                low, high = delays[chosen]
                next_on = on + timedelta(days=rng.randint(low, high))
                if next_on > self.today:
                    break
                status, on = chosen, next_on
                history.append((status, on))
            by = rng.choice(self.advisors)
            sent_on = next((d for s, d in history if s == "sent"), None)
            rid = out.add(
                "referrals",
                pole_id=self.pole_id,
                accompaniment_id=dossier,
                person_id=person,
                collective_id=collective,
                request_id=request_id,
                partner_id=rng.choice(self.partner_ids),
                reason="Besoin d'un appui spécialisé.",
                referred_on=referred,
                referred_by_id=by,
                consent_to_share=rng.random() < 0.8,
                status=status,
                follow_up_on=on + timedelta(days=10) if status in ("proposed", "sent", "accepted") else None,
                sent_on=sent_on,
                outcome="Projet accompagné par le partenaire." if status == "completed" else None,
                decline_reason=rng.choice(("out_of_scope", "not_eligible", "no_capacity"))
                if status == "declined"
                else None,
                created_at=_utc(referred, 12),
                updated_at=_utc(on, 12),
            )
            out.add("referral_thematics", referral_id=rid, thematic_id=rng.choice(self.thematics))
            for s, d in history:
                out.add(
                    "referral_status_changes",
                    pole_id=self.pole_id,
                    referral_id=rid,
                    status=s,
                    changed_on=d,
                    by_id=by,
                    created_at=_utc(d, 12),
                )

    # --- permanences, trainings, network events: the rest of the séances and attendances --------

    def other_sessions(self) -> None:
        rng = self.rng
        remaining = max(1, self.spec.sessions - self.sessions)
        average = max(1.0, (self.spec.attendances - self.attendances) / remaining)
        kinds = (("permanence", "Permanence d'accueil"), ("training", "Formation « Créer en ESS »"),
                 ("network", "Rencontre du réseau"), ("workshop", "Atelier ouvert"))  # fmt: skip
        persons = self.person_ids
        for _ in range(remaining):
            kind, title = rng.choice(kinds)
            day = self.day(0, self.days + 30)
            public = kind != "permanence" and day > self.today and rng.random() < 0.5
            sid = self.add_session(
                kind,
                title,
                day,
                rng.choice(self.advisors),
                is_public=public,
                capacity=30 if public else None,
                public_description="Ouvert à toutes et tous." if public else None,
            )
            size = min(len(persons), max(1, round(rng.gauss(average, average / 3))))
            blank = self.unfilled(day)
            for person in rng.sample(persons, size):
                self.attend(sid, person, self.status_for(day, 0.85, blank))


def build_scale(
    spec: ScaleSpec,
    seed: int = 2026,
    today: date | None = None,
    echo: Callable[[str], None] | None = None,
    batch: int = BATCH,
) -> Counter:
    """Write `spec.poles` poles of synthetic data, committing after each; returns row counts."""
    from app.auth.models import User
    from app.auth.passwords import hash_password

    today = today or date.today()
    taken = db.session.scalar(
        select(func.count(User.id)).where(User.email.like(f"%.{BENCH_DOMAIN}"))
    ) or db.session.scalar(select(func.count(User.id)).where(User.email == REGIONAL_EMAIL))
    if taken:
        raise ValueError("Cette base contient déjà des données de banc d'essai (comptes *.bench.test).")
    password_hash = hash_password(BENCH_PASSWORD)
    rng = random.Random(seed)
    counts: Counter = Counter()
    out = BulkWriter(batch)
    out.add("users", email=REGIONAL_EMAIL, full_name="Coordination régionale", password_hash=password_hash,
            role="regional", pole_id=None, active=True, session_version=1, failed_login_count=0,
            failed_mfa_count=0)  # fmt: skip
    for index in range(1, spec.poles + 1):
        PoleBuilder(out, spec, rng, index, today, password_hash).build()
        out.finish()
        db.session.commit()
        out.connection = db.session.connection()
        if out.postgres:
            out._fast_load()
        if echo:
            echo(f"  pôle {index}/{spec.poles} écrit ({sum(out.counts.values()):,} lignes au total)")
    counts.update(out.counts)
    if out.postgres:
        db.session.execute(text("RESET session_replication_role"))
        db.session.execute(text("RESET synchronous_commit"))
        db.session.commit()
        # Statistics and the visibility map: without it the planner prices index-only scans
        # (e.g. attendances by pole and status) as heap scans and picks a worse index.
        if spec.name != "tiny":  # the test size skips it: a whole-database VACUUM per test
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM (ANALYZE)"))
    else:
        db.session.execute(text("ANALYZE"))  # fresh planner statistics
        db.session.commit()
    if echo:
        echo(f"Comptes : admin@pole-NN.{BENCH_DOMAIN}, advisor1..3@pole-NN.{BENCH_DOMAIN}, {REGIONAL_EMAIL}")
    return counts
