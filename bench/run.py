"""Server-side timings and query counts of Passerelle's pages on a benchmark database.

    python -m bench.run --database-url sqlite:////abs/path/instance/bench-pole.sqlite [--repeat 30]
    python -m bench.run --database-url postgresql://postgres@127.0.0.1:5432/bench_network

The database is one built by `flask demo seed --scale pole|network` (see bench/README.md).
Every request goes through the whole WSGI app (Flask test client, logged in as the page's
role): routing, session cookie, pole scoping, views, templates. For each page: median and
p95 of the wall time over --repeat requests (after warm-up), and the number of SQL
statements (SQLAlchemy `before_cursor_execute`). The floor, measured in the same run: the
app's minimal route (/healthz, one `SELECT 1`) and the bare SQL of one report aggregate;
each page is printed as a multiple of both.

Pages whose endpoint is not in `app.view_functions` yet are skipped with a note: adding a
page is one line of PAGES.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, url_for
from sqlalchemy import delete, event, func, select, text

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Context:
    """What the URL builders need: ids of representative records of the benchmarked pole."""

    pole_id: int
    pole_slug: str
    password: str
    emails: dict[str, str]
    advisor_id: int
    person_id: int
    collective_id: int
    dossier_id: int | None
    attendee_ids: list[int]
    month: str
    year_start: date
    year_end: date
    yesterday: date


@dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    url: Callable[[Context], str]
    role: str | None = "advisor"  # None: anonymous
    method: str = "GET"
    data: Callable[[Context], dict] | None = None
    expect: int = 200
    kind: str = "page"  # "page", "report_json", "report_pdf", "regional": which target applies
    fresh_client: bool = False  # a new cookie jar for every request (the login)


def _session_form(ctx: Context) -> dict:
    data = {
        "kind": "workshop",
        "title": "Atelier banc d'essai",
        "day": ctx.yesterday.isoformat(),
        "start_time": "10:00",
        "duration_minutes": "90",
        "place": "Salle du conseil",
        "advisors": [str(ctx.advisor_id)],
        "funding_programme_id": "",
        "action": "save",
        "attendee": [str(pid) for pid in ctx.attendee_ids],
    }
    for pid in ctx.attendee_ids:
        data[f"status-{pid}"] = "present" if pid % 5 else "absent"
    return data


# The benchmarked pages: (name, endpoint, url builder, role…). One line per page.
PAGES: list[Page] = [
    Page(
        "login (POST, argon2id)",
        "auth.login",
        lambda c: url_for("auth.login"),
        role=None,
        method="POST",
        data=lambda c: {"email": c.emails["advisor"], "password": c.password},
        expect=302,
        fresh_client=True,
    ),
    Page("advisor home", "main.home", lambda c: url_for("main.home")),
    Page("person list", "people.index", lambda c: url_for("people.index")),
    Page("person search « mart »", "people.index", lambda c: url_for("people.index", q="mart")),
    Page("person page", "people.detail", lambda c: url_for("people.detail", person_id=c.person_id)),
    Page("collective list", "collectives.index", lambda c: url_for("collectives.index")),
    Page(
        "collective page (with regularity)",
        "collectives.detail",
        lambda c: url_for("collectives.detail", collective_id=c.collective_id),
    ),
    Page(
        "collective regularity page",
        "sessions.collective_regularity",
        lambda c: url_for("sessions.collective_regularity", collective_id=c.collective_id),
    ),
    Page("structure list", "structures.index", lambda c: url_for("structures.index")),
    Page("partner directory", "structures.directory", lambda c: url_for("structures.directory")),
    Page("agenda (week)", "sessions.agenda", lambda c: url_for("sessions.agenda")),
    Page("agenda (month)", "sessions.agenda", lambda c: url_for("sessions.agenda", view="month")),
    Page(
        "log a séance (POST, 12 attendees)",
        "sessions.new",
        lambda c: url_for("sessions.new"),
        method="POST",
        data=_session_form,
        expect=302,
    ),
    Page(
        "dossier page",
        "accompaniments.detail",
        lambda c: url_for("accompaniments.detail", accompaniment_id=c.dossier_id),
    ),
    Page("orientations « à relancer »", "referrals.to_chase", lambda c: url_for("referrals.to_chase")),
    Page("monthly report (HTML)", "reports.monthly", lambda c: url_for("reports.monthly", month=c.month)),
    Page(
        "monthly report (JSON)",
        "reports.monthly",
        lambda c: url_for("reports.monthly", month=c.month, format="json"),
        kind="report_json",
    ),
    Page(
        "monthly report (XLSX)",
        "reports.monthly",
        lambda c: url_for("reports.monthly", month=c.month, format="xlsx"),
    ),
    Page(
        "monthly report (PDF)",
        "reports.monthly",
        lambda c: url_for("reports.monthly", month=c.month, format="pdf"),
        kind="report_pdf",
    ),
    Page(
        "funder indicators (12 months)",
        "reports.indicators",
        lambda c: url_for("reports.indicators", start=c.year_start.isoformat(), end=c.year_end.isoformat()),
    ),
    Page(
        "regional report (month)",
        "reports.regional",
        lambda c: url_for("reports.regional", month=c.month),
        role="regional",
        kind="regional",
    ),
]

# Targets of issue 10, in milliseconds: (median, p95) per kind and database.
TARGETS = {
    "sqlite": {"page": (50, 120), "report_json": (150, None), "report_pdf": (1500, None)},
    "postgresql": {"page": (100, None), "report_json": (300, None), "regional": (2000, None)},
}


@dataclass
class Result:
    name: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    sql_ms: float | None = None
    note: str = ""
    kind: str = "page"
    samples: list[float] = field(default_factory=list)


def _bench_app(database_url: str) -> Flask:
    from app import create_app
    from config import Config, _database_url

    os.environ["DATABASE_URL"] = database_url

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = _database_url()
        # Forms are posted without a CSRF token and logins are repeated: only these are off.
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False
        MFA_ENFORCED = False

    return create_app(BenchConfig)


class QueryCounter:
    """Counts the statements and the time spent in them (cursor execute to return); with
    `profile`, also the total time per distinct statement."""

    def __init__(self, engine) -> None:
        self.count = 0
        self.sql_ms = 0.0
        self.profile: dict[str, list[float]] | None = None
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.count = 0
        self.sql_ms = 0.0

    def _before(self, *_args) -> None:
        self.count += 1
        self._started.append(time.perf_counter())

    def _after(self, _conn, _cursor, statement, *_args) -> None:
        elapsed = (time.perf_counter() - self._started.pop()) * 1000
        self.sql_ms += elapsed
        if self.profile is not None:
            self.profile.setdefault(" ".join(statement.split()), []).append(elapsed)


def _context(app: Flask, slug: str) -> Context:
    from app.accompaniments.models import Accompaniment
    from app.auth.models import User
    from app.collectives.models import Collective
    from app.demo.scale import BENCH_PASSWORD, REGIONAL_EMAIL
    from app.extensions import db
    from app.people.models import Person
    from app.poles.models import Pole
    from app.sessions.models import AccompanimentSession, Attendance

    pole = db.session.scalar(select(Pole).where(Pole.slug == slug))
    if pole is None:
        sys.exit(f"Pôle « {slug} » introuvable : construisez d'abord la base (flask demo seed --scale …).")
    advisor = db.session.scalar(select(User).where(User.email == f"advisor1@{slug}.bench.test"))
    # The worst cases of the pole: the person and the collective with the most séances.
    person_id = db.session.scalar(
        select(Attendance.person_id)
        .where(Attendance.pole_id == pole.id)
        .group_by(Attendance.person_id)
        .order_by(func.count().desc(), Attendance.person_id)
        .limit(1)
    )
    collective_id = db.session.scalar(
        select(AccompanimentSession.collective_id)
        .where(AccompanimentSession.pole_id == pole.id, AccompanimentSession.collective_id.is_not(None))
        .join(Collective, Collective.id == AccompanimentSession.collective_id)
        .where(Collective.archived.is_(False))
        .group_by(AccompanimentSession.collective_id)
        .order_by(func.count().desc(), AccompanimentSession.collective_id)
        .limit(1)
    )
    dossier_id = db.session.scalar(
        select(Accompaniment.id)
        .where(Accompaniment.pole_id == pole.id, Accompaniment.status == "active")
        .order_by(Accompaniment.started_on, Accompaniment.id)
        .limit(1)
    )
    attendees = db.session.scalars(
        select(Person.id)
        .where(Person.pole_id == pole.id, Person.archived.is_(False))
        .order_by(Person.id)
        .limit(12)
    ).all()
    today = date.today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return Context(
        pole_id=pole.id,
        pole_slug=slug,
        password=BENCH_PASSWORD,
        emails={
            "advisor": advisor.email,
            "admin": f"admin@{slug}.bench.test",
            "regional": REGIONAL_EMAIL,
        },
        advisor_id=advisor.id,
        person_id=person_id,
        collective_id=collective_id,
        dossier_id=dossier_id,
        attendee_ids=list(attendees),
        month=last_month_end.strftime("%Y-%m"),
        year_start=(last_month_end.replace(day=1) - timedelta(days=334)).replace(day=1),
        year_end=last_month_end,
        yesterday=today - timedelta(days=1),
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _login(app: Flask, ctx: Context, role: str):
    client = app.test_client()
    response = client.post("/login", data={"email": ctx.emails[role], "password": ctx.password})
    if response.status_code != 302:
        raise RuntimeError(f"connexion {role} refusée ({response.status_code})")
    return client


def _measure(app, page: Page, ctx: Context, clients: dict, counter: QueryCounter, repeat: int, warmup: int):
    result = Result(page.name, kind=page.kind)
    created: list[int] = []
    with app.test_request_context():
        url = page.url(ctx)
    data = page.data(ctx) if page.data else None
    query_counts = []
    sql_times = []
    for i in range(warmup + repeat):
        client = app.test_client() if page.fresh_client else clients[page.role]
        counter.reset()
        if counter.profile is not None and i == warmup:
            counter.profile.clear()
        started = time.perf_counter()
        response = client.open(url, method=page.method, data=data)
        body = response.get_data()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != page.expect:
            result.note = f"HTTP {response.status_code} (attendu {page.expect})"
            return result, created
        if page.endpoint == "sessions.new":
            location = urlsplit(response.headers.get("Location", "")).path.rstrip("/")
            if location.rsplit("/", 1)[-1].isdigit():
                created.append(int(location.rsplit("/", 1)[-1]))
        if i >= warmup:
            result.samples.append(elapsed)
            query_counts.append(counter.count)
            sql_times.append(counter.sql_ms)
        del body
    result.median_ms = statistics.median(result.samples)
    result.p95_ms = _percentile(result.samples, 0.95)
    result.queries = max(query_counts)
    result.sql_ms = statistics.median(sql_times)
    return result, created


def _bare_sql(app, ctx: Context, repeat: int) -> Result:
    """The floor of the reports: one aggregate of the month, straight on the connection."""
    from app.extensions import db

    year, month = (int(p) for p in ctx.month.split("-"))
    first = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    sql = text(
        "SELECT s.kind, COUNT(DISTINCT s.id), COUNT(a.id), "
        "SUM(CASE WHEN a.status = 'present' THEN 1 ELSE 0 END) "
        "FROM sessions s LEFT JOIN attendances a ON a.session_id = s.id "
        "WHERE s.pole_id = :pole AND s.starts_at >= :first AND s.starts_at < :end GROUP BY s.kind"
    )
    result = Result("floor: bare SQL aggregate (séances × attendances of the month)", kind="floor")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # naive UTC text there
            first, end = first.replace(tzinfo=None), end.replace(tzinfo=None)
        for i in range(repeat + 2):
            started = time.perf_counter()
            db.session.execute(sql, {"pole": ctx.pole_id, "first": first, "end": end}).all()
            if i >= 2:
                result.samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    result.median_ms = statistics.median(result.samples)
    result.p95_ms = _percentile(result.samples, 0.95)
    result.queries = 1
    result.sql_ms = result.median_ms
    return result


def _machine() -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "?"
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "?"
    return [
        f"{os.cpu_count()} CPU ({cpu})",
        f"RAM {ram}",
        f"Python {platform.python_version()}",
        f"load average at the end of the run {load} (other jobs share the machine)",
    ]


def _dataset(app) -> str:
    from app.extensions import db

    with app.app_context():
        counts = {
            name: db.session.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar()  # noqa: S608
            for name in ("poles", "persons", "sessions", "attendances", "referrals")
        }
        version = db.session.execute(
            text("SELECT sqlite_version()" if db.engine.dialect.name == "sqlite" else "SHOW server_version")
        ).scalar()
        dialect = db.engine.dialect.name
        db.session.rollback()
    return ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f" — {dialect} {version}"


def _verdict(result: Result, dialect: str) -> str:
    target = TARGETS.get(dialect, {}).get(result.kind)
    if target is None or result.median_ms is None:
        return ""
    median, p95 = target
    ok = result.median_ms <= median and (p95 is None or (result.p95_ms or 0) <= p95)
    label = f"≤ {median}" + (f" / {p95}" if p95 else "")
    return f"{'✓' if ok else '✗'} {label}"


def _print_profile(profile: dict[str, list[float]], repeat: int, top: int = 8) -> None:
    ranked = sorted(profile.items(), key=lambda item: -sum(item[1]))[:top]
    for statement, times in ranked:
        print(
            f"      {sum(times) / repeat:8.1f} ms/request  ×{len(times) / repeat:g}  {statement[:400]}",
            flush=True,
        )


def run(
    database_url: str,
    repeat: int,
    warmup: int,
    slug: str,
    only: str | None = None,
    profile: bool = False,
) -> str:
    from app.extensions import db

    app = _bench_app(database_url)
    with app.app_context():
        dialect = db.engine.dialect.name
        ctx = _context(app, slug)
        db.session.remove()
        counter = QueryCounter(db.engine)
    clients = {role: _login(app, ctx, role) for role in ("advisor", "regional")}
    results: list[Result] = []
    created: list[int] = []

    floor_page = Page(
        "floor: /healthz (minimal route, SELECT 1)", "main.healthz", lambda c: "/healthz", kind="floor"
    )
    floor, _ = _measure(app, floor_page, ctx, clients, counter, repeat, warmup)
    results.append(floor)
    sql_floor = _bare_sql(app, ctx, repeat)
    results.append(sql_floor)
    for page in PAGES:
        if only and only not in page.name:
            continue
        if page.endpoint not in app.view_functions:
            print(f"  — {page.name}: endpoint {page.endpoint} absent de cette version, ignoré", flush=True)
            results.append(Result(page.name, note=f"non mesuré : {page.endpoint} absent", kind=page.kind))
            continue
        if page.endpoint == "accompaniments.detail" and ctx.dossier_id is None:
            results.append(Result(page.name, note="aucun dossier actif", kind=page.kind))
            continue
        print(f"  … {page.name}", flush=True)
        counter.profile = {} if profile else None
        result, new_ids = _measure(app, page, ctx, clients, counter, repeat, warmup)
        if profile and result.median_ms is not None:
            print(f"    median {result.median_ms:.1f} ms, of which SQL {result.sql_ms:.1f} ms", flush=True)
            _print_profile(counter.profile, repeat)
        counter.profile = None
        created += new_ids
        results.append(result)
    if created:  # the séances logged by the benchmark are removed (attendances cascade)
        from app.sessions.models import AccompanimentSession

        with app.app_context():
            db.session.execute(delete(AccompanimentSession).where(AccompanimentSession.id.in_(created)))
            db.session.commit()

    lines = [
        f"# Passerelle benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {'; '.join(_machine())}",
        f"- Database: {_dataset(app)}; benchmarked pole `{slug}`",
        f"- {repeat} measured requests per page after {warmup} warm-up; times in ms, server side "
        "(WSGI app through the Flask test client)",
        "",
        "| page | median ms | p95 ms | SQL ms | queries | × /healthz | × bare SQL "
        "| target (issue 10) | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        if r.median_ms is None:
            lines.append(f"| {r.name} | | | | | | | | {r.note} |")
            continue
        lines.append(
            f"| {r.name} | {r.median_ms:.1f} | {r.p95_ms:.1f} | "
            f"{'' if r.sql_ms is None else f'{r.sql_ms:.1f}'} | {r.queries} | "
            f"{r.median_ms / floor.median_ms:.1f} | {r.median_ms / sql_floor.median_ms:.1f} | "
            f"{_verdict(r, dialect)} | {r.note} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--pole", default="pole-01", help="slug of the benchmarked pole")
    parser.add_argument("--only", default=None, help="only the pages whose name contains this")
    parser.add_argument(
        "--profile", action="store_true", help="print each page's costliest SQL statements (time per request)"
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (ou DATABASE_URL) est requis")
    report = run(args.database_url, args.repeat, args.warmup, args.pole, args.only, args.profile)
    print(report)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now(UTC):%Y%m%dT%H%M%S}.md"
    path.write_text(report, encoding="utf-8")
    print(f"Écrit dans {path}")


if __name__ == "__main__":
    main()
