"""Load and fault run: the app under gunicorn, simulated advisors, a ledger checked afterwards.

    python -m bench.load --database-url sqlite:////abs/instance/bench-pole.sqlite [--duration 60]
    python -m bench.load --database-url postgresql://postgres@127.0.0.1:5432/bench_network
    python -m bench.load --database-url … --kill-test     # kill -9 while séances are being logged

Serves the app with gunicorn (2 workers × 4 threads) on 127.0.0.1 only, then runs --clients
simulated advisors (threads) for --duration seconds, each looping (bounded) over: log a séance
with 3–12 attendees (the real form, CSRF token included), re-record the attendance of one of
its own séances, open pages (home, person search, agenda, collective, person, séance). Every
write the server acknowledged (302 to the séance) goes into the client's ledger; after the
run, the ledger is checked against the database: each acknowledged séance exists with exactly
the attendees and statuses last acknowledged. Counts 5xx answers and "database is locked" in
the server log; both must be zero.

--kill-test: four clients log séances of 12 attendees while the whole gunicorn process group
gets SIGKILL; afterwards every séance of the run has all its 12 attendees or does not exist,
and every acknowledged one exists.
"""

import argparse
import http.cookiejar
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SEARCHES = ("mar", "le g", "ber", "dup", "sop", "nic", "tho", "riou")
MAX_ITERATIONS = 10_000
# Think time between two actions of one advisor (seconds): brisk, far above a real office's pace.
THINK_MIN, THINK_MAX = 0.3, 1.5  # per client: the loops are bounded even if the clock misbehaves


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, status: int, ms: float) -> None:
        with self.lock:
            self.latencies[action].append(ms)
            self.statuses[status] += 1


class Advisor:
    """One simulated advisor: a cookie jar, a CSRF token, and a ledger of acknowledged writes."""

    def __init__(self, base: str, email: str, password: str, user_id: int, persons, collectives, stats, rng):
        self.base = base
        self.email, self.password, self.user_id = email, password, user_id
        self.persons, self.collectives = persons, collectives
        self.stats, self.rng = stats, rng
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.token = ""
        self.ledger: dict[int, tuple[str, dict[int, str]]] = {}  # séance id -> (title, attendees)
        self.sent = 0

    def request(self, action: str, path: str, data=None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text_, location = response.status, response.read().decode(), ""
        except urllib.error.HTTPError as exc:
            status, text_, location = (
                exc.code,
                exc.read().decode(errors="replace"),
                exc.headers.get("Location", ""),
            )
        except (urllib.error.URLError, OSError) as exc:
            self.stats.errors.append(f"{action}: {exc}")
            return 0, "", ""
        self.stats.record(action, status, (time.perf_counter() - started) * 1000)
        if status >= 500:
            self.stats.errors.append(f"{action} {path}: HTTP {status}")
        return status, text_, location

    def login(self) -> None:
        _, page, _ = self.request("login form", "/login")
        token = CSRF_RE.search(page).group(1)
        status, _, _ = self.request(
            "login", "/login", {"email": self.email, "password": self.password, "csrf_token": token}
        )
        if status != 302:
            raise RuntimeError(f"login {self.email}: HTTP {status}")
        _, form, _ = self.request("séance form", "/sessions/new")
        self.token = CSRF_RE.search(form).group(1)

    def _statuses(self, attendees: list[int]) -> dict[int, str]:
        return {
            pid: self.rng.choice(("present", "present", "present", "absent", "excused")) for pid in attendees
        }

    def log_seance(self, size: int | None = None, title_prefix: str = "charge") -> int | None:
        rng = self.rng
        attendees = rng.sample(self.persons, size or rng.randint(3, 12))
        statuses = self._statuses(attendees)
        self.sent += 1
        title = f"{title_prefix} {self.email} n° {self.sent}"
        data = [
            ("csrf_token", self.token),
            ("kind", rng.choice(("workshop", "individual", "training"))),
            ("title", title),
            ("day", (date.today() - timedelta(days=rng.randint(1, 60))).isoformat()),
            ("start_time", rng.choice(("09:00", "10:30", "14:00", "16:30"))),
            ("duration_minutes", "90"),
            ("advisors", str(self.user_id)),
            ("funding_programme_id", ""),
            ("action", "save"),
        ]
        for pid, status in statuses.items():
            data += [("attendee", str(pid)), (f"status-{pid}", status)]
        code, _, location = self.request("log a séance (POST)", "/sessions/new", data)
        if code == 302 and location.rstrip("/").rsplit("/", 1)[-1].isdigit():
            session_id = int(location.rstrip("/").rsplit("/", 1)[-1])
            self.ledger[session_id] = (title, statuses)
            return session_id
        return None

    def update_attendance(self) -> None:
        if not self.ledger:
            return
        session_id = self.rng.choice(list(self.ledger))
        title, statuses = self.ledger[session_id]
        new = self._statuses(list(statuses))
        data = [("csrf_token", self.token)]
        for pid, status in new.items():
            data += [("attendee", str(pid)), (f"status-{pid}", status)]
        code, _, _ = self.request("record attendance (POST)", f"/sessions/{session_id}/presences", data)
        if code == 302:
            self.ledger[session_id] = (title, new)

    def browse(self) -> None:
        rng = self.rng
        choice = rng.randrange(6)
        if choice == 0:
            self.request("home", "/")
        elif choice == 1:
            self.request("person search", "/people/?q=" + urllib.parse.quote(rng.choice(SEARCHES)))
        elif choice == 2:
            self.request("agenda", "/sessions/agenda")
        elif choice == 3:
            self.request("collective page", f"/collectives/{rng.choice(self.collectives)}")
        elif choice == 4:
            self.request("person page", f"/people/{rng.choice(self.persons)}")
        elif self.ledger:
            self.request("séance page", f"/sessions/{rng.choice(list(self.ledger))}")

    def run(self, deadline: float) -> None:
        time.sleep(self.rng.uniform(0, 10))  # advisors arrive over the first seconds
        try:
            self.login()
        except (RuntimeError, AttributeError) as exc:
            self.stats.errors.append(f"login: {exc}")
            return
        for _ in range(MAX_ITERATIONS):
            if time.monotonic() >= deadline:
                break
            r = self.rng.random()
            if r < 0.15:
                self.log_seance()
            elif r < 0.25:
                self.update_attendance()
            else:
                self.browse()
            time.sleep(self.rng.uniform(THINK_MIN, THINK_MAX))


class Server:
    """gunicorn in its own process group, on the loopback address only."""

    def __init__(self, database_url: str, port: int, log: Path) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url,
            FLASK_ENV="development",
            SECRET_KEY="bench-load-secret-key-0123456789",
            LOGIN_RATE_LIMIT="10000 per minute",
            MFA_ENFORCED="false",
        )
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}", "--timeout", "120",
             "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise

    def _wait_until_up(self) -> None:
        for _ in range(120):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):  # refused, reset or timed out: not up yet
                time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not start, see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def kill9(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # the group holds only the server we started
        self.process.wait()


def _accounts(engine, count: int, rng: random.Random):
    """(email, user id, person ids, collective ids) for `count` advisors, spread over the poles."""
    with engine.connect() as conn:
        staff = conn.execute(
            text(
                "SELECT u.email, u.id, u.pole_id FROM users u JOIN poles p ON p.id = u.pole_id "
                "WHERE u.email LIKE '%.bench.test' AND u.role IN ('admin', 'advisor') ORDER BY p.id, u.id"
            )
        ).all()
        staff = staff[: max(4, min(len(staff), count // 4 * 4 or 4))]
        pools = {}
        for pole_id in {row.pole_id for row in staff}:
            persons = conn.execute(
                text("SELECT id FROM persons WHERE pole_id = :p AND archived = :f ORDER BY id LIMIT 400"),
                {"p": pole_id, "f": False},
            ).scalars()
            collectives = conn.execute(
                text("SELECT id FROM collectives WHERE pole_id = :p ORDER BY id LIMIT 50"), {"p": pole_id}
            ).scalars()
            pools[pole_id] = (list(persons), list(collectives))
    return [(row.email, row.id, *pools[row.pole_id]) for row in (staff[i % len(staff)] for i in range(count))]


def _check_ledger(engine, advisors: list[Advisor]) -> tuple[int, list[str]]:
    problems, checked = [], 0
    with engine.connect() as conn:
        for advisor in advisors:
            for session_id, (title, statuses) in advisor.ledger.items():
                checked += 1
                row = conn.execute(
                    text("SELECT title FROM sessions WHERE id = :i"), {"i": session_id}
                ).first()
                if row is None or row.title != title:
                    problems.append(f"séance {session_id} ({title}) absente ou différente")
                    continue
                stored = dict(
                    conn.execute(
                        text("SELECT person_id, status FROM attendances WHERE session_id = :i"),
                        {"i": session_id},
                    ).all()
                )
                if stored != statuses:
                    problems.append(f"séance {session_id}: présences {stored} ≠ accusé {statuses}")
    return checked, problems


def _cleanup(engine, prefix: str) -> None:
    """Delete the séances of the run, children first (SQLite here runs without the app's FK pragma)."""
    ids = "SELECT id FROM sessions WHERE title LIKE :p"
    with engine.begin() as conn:
        for child in ("attendances", "session_advisors", "session_thematics", "session_accompaniments"):
            conn.execute(text(f"DELETE FROM {child} WHERE session_id IN ({ids})"), {"p": prefix + " %"})  # noqa: S608
        conn.execute(text(f"DELETE FROM sessions WHERE id IN ({ids})"), {"p": prefix + " %"})  # noqa: S608


def load_run(database_url: str, clients: int, duration: float, port: int, seed: int) -> str:
    engine = create_engine(_sqlalchemy_url(database_url))
    rng = random.Random(seed)
    log = Path(tempfile.mkstemp(prefix="passerelle-load-", suffix=".log")[1])
    server = Server(database_url, port, log)
    stats = Stats()
    try:
        advisors = [
            Advisor(server.base, email, "bench-passerelle-2026", uid, persons, collectives, stats,
                    random.Random(rng.random()))
            for email, uid, persons, collectives in _accounts(engine, clients, rng)
        ]  # fmt: skip
        deadline = time.monotonic() + duration
        threads = [threading.Thread(target=a.run, args=(deadline,)) for a in advisors]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=duration + 180)
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    server_log = log.read_text(errors="replace")
    locked = server_log.count("database is locked")
    tracebacks = server_log.count("Traceback")
    checked, problems = _check_ledger(engine, advisors)
    _cleanup(engine, "charge")
    fives = sum(n for code, n in stats.statuses.items() if code >= 500)
    lines = [
        f"### Load: {len(advisors)} advisors × {duration:.0f} s, gunicorn 2 workers × 4 threads — "
        f"{engine.dialect.name}",
        "",
        f"- requests: {sum(stats.statuses.values())} in {elapsed:.0f} s "
        f"({sum(stats.statuses.values()) / elapsed:.1f}/s); statuses {dict(sorted(stats.statuses.items()))}",
        f'- 5xx: {fives}; "database is locked" in the server log: {locked}; tracebacks: {tracebacks}; '
        f"client errors: {len(stats.errors)}",
        f"- ledger: {checked} acknowledged séances checked, {len(problems)} mismatch(es)",
        "",
        "| action | n | median ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for action, values in sorted(stats.latencies.items()):
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        lines.append(
            f"| {action} | {len(values)} | {statistics.median(values):.0f} | {p95:.0f} | {ordered[-1]:.0f} |"
        )
    for problem in (stats.errors + problems)[:20]:
        lines.append(f"\n    {problem}")
    return "\n".join(lines) + "\n"


def kill_test(database_url: str, port: int, seed: int, writers: int = 4, kill_after: float = 6.0) -> str:
    engine = create_engine(_sqlalchemy_url(database_url))
    rng = random.Random(seed)
    log = Path(tempfile.mkstemp(prefix="passerelle-kill-", suffix=".log")[1])
    server = Server(database_url, port, log)
    stats = Stats()
    prefix = f"kill{seed}"
    advisors = [
        Advisor(server.base, email, "bench-passerelle-2026", uid, persons, collectives, stats,
                random.Random(rng.random()))
        for email, uid, persons, collectives in _accounts(engine, writers, rng)
    ]  # fmt: skip
    for advisor in advisors:
        advisor.login()
    stop = threading.Event()

    def write(advisor: Advisor) -> None:
        for _ in range(MAX_ITERATIONS):
            if stop.is_set():
                return
            advisor.log_seance(size=12, title_prefix=prefix)

    threads = [threading.Thread(target=write, args=(a,)) for a in advisors]
    for t in threads:
        t.start()
    time.sleep(kill_after)
    server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=90)
    acknowledged = sum(len(a.ledger) for a in advisors)
    sent = sum(a.sent for a in advisors)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.id, COUNT(a.id) FROM sessions s LEFT JOIN attendances a ON a.session_id = s.id "
                "WHERE s.title LIKE :p GROUP BY s.id"
            ),
            {"p": prefix + " %"},
        ).all()
    partial = [(sid, n) for sid, n in rows if n != 12]
    checked, problems = _check_ledger(engine, advisors)
    _cleanup(engine, prefix)
    return (
        f"### kill -9 of gunicorn while logging séances of 12 attendees — {engine.dialect.name}\n\n"
        f"- {sent} séances posted, {acknowledged} acknowledged before the kill, {len(rows)} in the database\n"
        f"- séances with a partial attendance list: {len(partial)} {partial[:5]}\n"
        f"- acknowledged séances missing or different: {len(problems)} (of {checked})\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kill-test", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (ou DATABASE_URL) est requis")
    if args.kill_test:
        report = kill_test(args.database_url, args.port, args.seed)
    else:
        report = load_run(args.database_url, args.clients, min(args.duration, 600), args.port, args.seed)
    print(report)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"load-{time.strftime('%Y%m%dT%H%M%S')}.md"
    path.write_text(report, encoding="utf-8")
    print(f"Écrit dans {path}")


if __name__ == "__main__":
    main()
