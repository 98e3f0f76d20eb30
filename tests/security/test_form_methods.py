"""Form contents never go into a URL: every form holding a CSRF token (or personal data) posts.

Walks every GET route as every role the access matrix lets in (tests/security/access_matrix.py),
on an app with CSRF on so that forms render their token, and parses each page's forms with
html.parser. A form submitted by GET puts its fields in the URL, the browser history and the
access log: a CSRF token, a person's id or a free-text motif must never end up there.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from config import TestConfig
from tests.conftest import PASSWORD
from tests.security.access_matrix import MATRIX, OK
from tests.security.test_route_sweep import CSRF_INPUT, _rules, _url
from tests.security.world import ROLES, build_world

# Fields that only ever hold data to save: a GET form (a search or a filter) has none of them.
DATA_ONLY_FIELDS = {("textarea", None), ("input", "password"), ("input", "file")}


@dataclass
class Form:
    method: str
    action: str
    has_csrf: bool = False
    get_submitters: list[str] = field(default_factory=list)  # buttons with formmethod="get"
    data_fields: list[str] = field(default_factory=list)  # textarea, password, file
    default_button: str | None = None  # the first submit button: the one Enter presses


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.stray_get_submitters: list[str] = []  # formmethod="get" outside any form
        self._current: Form | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = Form(method=(a.get("method") or "get").lower(), action=a.get("action") or "")
            self.forms.append(self._current)
            return
        if tag not in ("input", "button", "textarea", "select"):
            return
        label = f"<{tag} name={a.get('name')!r}>"
        if (a.get("formmethod") or "").lower() == "get":
            (self._current.get_submitters if self._current else self.stray_get_submitters).append(label)
        if self._current is None:
            return
        is_submit = (tag == "button" and (a.get("type") or "submit").lower() == "submit") or (
            tag == "input" and (a.get("type") or "").lower() in ("submit", "image")
        )
        if is_submit and self._current.default_button is None:
            self._current.default_button = a.get("name") or ""
        if tag == "input" and a.get("name") == "csrf_token":
            self._current.has_csrf = True
        kind = (a.get("type") or "").lower() if tag == "input" else None
        if (tag, kind) in DATA_ONLY_FIELDS:
            self._current.data_fields.append(label)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def problems_in(html: str, where: str) -> list[str]:
    parser = FormParser()
    parser.feed(html)
    found = [f"{where}: {label} has formmethod=\"get\"" for label in parser.stray_get_submitters]
    for form in parser.forms:
        name = f"{where}: form action={form.action!r}"
        if form.has_csrf and form.method != "post":
            found.append(f"{name} holds a CSRF token but has method={form.method!r}")
        for label in form.get_submitters:
            found.append(f"{name}: {label} submits it by GET (formmethod=\"get\")")
        if form.method == "post" and form.default_button == "filter":
            found.append(f"{name}: Enter in a field would filter instead of saving (first button: filter)")
        if form.method == "get" and form.data_fields:
            found.append(f"{name} is submitted by GET with data fields {form.data_fields}")
    return found


def test_the_parser_catches_a_get_submitted_form():
    page = """
    <form method="get"><input type="hidden" name="csrf_token" value="x"></form>
    <form method="post"><input type="hidden" name="csrf_token" value="x">
      <button type="submit" formmethod="GET" name="filter">Filtrer</button></form>
    <form><textarea name="reason"></textarea></form>
    <form method="post"><button name="filter">Filtrer</button><button>Enregistrer</button></form>
    <form method="get" role="search"><input type="search" name="q"></form>
    """
    found = problems_in(page, "page")
    assert sum("holds a CSRF token but has method='get'" in p for p in found) == 1, found
    assert sum("formmethod" in p for p in found) == 1, found
    assert sum("data fields" in p for p in found) == 1, found
    assert sum("would filter instead of saving" in p for p in found) == 2, found
    assert len(found) == 5, found


def test_every_form_with_a_csrf_token_posts_and_no_button_switches_it_to_get(app, db):
    class CsrfConfig(TestConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    world = build_world()
    _db.session.commit()
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
    pages = forms_with_token = 0
    for rule in _rules(csrf_app):
        if "GET" not in rule.methods or rule.endpoint not in MATRIX:
            continue  # the route sweep reports routes missing from the matrix
        spec = MATRIX[rule.endpoint]
        url = _url(rule, world.a)
        for role in ROLES:
            if spec.expected(role) != OK:
                continue
            limiter.reset()
            response = clients[role].get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            pages += 1
            forms_with_token += html.count('name="csrf_token"')
            problems += problems_in(html, f"GET {url} as {role}")
    assert pages > 50 and forms_with_token > 50, (pages, forms_with_token)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
