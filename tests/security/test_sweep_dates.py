"""Issue 19 point 10: extreme dates in any query parameter answer a page, never a 500.

For every GET route (tests/security/access_matrix.py), a first request as a role the route is
meant for records which query parameters the view reads; each date-like one then receives
extreme and malformed values (alone, and with the view and format switches the route also
reads), and every answer must be below 500.
"""

import re
from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from app.extensions import limiter
from tests.security.access_matrix import MATRIX, OK
from tests.security.test_route_sweep import _clients, _rules, _url, _world

DATE_LIKE = re.compile(
    r"^(d|day|date|month|year|week|start|end|from|to|since|until|period)$|_(on|at|from|to|date|month)$|^date_"
)
EXTREME = (
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "abc",
    "2026-10-01" * 500,  # very long
    "9" * 5000,
    "2026-13",
    "0000-00",
    "9999-12",
    "0001-01",
    "-1",
    "2026-10-01T00:00:00",
)
# Switches a route may also read: the extreme date is sent with each of them too.
SWITCHES = {"view": ("week", "month"), "format": ("json", "csv")}
ROLE_ORDER = ("admin", "advisor", "holder", "partner", "regional", "anonymous")


class _Reads:
    keys: set[str] = set()


class TrackingArgs(ImmutableMultiDict):
    """request.args that notes every key the view looks up."""

    def __contains__(self, key):
        _Reads.keys.add(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        _Reads.keys.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        _Reads.keys.add(key)
        return super().get(key, default=default, type=type)

    def getlist(self, key, type=None):  # noqa: A002
        _Reads.keys.add(key)
        return super().getlist(key, type=type)


@pytest.fixture
def tracking(app, monkeypatch):
    monkeypatch.setattr(app.request_class, "parameter_storage_class", TrackingArgs)


def _queries(read: set[str]):
    for param in sorted(k for k in read if DATE_LIKE.search(k)):
        for value in EXTREME:
            yield {param: value}
            for switch, options in SWITCHES.items():
                if switch in read:
                    for option in options:
                        yield {param: value, switch: option}


def test_every_date_parameter_of_every_route_survives_extreme_values(app, client, db, tracking):
    world = _world()
    clients = _clients(app, client, world)
    problems: list[str] = []
    swept: dict[str, set[str]] = {}
    for rule in _rules(app):
        if "GET" not in rule.methods or rule.endpoint not in MATRIX:
            continue
        spec = MATRIX[rule.endpoint]
        role = next((r for r in ROLE_ORDER if spec.expected(r) == OK), None)
        if role is None:
            continue
        url = _url(rule, world.a)
        _Reads.keys = set()
        limiter.reset()
        clients[role].get(url)
        read = set(_Reads.keys)
        for query in _queries(read):
            swept.setdefault(rule.endpoint, set()).update(k for k in query if k not in SWITCHES)
            limiter.reset()
            target = f"{url}?{urlencode(query)}"
            try:
                response = clients[role].get(target)
            except Exception as exc:  # a 500 propagates in tests: report it with the others
                db.session.rollback()
                problems.append(f"GET {target[:120]} as {role}: raised {exc!r}"[:300])
                continue
            if response.status_code >= 500:
                problems.append(f"GET {target[:120]} as {role}: {response.status_code}")
    # The sweep really reaches the date parameters named in the issue.
    assert "d" in swept.get("sessions.agenda", set()), swept
    assert {"month"} <= swept.get("reports.monthly", set()), swept
    assert len(swept) >= 6, swept
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_shared_parsers_refuse_what_would_overflow():
    from datetime import date

    from app.core.dates import parse_day, parse_month

    assert parse_day("2026-10-05") == date(2026, 10, 5)
    for bad in ("9999-12-31", "0001-01-01", "2026-02-30", "abc", "", None, "9" * 5000, "2026-10-05T10:00"):
        assert parse_day(bad) is None, bad
    assert parse_month("2026-03") == (2026, 3)
    for bad in ("2026-13", "0000-00", "9999-12", "0001-01", "2026-3", "abc", None, "2026-10" * 500):
        assert parse_month(bad) is None, bad


def test_agenda_at_the_ends_of_the_calendar_shows_this_week(client, db, admin, login_as):
    login_as(admin)
    this_week = client.get("/sessions/agenda?view=month").get_data(as_text=True)
    for day in ("9999-12-31", "0001-01-01"):
        response = client.get(f"/sessions/agenda?d={day}&view=month")
        assert response.status_code == 200
        assert response.get_data(as_text=True).split("<h1", 1)[1][:200] == this_week.split("<h1", 1)[1][:200]


def test_out_of_range_filters_get_a_french_message(client, db, admin, login_as):
    login_as(admin)
    journal = client.get("/privacy/journal?date_from=0001-01-01").get_data(as_text=True)
    assert "Date invalide : « 0001-01-01 »" in journal
    referrals = client.get("/referrals/?month=9999-12").get_data(as_text=True)
    assert "Mois invalide : « 9999-12 »" in referrals
    requests_page = client.get("/requests/?month=0000-00").get_data(as_text=True)
    assert "Mois invalide : « 0000-00 »" in requests_page


def test_forms_refuse_days_at_the_ends_of_the_calendar(app, client, db):
    """A séance, a person, a request, a dossier dated 31/12/9999 or 01/01/0001 was saved before."""
    world = _world()
    admin = _clients(app, client, world)["admin"]
    a = world.a
    forms = {
        "/sessions/new": {"kind": "individual", "title": "x", "start_time": "10:00", "duration_minutes": 60},
        "/people/new": {"first_name": "A", "last_name": "B"},
        "/requests/new": {"channel": "phone", "contact_text": "x", "need": "y"},
        "/accompaniments/new": {"person_id": a["person_id"], "title": "t", "template_id": a["template_id"]},
        f"/referrals/{a['referral_id']}/follow-up": {},
    }
    fields = {
        "/sessions/new": "day",
        "/people/new": "first_contact_on",
        "/requests/new": "received_on",
        "/accompaniments/new": "started_on",
        f"/referrals/{a['referral_id']}/follow-up": "follow-follow_up_on",
    }
    problems = []
    for url, data in forms.items():
        for day in ("9999-12-31", "0001-01-01"):
            response = admin.post(url, data={**data, fields[url]: day})
            refused = "Date invalide" in response.get_data(as_text=True)
            if response.status_code in (301, 302, 303) or not refused:
                problems.append(f"POST {url} with {day}: {response.status_code}")
    assert not problems, problems
