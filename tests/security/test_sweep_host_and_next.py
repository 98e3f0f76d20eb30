"""Route sweep, second part: a foreign Host header and hostile `next` values, on every route.

- Every route answers 400 to a request whose Host is not the configured one (Flask's
  TRUSTED_HOSTS, derived from BASE_URL), whatever the role, and writes nothing.
- Links that leave the app (e-mails, calendar feed) are built from BASE_URL even when a
  request gets through with another Host (an alias host the operator trusts).
- No `next` value, in the query string or the form, sends a browser to another site, and none
  makes a 500.
"""

import inspect
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db as _db
from app.extensions import limiter
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.portal.factories import PersonFactory
from tests.security.access_matrix import MATRIX, OK
from tests.security.test_route_sweep import _clients, _rules, _snapshot, _url, _world, _write_statements
from tests.security.world import ROLES

FOREIGN_HOSTS = ("evil.example", "localhost.evil.example", "evil.example:5000")

# What browsers turn into another host: tabs/newlines are dropped, a backslash reads as a slash.
HOSTILE_NEXT = (
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example/x",
    "//evil.example",
    "///evil.example",
    "https://evil.example/",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\x00/evil.example",
)


def _first_allowed_role(endpoint: str) -> str:
    spec = MATRIX[endpoint]
    return next((r for r in ROLES if spec.expected(r) == OK), "anonymous")


# --- Host header -------------------------------------------------------------------------------


def _carry_session_to(clients: dict, host: str) -> None:
    """Let each logged-in client send its session cookie to `host` too (a stolen or shared cookie)."""
    hostname = host.split(":")[0]
    for c in clients.values():
        cookie = c.get_cookie("passerelle_session")
        if cookie is not None:
            c.set_cookie("passerelle_session", cookie.value, domain=hostname)


def test_every_route_refuses_a_foreign_host_and_writes_nothing(app, client, db):
    world = _world()
    clients = _clients(app, client, world)
    for host in FOREIGN_HOSTS:
        _carry_session_to(clients, host)
    problems: list[str] = []
    for rule in _rules(app) + [r for r in app.url_map.iter_rules() if r.endpoint == "static"]:
        if rule.endpoint == "static":
            url, role = "/static/css/app.css", "anonymous"
        else:
            url, role = _url(rule, world.a), _first_allowed_role(rule.endpoint)
        for method in sorted(rule.methods & {"GET", "POST"}):
            for host in FOREIGN_HOSTS[:1] if rule.endpoint != "auth.login" else FOREIGN_HOSTS:
                for who in {role, "anonymous"}:
                    limiter.reset()
                    before = _snapshot()
                    with _write_statements() as writes:
                        response = clients[who].open(url, method=method, headers={"Host": host})
                    label = f"{method} {url} as {who} with Host: {host}"
                    if response.status_code != 400:
                        problems.append(f"{label}: expected 400, got {response.status_code}")
                    if writes or _snapshot() != before:
                        problems.append(f"{label}: wrote to the database")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_configured_hosts_are_served(app, client, db):
    assert client.get("/login").status_code == 200  # Host: localhost, the test BASE_URL's
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200


BASE = "https://passerelle.example.org"
ALIAS = "evil.example"


@pytest.fixture
def alias_host(app, monkeypatch):
    """BASE_URL is the public address; requests still reach the app under another (trusted) name."""
    monkeypatch.setitem(app.config, "BASE_URL", BASE)
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", None)


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_content())


def _alias(client, method: str, url: str, **kwargs):
    return client.open(url, method=method, base_url=f"http://{ALIAS}", **kwargs)


def test_mails_built_during_a_request_with_another_host_carry_base_url(
    app, client, db, pole, alias_host, outbox
):
    admin = UserFactory(pole=pole, role="admin")
    advisor = UserFactory(pole=pole, role="advisor")
    person = PersonFactory(pole=pole, email="porteuse@example.org")
    # Password reset, anonymous.
    assert _alias(client, "POST", "/password/forgot", data={"email": advisor.email}).status_code == 302
    # Invitation of a colleague, re-invitation, holder invitation, by the pole's admin.
    response = _alias(client, "POST", "/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    response = _alias(
        client, "POST", "/users", data={"email": "nouvelle@example.org", "role": "advisor", "full_name": "N"}
    )
    assert response.status_code == 302
    invited = _db.session.scalar(select(User).where(User.email == "nouvelle@example.org"))
    assert _alias(client, "POST", f"/users/{invited.id}/reinvite").status_code == 302
    assert _alias(client, "POST", f"/portal/invite/{person.id}").status_code == 302
    assert len(outbox) == 4
    for message in outbox:
        links = _links(message)
        assert links, message["Subject"]
        for link in links:
            assert link.startswith(BASE + "/"), (message["Subject"], link)
            assert ALIAS not in link


def test_calendar_feed_address_and_its_links_carry_base_url(app, client, db, pole, alias_host):
    advisor = UserFactory(pole=pole, role="advisor")
    response = _alias(client, "POST", "/login", data={"email": advisor.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _alias(client, "POST", "/sessions/agenda/abonnement/regenerer").status_code == 302
    page = _alias(client, "GET", "/sessions/agenda/abonnement").get_data(as_text=True)
    feed = re.search(r'value="(https?://[^"]+\.ics)"', page).group(1)
    assert feed.startswith(BASE + "/sessions/ical/")
    body = _alias(client, "GET", urlsplit(feed).path).get_data(as_text=True)
    assert ALIAS not in body


# --- next ----------------------------------------------------------------------------------------


def _leaves_the_site(location: str) -> bool:
    """Whether a browser following `location` would leave the site (WHATWG URL parsing, roughly)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    parts = urlsplit(cleaned)
    odd_scheme = bool(parts.scheme) and parts.scheme not in ("http", "https")
    return odd_scheme or parts.netloc not in ("", "localhost")


def _reads_next(view) -> bool:
    source = inspect.getsource(inspect.getmodule(view))
    return '"next"' in source or "'next'" in source


def _next_rules(app):
    rules = [r for r in _rules(app) if _reads_next(app.view_functions[r.endpoint])]
    endpoints = {r.endpoint for r in rules}
    # The sweep must not go blind: these are known to read `next`.
    assert {"auth.login", "main.set_language", "portal.invite_holder", "portal.open_round"} <= endpoints
    return rules


def _request_with_next(client, method, url, value, data=None):
    data = dict(data or {})
    if method == "POST":
        data["next"] = value
    return client.open(url, method=method, query_string={"next": value}, data=data)


def test_no_next_value_leads_off_site_or_fails(app, client, db):
    world = _world()
    problems: list[str] = []
    for rule in _next_rules(app):
        role = _first_allowed_role(rule.endpoint)
        url = _url(rule, world.a)
        for method in sorted(rule.methods & {"GET", "POST"}):
            clients = _clients(app, client, world) if role != "anonymous" else {"anonymous": client}
            for value in HOSTILE_NEXT:
                limiter.reset()
                label = f"{method} {url} as {role} with next={value!r}"
                try:
                    response = _request_with_next(clients[role], method, url, value)
                except Exception as exc:  # a 500, propagated in tests
                    _db.session.rollback()
                    problems.append(f"{label}: raised {exc!r}")
                    continue
                if response.status_code >= 500:
                    problems.append(f"{label}: answered {response.status_code}")
                location = response.headers.get("Location")
                if location and _leaves_the_site(location):
                    problems.append(f"{label}: redirects to {location!r}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_login_never_follows_a_hostile_next(app, db, pole, value):
    user = UserFactory(pole=pole, role="advisor")
    with app.test_client() as fresh:
        limiter.reset()
        response = fresh.post(
            "/login", query_string={"next": value}, data={"email": user.email, "password": PASSWORD}
        )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_language_switch_never_follows_a_hostile_next(client, db, value):
    response = client.post("/lang/en", data={"next": value})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_local_next_values_are_still_followed(client, db):
    response = client.post("/lang/en", data={"next": "/people/?q=a%20b"})
    assert response.headers["Location"] == "/people/?q=a%20b"
