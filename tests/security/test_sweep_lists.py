"""The list sweep: what a pole-B user sees of pole A on every page, export and choice list.

The route sweep (test_route_sweep.py) checks each record URL of the other pole answers 404,
which `get_or_404` ensures on its own. Lists, searches, exports, reports and the choices of
form selects rely on the automatic scoping hook (app/core/scoping.py) alone: this sweep
requests every GET route a pole-B user may open (with pole B's record ids, and search and
period variants of the lists) and looks for pole A in the answer — HTML, CSV, JSON, XLSX or
PDF. Every record of pole A is renamed to carry MARK first, so "nothing of pole A" is simply
"no MARK", nor a link to one of pole A's records, nor a pole-A e-mail.

The same sweep as pole A's users is the control: MARK must show on the lists below, so a
page that stopped showing names cannot make the check pass by itself.
"""

import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from app.auth.models import User
from app.collectives.models import Collective
from app.core.text import search_text
from app.extensions import db as _db
from app.pathways.models import PathwayTemplate, Stage
from app.people.models import Person
from app.poles.models import FundingProgramme, Pole, Thematic
from app.requests.models import Request
from app.sessions.models import AccompanimentSession
from app.structures.models import Structure
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.security.access_matrix import MATRIX, OK
from tests.security.test_route_sweep import _outcome, _rules, _url, _world

MARK = "Qzxwv"
ROLES = ("admin", "advisor", "holder", "partner")
# Token URLs open another account's data by design (the token is the credential); logging out
# would end the sweep's session.
SKIPPED = {
    "sessions.ical_feed",
    "auth.accept_invitation",
    "auth.reset_password",
    "auth.logout",
    "referrals.answer",  # the partner referent's e-mailed link
}
SEARCH_TERMS = ("Anne", "Guillou", "Partenaire", "Tiers-lieu", "Café", "Atelier", "Recyclerie")
SEARCHED = {
    "people.index",
    "structures.index",
    "structures.directory",
    "collectives.index",
    "requests.index",
    "accompaniments.index",
    "sessions.agenda",
    "referrals.index",
}
# Lists where pole A's users must see MARK (the control).
CONTROL = {
    "people.index",
    "structures.index",
    "structures.directory",
    "collectives.index",
    "requests.index",
    "accompaniments.index",
    "referrals.index",
    "people.export",
    "sessions.new",
    "referrals.new",
    "poles.thematics",
    "pathways.index",
    "sessions.programmes",
    "auth.users",
    "referrals.partner_index",
    "portal.index",
}


def _variants(endpoint: str) -> list[str]:
    """Query strings to request besides the bare URL."""
    today = date.today()
    months = {
        f"{d.year}-{d.month:02d}"
        for d in (today, today.replace(day=1) - timedelta(days=1), today + timedelta(days=7))
    }
    extra = [f"q={term}" for term in SEARCH_TERMS] if endpoint in SEARCHED else []
    if endpoint == "sessions.agenda":
        for day in (today - timedelta(days=3), today + timedelta(days=7)):
            extra += [f"d={day.isoformat()}", f"view=month&d={day.isoformat()}"]
    if endpoint in ("people.index", "structures.index", "collectives.index"):
        extra += ["archives=1", "archived=1"]
    if endpoint == "reports.monthly":
        extra += [f"month={m}&format={fmt}" for m in sorted(months) for fmt in ("html", "csv", "xlsx", "pdf")]
    if endpoint == "reports.monthly_json":
        extra += [f"month={m}" for m in sorted(months)]
    if endpoint == "reports.indicators":
        start, end = (today - timedelta(days=365)).isoformat(), (today + timedelta(days=30)).isoformat()
        extra += [f"start={start}&end={end}&format={fmt}" for fmt in ("html", "json", "csv", "xlsx")]
    if endpoint == "privacy.export_person":
        extra += ["format=json"]
    return extra


def _text(response) -> str:
    """The answer as text, whatever its format."""
    data = response.data
    if data.startswith(b"%PDF"):
        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if data.startswith(b"PK"):
        book = load_workbook(io.BytesIO(data), read_only=True)
        return " ".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
        )
    return data.decode("utf-8", errors="replace")


def _mark_pole_a(pole_a_id: int) -> None:
    """Append MARK to every name and title of pole A (and to the pole's own name)."""
    renamed = (
        (Person, "last_name"),
        (Person, "first_name"),
        (Structure, "name"),
        (Collective, "name"),
        (PathwayTemplate, "name"),
        (Stage, "name"),
        (FundingProgramme, "name"),
        (Thematic, "name"),
        (Accompaniment, "title"),
        (AccompanimentSession, "title"),
        (Request, "need"),
        (User, "full_name"),
    )
    for model, column in renamed:
        for record in _db.session.scalars(select(model).where(model.pole_id == pole_a_id)):
            setattr(record, column, f"{getattr(record, column) or ''} {MARK}".strip())
            if model is Person:
                record.search_text = search_text(record.last_name, record.first_name)
            elif model in (Structure, Collective):
                record.search_text = search_text(record.name)
    pole = _db.session.get(Pole, pole_a_id)
    pole.name = f"{pole.name} {MARK}"
    _db.session.commit()


def _login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302 and "/login" not in response.location, email
    return client


def _sweep(app, clients: dict, values: dict, problems: list[str], leaks, only=None) -> dict[str, set[str]]:
    """GET every route each role may open (or those of `only`), with `values`; `leaks(text)`
    names what must not be there (reported in `problems`). Returns {endpoint: roles that saw MARK}."""
    seen: dict[str, set[str]] = {}
    for rule in _rules(app):
        if "GET" not in rule.methods or rule.endpoint in SKIPPED or rule.endpoint not in MATRIX:
            continue
        if "token" in rule.arguments:  # e-mailed links: the token is the credential
            continue
        if only is not None and rule.endpoint not in only:
            continue
        spec = MATRIX[rule.endpoint]
        base = _url(rule, values)
        urls = [base] + [f"{base}{'&' if '?' in base else '?'}{query}" for query in _variants(rule.endpoint)]
        for role in ROLES:
            if spec.expected(role) != OK:
                continue
            for url in urls:
                response = clients[role].get(url)
                if base == url and _outcome(app, response) != OK:
                    problems.append(f"GET {url} as {role}: expected {OK}, got {_outcome(app, response)}")
                if response.status_code != 200:
                    continue
                text = _text(response)
                if MARK.lower() in text.lower():
                    seen.setdefault(rule.endpoint, set()).add(role)
                for leak in leaks(text):
                    problems.append(f"GET {url} as {role}: shows {leak}")
    return seen


def test_pole_b_lists_searches_exports_reports_and_choices_show_nothing_of_pole_a(app, db):
    world = _world()
    pole_a_id = db.session.scalar(select(User.pole_id).where(User.id == world.a["user_id"]))
    pole_b = db.session.get(
        Pole, db.session.scalar(select(User.pole_id).where(User.id == world.b["user_id"]))
    )
    _mark_pole_a(pole_a_id)
    b_users = {
        "admin": UserFactory(pole=pole_b, role="admin"),
        "advisor": UserFactory(pole=pole_b, role="advisor"),
        "holder": UserFactory(pole=pole_b, role="holder", person_id=world.b["person_id"]),
        "partner": UserFactory(pole=pole_b, role="partner", structure_id=world.b["structure_id"]),
    }
    b_emails = {role: user.email for role, user in b_users.items()}
    db.session.commit()
    a_emails = set(world.emails.values()) | set(
        db.session.scalars(select(User.email).where(User.pole_id == pole_a_id))
    )
    # Links to pole A's records: the record URLs of the sweep world, built with pole A's ids.
    a_links = {
        _url(rule, world.a)
        for rule in _rules(app)
        if rule.endpoint in MATRIX and any(arg.endswith("_id") for arg in rule.arguments)
    }
    link_patterns = [re.compile(re.escape(link) + r"(?![0-9])") for link in a_links]

    def pole_a_in(text: str) -> list[str]:
        found = [MARK] if MARK.lower() in text.lower() else []
        found += [email for email in a_emails if email in text]
        found += [p.pattern for p in link_patterns if p.search(text)]
        return found

    problems: list[str] = []
    # The control: pole A's own users see their pole's records on its lists.
    a_clients = {role: _login(app, world.emails[role]) for role in ROLES}
    seen_by_a = _sweep(app, a_clients, world.a, problems, leaks=lambda text: [], only=CONTROL)
    missing = sorted(CONTROL - seen_by_a.keys())
    assert not missing, f"pole A's users do not see pole A's records on: {', '.join(missing)}"

    b_values = {**world.b, "pole_slug": pole_b.slug}
    b_clients = {role: _login(app, b_emails[role]) for role in ROLES}
    _sweep(app, b_clients, b_values, problems, leaks=pole_a_in)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
