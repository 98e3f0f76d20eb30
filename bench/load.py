"""Load and fault run: the app under gunicorn, simulated advisors, a ledger checked afterwards.

    python -m bench.load --database-url sqlite:////abs/instance/bench-pole.sqlite [--duration 60]
    python -m bench.load --database-url postgresql://postgres@127.0.0.1:5432/bench_network
    python -m bench.load --database-url … --kill-test     # kill -9 mid-séance, then mid-import
    python -m bench.load --database-url … --kill-import   # kill -9 mid-import only
    python -m bench.load --database-url … --import-under-load   # séances logged during an import

Serves the app with gunicorn (2 workers × 4 threads) on 127.0.0.1 only, then runs --clients
simulated advisors (threads) for --duration seconds, each looping (bounded) over: log a séance
with 3–12 attendees (the real form, CSRF token included), re-record the attendance of one of
its own séances, record an orientation (the real form: a person or a collective, a partner,
thematics, sent at once or not), move one of its own orientations to a next status (the
status form of the orientation page), open pages (home, person search, agenda, collective,
person, séance, orientations, « à relancer », orientation). Every write the server acknowledged
(302 to the record) goes into the client's ledger; after the run, the ledger is checked
against the database: each acknowledged séance exists with exactly the attendees and statuses
last acknowledged, each acknowledged orientation with its beneficiary, partner, thematics,
status and exactly the status history acknowledged. Counts 5xx answers and "database is
locked" in the server log; both must be zero. Then everything the run wrote is deleted (its
séances and orientations by their marker, the audit events, account sessions and last-login
dates of its logins), and the row count of every table is compared with the one before.

--kill-test: four clients log séances of 12 attendees while the whole gunicorn process group
gets SIGKILL; afterwards every séance of the run has all its 12 attendees or does not exist,
and every acknowledged one exists. Then the import phase (--kill-import): an admin uploads a
people CSV of --import-rows rows (a marker in the email column) through the web import,
previews it (timed: the preview does the whole import, then rolls back), confirms, and the
server gets SIGKILL halfway through the preview's duration, before the confirmation's answer;
afterwards the file's persons are all there or none, with as many "person.create" audit
events, and at most one "import.commit" event (the only records an import writes).

--import-under-load: four advisors log séances while an admin previews a people import of
--import-rows rows; counts their 5xx and "database is locked" (on SQLite the import holds the
write lock from start to end, the preview included).

PostgreSQL: the server's connections are named (application_name) "passerelle-bench-load".
If the schema has precomputed monthly figures, the cleanup marks stale those of the (pole,
month) of the séances it deletes, as the app's writers would.
"""

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, create_engine, inspect, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SEARCHES = ("mar", "le g", "ber", "dup", "sop", "nic", "tho", "riou")
MAX_ITERATIONS = 10_000
# Think time between two actions of one advisor (seconds): brisk, far above a real office's pace.
THINK_MIN, THINK_MAX = 0.3, 1.5  # per client: the loops are bounded even if the clock misbehaves
PASSWORD = "bench-passerelle-2026"
# Markers of what a run writes, so that it can be found, checked and deleted afterwards.
SEANCE_MARK = "charge"  # séance titles "charge <email> n° k"
REFERRAL_MARK = "charge orientation"  # orientation reasons "charge orientation <email> n° k"
# Next statuses an advisor picks (weights), among those the status form offers.
STATUS_WEIGHTS = {"sent": 6, "accepted": 5, "completed": 5, "declined": 1, "no_follow_up": 1}
DECLINE_REASONS = ("hors_perimetre", "projet_pas_mur", "pas_de_disponibilite", "beneficiaire_injoignable")
OPEN_STATUSES = ("proposed", "sent", "accepted")
USER_AGENT = "passerelle-bench-load"


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _day(value) -> str:
    """A date column read with raw SQL: a date (PostgreSQL) or an ISO string (SQLite)."""
    return str(value)[:10]


def _select_options(page: str, name: str) -> list[str]:
    """The non-empty option values of the <select name=…> of a page."""
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    return [v for v in re.findall(r'value="([^"]*)"', match.group(1)) if v] if match else []


def _multipart(fields: dict[str, str], name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "passerelle-bench-" + uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


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


@dataclass
class Orientation:
    """What the server acknowledged of one orientation."""

    reason: str
    partner_id: int
    person_id: int | None
    collective_id: int | None
    thematics: frozenset[int]
    status: str
    history: list[tuple[str, str, str | None]]  # (status, changed_on, comment), in order
    decline_reason: str | None = None


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
        self.opener.addheaders = [("User-Agent", USER_AGENT)]  # tells the run's account sessions
        self.token = ""
        self.ledger: dict[int, tuple[str, dict[int, str]]] = {}  # séance id -> (title, attendees)
        self.orientations: dict[int, Orientation] = {}  # orientation id -> acknowledged state
        self.status_changes = 0  # acknowledged status changes (each one history entry)
        self.sent = 0

    def request(
        self, action: str, path: str, data=None, *, raw: tuple[bytes, str] | None = None, timeout: float = 60
    ) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if raw is not None:
            req = urllib.request.Request(self.base + path, data=raw[0], headers={"Content-Type": raw[1]})
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=timeout) as response:
                status, text_, location = response.status, response.read().decode(), ""
        except urllib.error.HTTPError as exc:
            status, text_, location = (
                exc.code,
                exc.read().decode(errors="replace"),
                exc.headers.get("Location", ""),
            )
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            self.stats.errors.append(f"{action}: {exc!r}")
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

    @staticmethod
    def _created_id(code: int, location: str) -> int | None:
        last = location.rstrip("/").rsplit("/", 1)[-1]
        return int(last) if code == 302 and last.isdigit() else None

    def log_seance(self, size: int | None = None, title_prefix: str = SEANCE_MARK) -> int | None:
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
        session_id = self._created_id(code, location)
        if session_id is not None:
            self.ledger[session_id] = (title, statuses)
        return session_id

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

    def record_orientation(self) -> int | None:
        """Open the orientation form, fill it in as an advisor would, send it."""
        rng = self.rng
        code, form, _ = self.request("orientation form", "/referrals/new")
        token = CSRF_RE.search(form) if code == 200 else None
        partners = _select_options(form, "partner_id")
        thematics = re.findall(r'name="thematics" type="checkbox" value="(\d+)"', form)
        if token is None or not partners:
            self.stats.errors.append(f"orientation form: HTTP {code}, no token or no partner to choose")
            return None
        person_id = collective_id = None
        if self.collectives and rng.random() < 0.25:
            collective_id = rng.choice(self.collectives)
        else:
            person_id = rng.choice(self.persons)
        chosen = rng.sample(thematics, min(len(thematics), rng.randint(0, 2)))
        send_now = rng.random() < 0.5
        referred_on = date.today() - timedelta(days=rng.randint(1, 60))
        self.sent += 1
        reason = f"{REFERRAL_MARK} {self.email} n° {self.sent}"
        data = [
            ("csrf_token", token.group(1)),
            ("accompaniment_id", ""),
            ("person_id", str(person_id or "")),
            ("collective_id", str(collective_id or "")),
            *[("thematics", t) for t in chosen],
            ("partner_id", rng.choice(partners)),
            ("reason", reason),
            ("referred_on", referred_on.isoformat()),
            ("follow_up_on", ""),
        ]
        if rng.random() < 0.5:
            data.append(("consent_to_share", "y"))
        if send_now:
            data.append(("send_now", "y"))
        code, _, location = self.request("record an orientation (POST)", "/referrals/new", data)
        referral_id = self._created_id(code, location)
        if referral_id is None:
            if 0 < code < 500:
                self.stats.errors.append(f"orientation refused: HTTP {code}")
            return None
        history = [("proposed", referred_on.isoformat(), None)]
        if send_now:
            history.append(("sent", referred_on.isoformat(), None))
        self.orientations[referral_id] = Orientation(
            reason=reason,
            partner_id=int(dict(data)["partner_id"]),
            person_id=person_id,
            collective_id=collective_id,
            thematics=frozenset(int(t) for t in chosen),
            status=history[-1][0],
            history=history,
        )
        return referral_id

    def change_orientation_status(self) -> None:
        """Open one of its own open orientations and move it on through the status form."""
        rng = self.rng
        open_ones = [i for i, o in self.orientations.items() if o.status in OPEN_STATUSES]
        if not open_ones:
            return
        referral_id = rng.choice(open_ones)
        mine = self.orientations[referral_id]
        code, page, _ = self.request("orientation page", f"/referrals/{referral_id}")
        token = CSRF_RE.search(page) if code == 200 else None
        offered = [s for s in _select_options(page, "status-status") if s in STATUS_WEIGHTS]
        if token is None or not offered:
            self.stats.errors.append(f"orientation {referral_id}: HTTP {code}, no status form")
            return
        status = rng.choices(offered, weights=[STATUS_WEIGHTS[s] for s in offered])[0]
        last = date.fromisoformat(mine.history[-1][1])
        changed_on = min(date.today(), last + timedelta(days=rng.randint(0, 10))).isoformat()
        self.sent += 1
        comment = f"{REFERRAL_MARK} statut n° {self.sent}"
        decline_reason = rng.choice(DECLINE_REASONS) if status == "declined" else None
        data = {
            "csrf_token": token.group(1),
            "status-status": status,
            "status-changed_on": changed_on,
            "status-decline_reason": decline_reason or "",
            "status-outcome": "Rendez-vous tenu" if status == "completed" else "",
            "status-comment": comment,
        }
        code, _, _ = self.request(
            "change an orientation's status (POST)", f"/referrals/{referral_id}/status", data
        )
        if code == 302:
            mine.status = status
            mine.history.append((status, changed_on, comment))
            mine.decline_reason = decline_reason or mine.decline_reason
            self.status_changes += 1
        elif 0 < code < 500:
            self.stats.errors.append(f"orientation {referral_id} status {status}: HTTP {code}")

    def browse(self) -> None:
        rng = self.rng
        choice = rng.randrange(9)
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
        elif choice == 5:
            self.request("orientations list", "/referrals/")
        elif choice == 6:
            self.request("orientations à relancer", "/referrals/to-chase")
        elif choice == 7 and self.orientations:
            self.request("orientation page", f"/referrals/{rng.choice(list(self.orientations))}")
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
            if r < 0.12:
                self.log_seance()
            elif r < 0.20:
                self.update_attendance()
            elif r < 0.28:
                self.record_orientation()
            elif r < 0.34:
                self.change_orientation_status()
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
            PGAPPNAME=USER_AGENT,  # libpq: tells the server's PostgreSQL connections from others'
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
                text(
                    "SELECT id FROM persons WHERE pole_id = :p AND archived = :f AND anonymized_at IS NULL "
                    "ORDER BY id LIMIT 400"
                ),
                {"p": pole_id, "f": False},
            ).scalars()
            collectives = conn.execute(
                text("SELECT id FROM collectives WHERE pole_id = :p AND archived = :f ORDER BY id LIMIT 50"),
                {"p": pole_id, "f": False},
            ).scalars()
            pools[pole_id] = (list(persons), list(collectives))
    return [(row.email, row.id, *pools[row.pole_id]) for row in (staff[i % len(staff)] for i in range(count))]


def _ids_sql(sql: str):
    """A statement with an `IN :ids` list parameter."""
    return text(sql).bindparams(bindparam("ids", expanding=True))


class Footprint:
    """What the run's clients leave besides its records: login audit events, account sessions,
    last-login dates, audit events about its records. Noted before the run, erased after it,
    and only that: the benchmark database is shared (someone may log in as the same accounts
    meanwhile), so the run's account sessions are told by their User-Agent, its login events
    by the session each one opened, its other events by their target."""

    def __init__(self, engine, user_ids) -> None:
        self.engine, self.user_ids = engine, sorted(set(user_ids))
        with engine.connect() as conn:
            self.max_audit = conn.scalar(text("SELECT COALESCE(MAX(id), 0) FROM audit_events"))
            self.last_login = dict(
                conn.execute(
                    _ids_sql("SELECT id, last_login_at FROM users WHERE id IN :ids"), {"ids": self.user_ids}
                ).all()
            )

    def audit_actions(self) -> Counter:
        """The audit events the run's accounts wrote since the note, by action."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                _ids_sql(
                    "SELECT action, COUNT(*) FROM audit_events WHERE id > :m AND actor_id IN :ids "
                    "GROUP BY action"
                ),
                {"m": self.max_audit, "ids": self.user_ids},
            ).all()
        return Counter(dict(rows))

    def erase(self, targets: dict[str, set[int]], actions: tuple[str, ...] = ()) -> str:
        """Erase the run's sessions and logins, the audit events about `targets`
        ({model class name: ids}) and those of `actions` by the run's accounts; say how many."""
        since = {"m": self.max_audit, "ids": self.user_ids}
        with self.engine.begin() as conn:
            sessions = conn.execute(
                text(
                    "SELECT id, user_id, created_at FROM user_sessions WHERE user_agent = :ua "
                    "ORDER BY created_at"
                ),
                {"ua": USER_AGENT},
            ).all()
            logins = conn.execute(
                _ids_sql(
                    "SELECT id, actor_id, occurred_at FROM audit_events "
                    "WHERE id > :m AND action = 'login.success' AND actor_id IN :ids"
                ),
                since,
            ).all()
            ours: set[int] = set()
            for _sid, user_id, created_at in sessions:  # each session: the login just before it
                before = [e for e in logins if e.actor_id == user_id and e.occurred_at <= created_at]
                before = [e for e in before if e.id not in ours]
                if before:
                    ours.add(max(before, key=lambda e: (e.occurred_at, e.id)).id)
            doomed = set(ours)
            for target_type, ids in targets.items():
                for chunk in _chunks(sorted(ids)):
                    doomed.update(
                        conn.execute(
                            _ids_sql(
                                "SELECT id FROM audit_events WHERE id > :m AND target_type = :t "
                                "AND target_id IN :ids"
                            ),
                            {"m": self.max_audit, "t": target_type, "ids": chunk},
                        ).scalars()
                    )
            for action in actions:
                doomed.update(
                    conn.execute(
                        _ids_sql(
                            "SELECT id FROM audit_events WHERE id > :m AND action = :a AND actor_id IN :ids"
                        ),
                        {**since, "a": action},
                    ).scalars()
                )
            for chunk in _chunks(sorted(doomed)):
                conn.execute(_ids_sql("DELETE FROM audit_events WHERE id IN :ids"), {"ids": chunk})
            conn.execute(text("DELETE FROM user_sessions WHERE user_agent = :ua"), {"ua": USER_AGENT})
            for user_id, last_login in self.last_login.items():
                # Someone else's login meanwhile stays the last one; else back to the noted value.
                others = [e.occurred_at for e in logins if e.actor_id == user_id and e.id not in ours]
                conn.execute(
                    text("UPDATE users SET last_login_at = :v WHERE id = :i"),
                    {"v": max(others) if others else last_login, "i": user_id},
                )
        kept = sum(1 for e in logins if e.id not in ours)
        return f"erased {len(doomed)} audit events and {len(sessions)} account sessions of the run" + (
            f"; kept {kept} login(s) of someone else to the same accounts meanwhile" if kept else ""
        )


def _chunks(values: list, size: int = 500):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _marked_ids(engine, seance_prefix: str, referral_prefix: str | None = None) -> dict[str, set[int]]:
    """The ids of the run's records, by model class name (the audit events' target_type)."""
    with engine.connect() as conn:
        found = {
            "AccompanimentSession": set(
                conn.execute(
                    text("SELECT id FROM sessions WHERE title LIKE :p"), {"p": seance_prefix + " %"}
                ).scalars()
            )
        }
        if referral_prefix:
            found["Referral"] = set(
                conn.execute(
                    text("SELECT id FROM referrals WHERE reason LIKE :p"), {"p": referral_prefix + " %"}
                ).scalars()
            )
    return found


def _row_counts(engine) -> dict[str, int]:
    names = inspect(engine).get_table_names()
    with engine.connect() as conn:
        return {name: conn.scalar(text(f'SELECT COUNT(*) FROM "{name}"')) for name in names}  # noqa: S608


def _count_diff(before: dict[str, int], after: dict[str, int]) -> str:
    changed = {t: after.get(t, 0) - before.get(t, 0) for t in sorted(set(before) | set(after))}
    changed = {t: d for t, d in changed.items() if d}
    if not changed:
        return f"same row count as before in all {len(after)} tables"
    return "row counts changed: " + ", ".join(f"{t} {d:+d}" for t, d in changed.items())


def _marked(engine, seance_prefix: str, referral_prefix: str | None = None) -> int:
    """How many records already carry the run's markers (a run refuses to start then)."""
    with engine.connect() as conn:
        found = conn.scalar(
            text("SELECT COUNT(*) FROM sessions WHERE title LIKE :p"), {"p": seance_prefix + " %"}
        )
        if referral_prefix:
            found += conn.scalar(
                text("SELECT COUNT(*) FROM referrals WHERE reason LIKE :p"), {"p": referral_prefix + " %"}
            )
    return found


def _check_ledger(engine, advisors: list[Advisor]) -> tuple[Counter, list[str]]:
    problems, checked = [], Counter()
    with engine.connect() as conn:
        for advisor in advisors:
            for session_id, (title, statuses) in advisor.ledger.items():
                checked["séances"] += 1
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
            for referral_id, mine in advisor.orientations.items():
                checked["orientations"] += 1
                checked["history entries"] += len(mine.history)
                problems += _check_orientation(conn, referral_id, mine)
    return checked, problems


def _check_orientation(conn, referral_id: int, mine: Orientation) -> list[str]:
    row = conn.execute(
        text(
            "SELECT reason, partner_id, person_id, collective_id, status, decline_reason "
            "FROM referrals WHERE id = :i"
        ),
        {"i": referral_id},
    ).first()
    if row is None:
        return [f"orientation {referral_id} ({mine.reason}) absente"]
    stored = (row.reason, row.partner_id, row.person_id, row.collective_id, row.status, row.decline_reason)
    acked = (
        mine.reason,
        mine.partner_id,
        mine.person_id,
        mine.collective_id,
        mine.status,
        mine.decline_reason,
    )
    problems = [] if stored == acked else [f"orientation {referral_id}: {stored} ≠ accusé {acked}"]
    thematics = frozenset(
        conn.execute(
            text("SELECT thematic_id FROM referral_thematics WHERE referral_id = :i"), {"i": referral_id}
        ).scalars()
    )
    if thematics != mine.thematics:
        problems.append(
            f"orientation {referral_id}: thématiques {set(thematics)} ≠ accusé {set(mine.thematics)}"
        )
    history = [
        (status, _day(on), comment)
        for status, on, comment in conn.execute(
            text(
                "SELECT status, changed_on, comment FROM referral_status_changes WHERE referral_id = :i "
                "ORDER BY changed_on, id"
            ),
            {"i": referral_id},
        ).all()
    ]
    if history != mine.history:
        problems.append(f"orientation {referral_id}: historique {history} ≠ accusé {mine.history}")
    return problems


def _cleanup(engine, prefix: str, referral_prefix: str | None = None) -> int:
    """Delete the séances (and orientations) of the run by their marker, children first
    (SQLite here runs without the app's foreign-key pragma: no cascade). Returns how many
    precomputed monthly figures it marked stale (see _invalidate_monthly_figures)."""
    ids = "SELECT id FROM sessions WHERE title LIKE :p"
    with engine.begin() as conn:
        touched = conn.execute(
            text("SELECT DISTINCT pole_id, starts_at FROM sessions WHERE title LIKE :p"), {"p": prefix + " %"}
        ).all()
        for child in ("attendances", "session_advisors", "session_thematics", "session_accompaniments"):
            conn.execute(text(f"DELETE FROM {child} WHERE session_id IN ({ids})"), {"p": prefix + " %"})  # noqa: S608
        conn.execute(text(f"DELETE FROM sessions WHERE id IN ({ids})"), {"p": prefix + " %"})  # noqa: S608
        if referral_prefix:
            ids = "SELECT id FROM referrals WHERE reason LIKE :p"
            for child in ("referral_status_changes", "referral_thematics"):
                conn.execute(
                    text(f"DELETE FROM {child} WHERE referral_id IN ({ids})"),  # noqa: S608
                    {"p": referral_prefix + " %"},
                )
            conn.execute(text(f"DELETE FROM referrals WHERE id IN ({ids})"), {"p": referral_prefix + " %"})  # noqa: S608
        return _invalidate_monthly_figures(conn, touched)


def _invalidate_monthly_figures(conn, touched) -> int:
    """Mark stale the precomputed monthly figures of the (pole, month) of the run's séances,
    as the app's writers do (bump the state's version), when the schema has them: a report
    may have computed them while the run's séances existed, and raw SQL deletes them here
    without the app's hooks. The month is the pole's local one: the UTC day ± 1 covers it."""
    if not touched or not inspect(conn).has_table("monthly_figure_states"):
        return 0
    months = set()
    for pole_id, starts_at in touched:
        moment = datetime.fromisoformat(str(starts_at))
        months |= {(pole_id, (moment + timedelta(days=d)).strftime("%Y-%m")) for d in (-1, 0, 1)}
    bumped = 0
    for pole_id, month in sorted(months):
        bumped += conn.execute(
            text("UPDATE monthly_figure_states SET version = version + 1 WHERE pole_id = :p AND month = :m"),
            {"p": pole_id, "m": month},
        ).rowcount
    return bumped


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def load_run(database_url: str, clients: int, duration: float, port: int, seed: int) -> str:
    engine = create_engine(_sqlalchemy_url(database_url))
    rng = random.Random(seed)
    if _marked(engine, SEANCE_MARK, REFERRAL_MARK):
        raise SystemExit(
            f"Des séances « {SEANCE_MARK} … » ou orientations « {REFERRAL_MARK} … » existent déjà."
        )
    accounts = _accounts(engine, clients, rng)
    before = _row_counts(engine)
    footprint = Footprint(engine, [uid for _, uid, _, _ in accounts])
    log = Path(tempfile.mkstemp(prefix="passerelle-load-", suffix=".log")[1])
    load_before = _load_average()
    server = Server(database_url, port, log)
    stats = Stats()
    try:
        advisors = [
            Advisor(
                server.base, email, PASSWORD, uid, persons, collectives, stats, random.Random(rng.random())
            )
            for email, uid, persons, collectives in accounts
        ]
        deadline = time.monotonic() + duration
        threads = [threading.Thread(target=a.run, args=(deadline,)) for a in advisors]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=duration + 180)
        elapsed = time.monotonic() - started
        load_after = _load_average()
    finally:
        server.stop()
    server_log = log.read_text(errors="replace")
    locked = server_log.count("database is locked")
    tracebacks = server_log.count("Traceback")
    checked, problems = _check_ledger(engine, advisors)
    audited = footprint.audit_actions()
    written = _marked_ids(engine, SEANCE_MARK, REFERRAL_MARK)
    stale = _cleanup(engine, SEANCE_MARK, REFERRAL_MARK)
    erased = footprint.erase(written)
    after = _row_counts(engine)
    fives = sum(n for code, n in stats.statuses.items() if code >= 500)
    status_changes = sum(a.status_changes for a in advisors)
    lines = [
        f"### Load: {len(advisors)} advisors × {duration:.0f} s, gunicorn 2 workers × 4 threads — "
        f"{engine.dialect.name} ({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC)",
        "",
        f"- load average (1 / 5 / 15 min): {load_before} before, {load_after} at the end",
        f"- requests: {sum(stats.statuses.values())} in {elapsed:.0f} s "
        f"({sum(stats.statuses.values()) / elapsed:.1f}/s); statuses {dict(sorted(stats.statuses.items()))}",
        f'- 5xx: {fives}; "database is locked" in the server log: {locked}; tracebacks: {tracebacks}; '
        f"client errors: {len(stats.errors)}",
        f"- ledger: {checked['séances']} acknowledged séances, {checked['orientations']} acknowledged "
        f"orientations ({status_changes} status changes; {checked['history entries']} history entries) "
        f"checked, {len(problems)} mismatch(es)",
        f"- audit events written by the run: {sum(audited.values())} {dict(sorted(audited.items()))}",
        f"- cleanup: séances and orientations of the run deleted; {erased}; {_count_diff(before, after)}"
        + (f"; {stale} precomputed monthly figures marked stale" if stale else ""),
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


def _integrity(engine) -> str:
    if engine.dialect.name != "sqlite":
        return ""
    with engine.connect() as conn:
        result = conn.scalar(text("PRAGMA integrity_check"))
    return f"- SQLite `PRAGMA integrity_check` after the kill: {result}\n"


def kill_test(database_url: str, port: int, seed: int, writers: int = 4, kill_after: float = 6.0) -> str:
    engine = create_engine(_sqlalchemy_url(database_url))
    rng = random.Random(seed)
    prefix = f"kill{seed}"
    if _marked(engine, prefix):
        raise SystemExit(f"Des séances « {prefix} … » existent déjà.")
    accounts = _accounts(engine, writers, rng)
    before = _row_counts(engine)
    footprint = Footprint(engine, [uid for _, uid, _, _ in accounts])
    log = Path(tempfile.mkstemp(prefix="passerelle-kill-", suffix=".log")[1])
    server = Server(database_url, port, log)
    stats = Stats()
    advisors = [
        Advisor(server.base, email, PASSWORD, uid, persons, collectives, stats, random.Random(rng.random()))
        for email, uid, persons, collectives in accounts
    ]
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
    integrity = _integrity(engine)
    written = _marked_ids(engine, prefix)
    stale = _cleanup(engine, prefix)
    erased = footprint.erase(written)
    return (
        f"### kill -9 of gunicorn while logging séances of 12 attendees — {engine.dialect.name}\n\n"
        f"- {sent} séances posted, {acknowledged} acknowledged before the kill, {len(rows)} in the database\n"
        f"- séances with a partial attendance list: {len(partial)} {partial[:5]}\n"
        f"- acknowledged séances missing or different: {len(problems)} (of {checked['séances']})\n"
        f"{integrity}"
        f"- cleanup: séances of the run deleted; {erased}; {_count_diff(before, _row_counts(engine))}"
        f"{f'; {stale} precomputed monthly figures marked stale' if stale else ''}\n"
    )


def _people_csv(rows: int, marker: str) -> bytes:
    """A people import file; every row's email carries `marker` (the rows can be counted)."""
    lines = ["nom;prenom;email;telephone;commune;code_postal;genre;annee_naissance;situation"]
    for i in range(1, rows + 1):
        lines.append(
            f"Importkill;Personne {i};{marker}-{i}@import-kill.example.org;"
            f"06 12 34 {i % 100:02d} {i // 100 % 100:02d};Rennes;35000;"
            f"{('F', 'H', '')[i % 3]};{1960 + i % 45};Demandeur·se d'emploi"
        )
    return ("\n".join(lines) + "\n").encode()


def _writers_at_kill(engine) -> list[str]:
    """Who is writing right now: the server's open PostgreSQL transactions (state, age, statement);
    for SQLite, whether another connection holds the write lock (BEGIN IMMEDIATE, no wait)."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return ["SQLite write lock free (no write transaction open)"]
        except sqlite3.OperationalError as exc:
            return [f"SQLite write lock held by the server (probe: {exc})"]
        finally:
            probe.close()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT state, EXTRACT(EPOCH FROM now() - xact_start) AS age, LEFT(query, 60) AS q "
                "FROM pg_stat_activity WHERE datname = current_database() AND application_name = :app "
                "AND xact_start IS NOT NULL"
            ),
            {"app": USER_AGENT},
        ).all()
    return [
        f"PostgreSQL: {r.state}, open for {r.age:.1f} s, last statement `{' '.join(r.q.split())}`"
        for r in rows
    ] or ["PostgreSQL: no open transaction of the server"]


def _admin(engine):
    """The first bench admin (email, id, pole_id): imports are for admins."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT email, id, pole_id FROM users WHERE role = 'admin' AND email LIKE '%.bench.test' "
                "ORDER BY pole_id, id"
            )
        ).first()


def _preview_import(client: Advisor, data: bytes) -> tuple[str, int, str, float]:
    """Upload a people file through the import page: (CSRF token, status, preview page, seconds)."""
    _, page, _ = client.request("import form", "/imports/")
    csrf = CSRF_RE.search(page).group(1)
    started = time.perf_counter()
    code, preview, _ = client.request(
        "import preview",
        "/imports/",
        raw=_multipart({"csrf_token": csrf, "kind": "people"}, "file", "personnes.csv", data),
        timeout=300,
    )
    return csrf, code, preview, time.perf_counter() - started


def _discard_pending_upload(token: str) -> bool:
    """Remove an upload left waiting for its confirmation (the app removes it after 24 h)."""
    pending = ROOT / "instance" / "imports" / f"{token}.csv"
    if token and re.fullmatch(r"[0-9a-f]{32}", token) and pending.exists():
        pending.unlink()
        return True
    return False


def import_under_load(database_url: str, port: int, seed: int, rows: int = 6000, writers: int = 4) -> str:
    """An admin previews a big people import while advisors log séances: do their writes wait
    for the import, and fail? (The preview runs the whole import in a savepoint, rolled back.)"""
    engine = create_engine(_sqlalchemy_url(database_url))
    rng = random.Random(seed)
    prefix = f"importload{seed}"
    if _marked(engine, prefix):
        raise SystemExit(f"Des séances « {prefix} … » existent déjà.")
    admin = _admin(engine)
    accounts = _accounts(engine, writers, rng)
    before = _row_counts(engine)
    footprint = Footprint(engine, [admin.id] + [uid for _, uid, _, _ in accounts])
    log = Path(tempfile.mkstemp(prefix="passerelle-import-load-", suffix=".log")[1])
    server = Server(database_url, port, log)
    stats, admin_stats = Stats(), Stats()
    try:
        advisors = [
            Advisor(
                server.base, email, PASSWORD, uid, persons, collectives, stats, random.Random(rng.random())
            )
            for email, uid, persons, collectives in accounts
        ]
        client = Advisor(
            server.base, admin.email, PASSWORD, admin.id, [], [], admin_stats, random.Random(seed)
        )
        for advisor in [*advisors, client]:
            advisor.login()
        stop = threading.Event()

        def write(advisor: Advisor) -> None:
            for _ in range(MAX_ITERATIONS):
                if stop.is_set():
                    return
                advisor.log_seance(size=6, title_prefix=prefix)
                time.sleep(advisor.rng.uniform(THINK_MIN, THINK_MAX))

        threads = [threading.Thread(target=write, args=(a,)) for a in advisors]
        for t in threads:
            t.start()
        time.sleep(3)
        _, code, preview, preview_s = _preview_import(client, _people_csv(rows, f"import-load-{seed}"))
        time.sleep(3)
        stop.set()
        for t in threads:
            t.join(timeout=90)
    finally:
        server.stop()
    locked = log.read_text(errors="replace").count("database is locked")
    posts = sorted(stats.latencies["log a séance (POST)"])
    fives = sum(n for status, n in stats.statuses.items() if status >= 500)
    checked, problems = _check_ledger(engine, advisors)
    written = _marked_ids(engine, prefix)
    stale = _cleanup(engine, prefix)
    erased = footprint.erase(written)
    to_create = re.search(r"À créer</th><td>(\d+)<", preview)
    token = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', preview)
    _discard_pending_upload(token.group(1) if token else "")
    return (
        f"### {writers} advisors log séances while an admin previews a {rows}-row people import — "
        f"{engine.dialect.name}\n\n"
        f"- preview: HTTP {code}, {to_create.group(1) if to_create else '?'} persons to create, "
        f"{preview_s:.1f} s (load average {_load_average()})\n"
        f"- the advisors' requests meanwhile: {dict(sorted(stats.statuses.items()))}; 5xx: {fives}; "
        f'"database is locked" in the server log: {locked}\n'
        f"- séance POSTs: {len(posts)}, median {statistics.median(posts) if posts else 0:.0f} ms, "
        f"max {posts[-1] if posts else 0:.0f} ms\n"
        f"- ledger: {checked['séances']} acknowledged séances checked, {len(problems)} mismatch(es)\n"
        f"- cleanup: {erased}; {_count_diff(before, _row_counts(engine))}"
        f"{f'; {stale} precomputed monthly figures marked stale' if stale else ''}\n"
    )


def kill_import(database_url: str, port: int, seed: int, rows: int = 6000, fraction: float = 0.5) -> str:
    """SIGKILL the server halfway through the confirmation of a people import, then count."""
    engine = create_engine(_sqlalchemy_url(database_url))
    marker = f"kill-import-{seed}"
    like = {"p": marker + "-%@import-kill.example.org"}
    admin = _admin(engine)
    with engine.connect() as conn:
        if conn.scalar(text("SELECT COUNT(*) FROM persons WHERE email LIKE :p"), like):
            raise SystemExit(f"Des personnes « {marker}-… » existent déjà.")
    before = _row_counts(engine)
    footprint = Footprint(engine, [admin.id])
    data = _people_csv(rows, marker)
    log = Path(tempfile.mkstemp(prefix="passerelle-kill-import-", suffix=".log")[1])
    server = Server(database_url, port, log)
    stats = Stats()
    client = Advisor(server.base, admin.email, PASSWORD, admin.id, [], [], stats, random.Random(seed))
    report = [
        f"### kill -9 of gunicorn in the middle of an import (people, web upload) — {engine.dialect.name}\n"
    ]
    token = ""
    try:
        client.login()
        csrf, code, preview, preview_s = _preview_import(client, data)
        to_create = re.search(r"À créer</th><td>(\d+)<", preview)
        token_match = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', preview)
        if code != 200 or token_match is None or to_create is None or int(to_create.group(1)) != rows:
            # Every row must be importable: then "all or none" is the only all-or-nothing outcome.
            raise RuntimeError(f"preview: HTTP {code}, not {rows} persons to create ({stats.errors[-1:]})")
        token = token_match.group(1)
        answer: dict[str, float | int] = {}

        def confirm() -> None:
            status, _, _ = client.request(
                "import confirm",
                "/imports/confirm",
                {"csrf_token": csrf, "token": token, "kind": "people"},
                timeout=300,
            )
            answer.update(status=status, at=time.perf_counter() - sent_at)

        thread = threading.Thread(target=confirm)
        sent_at = time.perf_counter()
        thread.start()
        time.sleep(preview_s * fraction)
        transactions = _writers_at_kill(engine)
        answered_before_kill = not thread.is_alive()
        killed_at = time.perf_counter() - sent_at
        server.kill9()
        thread.join(timeout=60)
    finally:
        server.stop()
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT COUNT(*) FROM persons WHERE email LIKE :p"), like)
    audited = footprint.audit_actions()
    integrity = _integrity(engine)
    verdict = "none" if found == 0 else ("all" if found == rows else "PARTIAL")
    consistent = audited.get("person.create", 0) == found and audited.get("import.commit", 0) == (
        found == rows
    )
    report += [
        f"- file: {rows} rows, {len(data) / 1024:.0f} KiB; preview (the whole import, rolled back): "
        f"HTTP {code}, {to_create.group(1) if to_create else '?'} persons to create, {preview_s:.1f} s",
        f"- confirmation posted, SIGKILL to the gunicorn process group {killed_at:.1f} s later "
        f"({fraction:.0%} of the preview's time); answer received before the kill: "
        + ("YES (the kill came too late)" if answered_before_kill else "no")
        + (
            ""
            if answered_before_kill
            else f" (the client saw HTTP {answer.get('status', '?')}: connection closed)"
        ),
    ]
    if transactions:
        report.append("- at the kill: " + "; ".join(transactions))
    report += [
        f"- persons of the file in the database afterwards: {found} of {rows} → {verdict}",
        f"- audit events of the import afterwards: person.create {audited.get('person.create', 0)}, "
        f"import.commit {audited.get('import.commit', 0)} → {'consistent' if consistent else 'INCONSISTENT'} "
        "(an import writes only the persons, one person.create event each, and one import.commit event)",
    ]
    if integrity:
        report.append(integrity.rstrip("\n"))
    if _discard_pending_upload(token):
        report.append("- the upload left waiting in instance/imports/ by the killed confirmation: removed")
    with engine.begin() as conn:
        imported = set(conn.execute(text("SELECT id FROM persons WHERE email LIKE :p"), like).scalars())
        conn.execute(text("DELETE FROM persons WHERE email LIKE :p"), like)
    erased = footprint.erase({"Person": imported}, actions=("import.commit",))
    report.append(f"- cleanup: {erased}; {_count_diff(before, _row_counts(engine))}")
    return "\n".join(report) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kill-test", action="store_true", help="kill -9 mid-séance, then mid-import")
    parser.add_argument("--kill-import", action="store_true", help="kill -9 mid-import only")
    parser.add_argument("--import-rows", type=int, default=6000)
    parser.add_argument("--kill-fraction", type=float, default=0.5, help="of the preview's duration")
    parser.add_argument(
        "--import-under-load", action="store_true", help="advisors log séances during a big import's preview"
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (ou DATABASE_URL) est requis")
    if args.import_under_load:
        report = import_under_load(args.database_url, args.port, args.seed, args.import_rows)
    elif args.kill_test or args.kill_import:
        report = "" if args.kill_import else kill_test(args.database_url, args.port, args.seed) + "\n"
        report += kill_import(args.database_url, args.port, args.seed, args.import_rows, args.kill_fraction)
    else:
        report = load_run(args.database_url, args.clients, min(args.duration, 600), args.port, args.seed)
    print(report)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"load-{time.strftime('%Y%m%dT%H%M%S')}.md"
    path.write_text(report, encoding="utf-8")
    print(f"Écrit dans {path}")


if __name__ == "__main__":
    main()
