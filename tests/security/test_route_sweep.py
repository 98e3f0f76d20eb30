"""The route sweep: every route of the app, as every role, against the declared access matrix.

One fixture world (tests/security/world.py) is built per test function; each test loops over
all routes and roles and reports every mismatch at once.
"""

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

from sqlalchemy import String, cast, event, func, literal, select, union_all
from werkzeug.exceptions import HTTPException

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from config import TestConfig
from tests.conftest import PASSWORD
from tests.security.access_matrix import LOGIN, MATRIX, NOT_FOUND, OK
from tests.security.world import ROLES, build_world

IGNORED_ENDPOINTS = {"static"}
# `audit_events` is left out of the "a GET writes nothing" check on purpose: access denials
# (app.core.permissions) and exports/downloads are journaled on GET by design.
# The precomputed monthly figures (app/reports/figures.py) are derived data, a cache that the
# report pages fill on GET by design; tests/reports/test_figures.py checks them.
DERIVED = {
    "monthly_figure_states",
    "monthly_session_figures",
    "monthly_participants",
    "monthly_member_figures",
}
NOT_SNAPSHOTTED = {"audit_events", *DERIVED}
REDIRECT_CODES = {301, 302, 303, 307, 308}


def _world():
    world = build_world()
    # Commit (inside the test's outer transaction, rolled back after the test): the 404 handler
    # and a failing request roll the session back, which must not take the world with it.
    _db.session.commit()
    return world


def _rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in IGNORED_ENDPOINTS),
        key=lambda r: (r.endpoint, r.rule),
    )


def _url(rule, values: dict) -> str:
    spec = MATRIX[rule.endpoint]
    url_values = {arg: values[spec.args.get(arg, arg)] for arg in rule.arguments}
    return rule.build(url_values, append_unknown=False)[1]


def _takes_record_id(rule) -> bool:
    return any(arg.endswith("_id") for arg in rule.arguments)


PERSONAL_ROLES = ("holder", "partner")  # see only their own records inside their pole


def _other_person_url(rule, world, spec) -> str | None:
    """The URL naming another person's record of pole A, for routes a holder or partner may use."""
    if not any(spec.expected(r) == OK for r in PERSONAL_ROLES):
        return None
    url = _url(rule, world.other)
    return url if url != _url(rule, world.a) else None


def _outcome(app, response) -> str:
    code = response.status_code
    if 200 <= code < 300:
        return OK
    if code in REDIRECT_CODES:
        path = urlsplit(response.location).path
        try:
            endpoint, _args = app.url_map.bind("localhost").match(path, method="GET")
        except HTTPException:
            return f"302:{path}"
        return LOGIN if endpoint == "auth.login" else f"302:{endpoint}"
    return str(code)


def _snapshot() -> dict:
    """Row count and latest updated_at of every table (but the audit journal), in one query."""
    selects = []
    for table in _db.metadata.sorted_tables:
        if table.name in NOT_SNAPSHOTTED:
            continue
        stamp = cast(func.max(table.c.updated_at), String) if "updated_at" in table.c else literal("")
        selects.append(select(literal(table.name), func.count(), stamp).select_from(table))
    rows = _db.session.execute(union_all(*selects)).all()
    return {name: (count, stamp) for name, count, stamp in rows}


@contextmanager
def _write_statements():
    """The INSERT/UPDATE/DELETE statements run meanwhile (but the audit journal's), first words only.

    Stricter than the snapshot: it also sees an update of a table without `updated_at`.
    """
    writes: list[str] = []

    def _before(conn, cursor, statement, parameters, context, executemany):
        words = statement.split()
        verb = words[0].upper() if words else ""
        head = " ".join(words[:4])
        if verb in ("INSERT", "UPDATE", "DELETE") and not any(t in head for t in NOT_SNAPSHOTTED):
            writes.append(" ".join(words[:3]))

    event.listen(_db.engine, "before_cursor_execute", _before)
    try:
        yield writes
    finally:
        event.remove(_db.engine, "before_cursor_execute", _before)


def _diff(before: dict, after: dict) -> str:
    return ", ".join(f"{t}: {before[t]} -> {after[t]}" for t in before if before[t] != after[t])


def _clients(app, anonymous_client, world):
    clients = {"anonymous": anonymous_client}
    for role in ROLES[1:]:
        c = app.test_client()
        response = c.post("/login", data={"email": world.emails[role], "password": PASSWORD})
        assert response.status_code == 302 and "/login" not in response.location, role
        clients[role] = c
    return clients


def _check(app, client, method, url, expected, label, problems):
    limiter.reset()  # the sweep posts to rate-limited public forms many times
    before = _snapshot()
    try:
        with _write_statements() as writes:
            response = client.open(url, method=method)
    except Exception as exc:  # a 500 (propagated in tests): report it with the others
        _db.session.rollback()
        problems.append(f"{label}: expected {expected}, raised {exc!r}")
        return
    if writes:
        problems.append(f"{label}: ran {'; '.join(writes)}")
    actual = _outcome(app, response)
    if actual != expected:
        problems.append(f"{label}: expected {expected}, got {actual}")
    changed = _diff(before, _snapshot())
    if changed:
        problems.append(f"{label}: wrote to the database ({changed})")


def _swept_rules(app, method: str, problems: list[str]):
    """The rules answering `method`; one missing from the matrix is reported, not requested."""
    for rule in _rules(app):
        if method not in rule.methods:
            continue
        if rule.endpoint not in MATRIX:
            problems.append(
                f"{rule.endpoint}: missing from the access matrix (tests/security/access_matrix.py)"
            )
            continue
        yield rule


def _report(problems: list[str]) -> str:
    return f"{len(problems)} mismatch(es):\n" + "\n".join(problems)


def test_every_route_is_in_the_access_matrix(app):
    endpoints = {r.endpoint for r in _rules(app)}
    missing = sorted(endpoints - MATRIX.keys())
    stale = sorted(MATRIX.keys() - endpoints)
    assert not missing, (
        "Routes missing from the access matrix (tests/security/access_matrix.py, MATRIX): "
        + ", ".join(missing)
    )
    assert not stale, "Matrix entries for endpoints that no longer exist: " + ", ".join(stale)


def test_matrix_agrees_with_the_role_decorators(app):
    """A route decorated with roles_required(...) lets in exactly the roles the matrix allows."""
    problems = []
    for endpoint, spec in MATRIX.items():
        declared = getattr(app.view_functions.get(endpoint), "allowed_roles", None)
        if declared is None:
            continue
        allowed = {r for r in ROLES[1:] if spec.expected(r) not in (NOT_FOUND, LOGIN)}
        if allowed != set(declared):
            problems.append(f"{endpoint}: matrix allows {sorted(allowed)}, decorator {sorted(declared)}")
        if spec.anonymous != LOGIN:
            problems.append(f"{endpoint}: role-protected but the matrix lets anonymous in")
    assert not problems, _report(problems)


def test_get_routes_answer_as_declared_and_write_nothing(app, client, db):
    world = _world()
    clients = _clients(app, client, world)
    problems: list[str] = []
    for rule in _swept_rules(app, "GET", problems):
        spec = MATRIX[rule.endpoint]
        url_a = _url(rule, world.a)
        url_b = _url(rule, world.b) if _takes_record_id(rule) else None
        for role in ROLES:
            expected = spec.expected(role)
            _check(app, clients[role], "GET", url_a, expected, f"GET {url_a} as {role}", problems)
            if url_b is not None:
                expected_b = LOGIN if expected == LOGIN else NOT_FOUND
                _check(
                    app, clients[role], "GET", url_b, expected_b, f"GET {url_b} (pole B) as {role}", problems
                )
        url_other = _other_person_url(rule, world, spec)
        for role in PERSONAL_ROLES if url_other else ():
            label = f"GET {url_other} (another person's record) as {role}"
            _check(app, clients[role], "GET", url_other, NOT_FOUND, label, problems)
        url_mismatched = _url(rule, world.mismatched)
        for role in ROLES if url_mismatched != url_a else ():
            if spec.expected(role) == OK:
                label = f"GET {url_mismatched} (child of another parent) as {role}"
                _check(app, clients[role], "GET", url_mismatched, NOT_FOUND, label, problems)
    assert not problems, _report(problems)


def test_post_routes_refuse_as_declared_and_write_nothing(app, client, db):
    """POST as every role the matrix refuses (and with pole B's records, as every role)."""
    world = _world()
    clients = _clients(app, client, world)
    problems: list[str] = []
    for rule in _swept_rules(app, "POST", problems):
        spec = MATRIX[rule.endpoint]
        url_a = _url(rule, world.a)
        url_b = _url(rule, world.b) if _takes_record_id(rule) else None
        for role in ROLES:
            expected = spec.expected(role)
            if expected in (LOGIN, NOT_FOUND):
                _check(app, clients[role], "POST", url_a, expected, f"POST {url_a} as {role}", problems)
            if url_b is not None:
                expected_b = LOGIN if expected == LOGIN else NOT_FOUND
                _check(
                    app,
                    clients[role],
                    "POST",
                    url_b,
                    expected_b,
                    f"POST {url_b} (pole B) as {role}",
                    problems,
                )
        url_other = _other_person_url(rule, world, spec)
        for role in PERSONAL_ROLES if url_other else ():
            label = f"POST {url_other} (another person's record) as {role}"
            _check(app, clients[role], "POST", url_other, NOT_FOUND, label, problems)
        url_mismatched = _url(rule, world.mismatched)
        for role in ROLES if url_mismatched != url_a else ():
            if spec.expected(role) == OK:
                label = f"POST {url_mismatched} (child of another parent) as {role}"
                _check(app, clients[role], "POST", url_mismatched, NOT_FOUND, label, problems)
    assert not problems, _report(problems)


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_every_post_route_without_csrf_token_answers_400(app, db):
    class CsrfConfig(TestConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    world = _world()
    csrf_app = create_app(CsrfConfig)
    limiter.reset()
    clients = {"anonymous": csrf_app.test_client()}
    for role in ROLES[1:]:
        c = csrf_app.test_client()
        token = CSRF_INPUT.search(c.get("/login").get_data(as_text=True)).group(1)
        response = c.post(
            "/login", data={"email": world.emails[role], "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302 and "/login" not in response.location, role
        clients[role] = c
    problems: list[str] = []
    for rule in _swept_rules(csrf_app, "POST", problems):
        spec = MATRIX[rule.endpoint]
        # Post as a user the route is meant for, so that only the missing token can refuse it.
        role = next(
            (r for r in ("admin", "holder", "partner", "advisor", "regional") if spec.expected(r) == OK),
            "anonymous",
        )
        url = _url(rule, world.a)
        _check(
            csrf_app, clients[role], "POST", url, "400", f"POST {url} as {role} without CSRF token", problems
        )
    assert not problems, _report(problems)


def test_special_routes_refuse_a_wrong_credential(app, client, db):
    """Token URLs and public pages: a wrong token or an unknown pole answers 404, writing nothing."""
    world = _world()
    problems: list[str] = []
    for url in (
        "/sessions/ical/not-a-real-token.ics",
        "/invitation/not-a-real-token",
        "/password/reset/not-a-real-token",
        f"/invitation/{world.a['reset_token']}",  # a reset token is no invitation
        f"/password/reset/{world.a['invitation_token']}",  # and the other way round
        "/p/no-such-pole/ateliers",
        f"/p/no-such-pole/ateliers/{world.a['session_id']}",
    ):
        _check(app, client, "GET", url, NOT_FOUND, f"GET {url} as anonymous", problems)
    assert not problems, _report(problems)
