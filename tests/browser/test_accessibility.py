"""Accessibility sweep (RGAA / WCAG 2.1 AA): axe-core on every main page, as the right role.

axe-core is vendored in tests/browser/vendor/axe-core (never served by the app). The app's CSP
(`script-src 'self'`) blocks an injected <script> tag, so axe runs through `page.evaluate`,
which goes through the DevTools protocol and is not subject to the page's CSP.

The conftest's `live_server`/`seed`/`page` are per test (tables emptied each time): here one
live server and one demo pole (`seed_demo`, every domain's data) serve the whole module, and one
logged-in tab per role is reused by every page of that role, so ~85 pages stay near a minute.
Serious and critical violations fail; the others are ignored. Duplicate ids are checked apart
(axe only sends those referenced by a <label> to "needs review").
"""

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app.accompaniments.models import Accompaniment
from app.auth.models import User
from app.auth.services import create_user
from app.collectives.models import Collective
from app.core.models import utcnow
from app.demo.cli import DEMO_PASSWORD, DEMO_SLUG, seed_demo
from app.extensions import db, limiter
from app.pathways.models import PathwayTemplate
from app.people.models import Person
from app.poles.services import create_pole
from app.referrals.models import Referral
from app.requests.models import Request
from app.sessions.models import AccompanimentSession
from app.structures.models import Structure
from tests.browser.conftest import _empty_tables

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
PHONE_WIDTH = 360
DESKTOP = {"width": 1280, "height": 720}

ACCOUNTS = {
    "admin": "admin@demo.passerelle.test",
    "advisor": "advisor1@demo.passerelle.test",
    "partner": "partner@demo.passerelle.test",
    "holder": "holder@demo.passerelle.test",
    "new-pole": "nouvelle@pole-vide.example",  # an advisor of a pole with no data yet
}

# (test id, role or None for anonymous, path with {placeholders} filled from the seeded ids)
PAGES = [
    ("login", None, "/login"),
    ("forgotten-password", None, "/password/forgot"),
    ("public-workshops", None, "/p/{pole_slug}/ateliers"),
    ("home-admin", "admin", "/"),
    ("home-advisor", "advisor", "/"),
    ("people-list", "advisor", "/people/"),
    ("people-new", "advisor", "/people/new"),
    ("people-detail", "advisor", "/people/{person_id}"),
    ("structures-list", "advisor", "/structures/"),
    ("structures-detail", "advisor", "/structures/{structure_id}"),
    ("directory", "advisor", "/structures/annuaire"),
    ("collectives-list", "advisor", "/collectives/"),
    ("collectives-detail", "advisor", "/collectives/{collective_id}"),
    ("thematics-admin", "admin", "/thematiques"),
    ("users-admin", "admin", "/users"),
    ("import", "admin", "/imports/"),
    ("requests-list", "advisor", "/requests/"),
    ("requests-new", "advisor", "/requests/new"),
    ("requests-detail", "advisor", "/requests/{request_id}"),
    ("dossiers-list", "advisor", "/accompaniments/"),
    ("dossiers-new", "advisor", "/accompaniments/new"),
    ("dossiers-detail", "advisor", "/accompaniments/{accompaniment_id}"),
    ("pathways-admin", "admin", "/pathways/"),
    ("pathway-edit", "admin", "/pathways/{template_id}"),
    ("agenda-week", "advisor", "/sessions/agenda?view=week"),
    ("agenda-month", "advisor", "/sessions/agenda?view=month"),
    ("seance-new", "advisor", "/sessions/new"),
    ("seance-detail", "advisor", "/sessions/{session_id}"),
    ("funding-programmes", "admin", "/sessions/programmes"),
    ("calendar", "advisor", "/sessions/agenda/abonnement"),
    ("orientations-list", "advisor", "/referrals/"),
    ("orientations-new", "advisor", "/referrals/new"),
    ("orientations-detail", "advisor", "/referrals/{referral_id}"),
    ("orientations-to-chase", "advisor", "/referrals/to-chase"),
    ("partner-index", "partner", "/referrals/partner"),
    ("partner-detail", "partner", "/referrals/partner/{partner_referral_id}"),
    ("home-partner", "partner", "/"),
    ("home-holder", "holder", "/"),
    ("portal-parcours", "holder", "/portal/"),
    ("portal-seances", "holder", "/portal/seances"),
    ("portal-orientations", "holder", "/portal/orientations"),
    ("portal-my-data", "holder", "/portal/mes-donnees"),
    ("portal-self-assessment", "holder", "/portal/dossiers/{holder_dossier_id}/auto-positionnement"),
    ("dossier-skills", "advisor", "/portal/dossiers/{holder_dossier_id}/competences"),
    ("audit-journal", "admin", "/privacy/journal"),
    ("pole-settings", "admin", "/parametres"),
    ("error-404", "advisor", "/cette-page-n-existe-pas"),
    # Secondary pages reached from the main ones.
    ("public-registration", None, "/p/{pole_slug}/ateliers/{public_session_id}"),
    ("people-edit", "advisor", "/people/{person_id}/edit"),
    ("structures-new", "advisor", "/structures/new"),
    ("collectives-new", "advisor", "/collectives/new"),
    ("requests-edit", "advisor", "/requests/{request_id}/edit"),
    ("dossiers-edit", "advisor", "/accompaniments/{holder_dossier_id}/edit"),
    ("dossier-stage", "advisor", "/accompaniments/{holder_dossier_id}/stage"),
    ("seance-attendance", "advisor", "/sessions/{session_id}/presences"),
    ("collective-regularity", "advisor", "/sessions/collectives/{collective_id}/regularite"),
    ("person-attendance", "advisor", "/sessions/personnes/{person_id}/presences"),
    ("signin-sheet", "advisor", "/sessions/{session_id}/emargement"),
    ("change-password", "advisor", "/account/password"),
    ("mfa-setup", "advisor", "/account/mfa"),
    ("pathways-new", "admin", "/pathways/new"),
    ("invite-partner", "admin", "/referrals/partners/invite"),
    # Empty states, in a pole that has just been created.
    ("empty-home", "new-pole", "/"),
    ("empty-people", "new-pole", "/people/"),
    ("empty-collectives", "new-pole", "/collectives/"),
    ("empty-structures", "new-pole", "/structures/"),
    ("empty-requests", "new-pole", "/requests/"),
    ("empty-dossiers", "new-pole", "/accompaniments/"),
    ("empty-agenda", "new-pole", "/sessions/agenda?view=month"),
    ("empty-orientations", "new-pole", "/referrals/"),
    ("empty-to-chase", "new-pole", "/referrals/to-chase"),
]

# (test id, role, path, CSS selector of the form sent empty)
INVALID_FORMS = [
    ("login-errors", None, "/login", "main form"),
    ("people-new-errors", "advisor", "/people/new", "main form[method=post]"),
    ("requests-new-errors", "advisor", "/requests/new", "main form[method=post]"),
    ("dossiers-new-errors", "advisor", "/accompaniments/new", "main form[method=post]"),
    ("seance-new-errors", "advisor", "/sessions/new", "main form[method=post]"),
    ("orientations-new-errors", "advisor", "/referrals/new", "main form[method=post]"),
]

PHONE_PAGES = [(name, role, path) for name, role, path in PAGES if role == "holder" or name == "login"]


def _first_id(stmt) -> int:
    found = db.session.scalar(stmt)
    assert found is not None, f"the demo data has no row for: {stmt}"
    return found


def _seed_demo_pole() -> dict:
    pole = seed_demo()
    empty_pole = create_pole("pole-vide", "Pôle ESS tout neuf")
    create_user(
        ACCOUNTS["new-pole"], "advisor", empty_pole, full_name="Nouvelle Recrue", password=DEMO_PASSWORD
    )
    partner = db.session.scalar(select(User).where(User.email == ACCOUNTS["partner"]))
    holder = db.session.scalar(select(User).where(User.email == ACCOUNTS["holder"]))
    in_pole = {"pole_id": pole.id}
    return {
        "pole_slug": DEMO_SLUG,
        "person_id": _first_id(select(Person.id).filter_by(**in_pole).order_by(Person.id)),
        "structure_id": _first_id(select(Structure.id).filter_by(**in_pole).order_by(Structure.id)),
        "collective_id": _first_id(select(Collective.id).filter_by(**in_pole).order_by(Collective.id)),
        "request_id": _first_id(select(Request.id).filter_by(**in_pole).order_by(Request.id)),
        "accompaniment_id": _first_id(
            select(Accompaniment.id).filter_by(**in_pole).order_by(Accompaniment.id)
        ),
        "template_id": _first_id(
            select(PathwayTemplate.id).filter_by(**in_pole).order_by(PathwayTemplate.id)
        ),
        "session_id": _first_id(
            select(AccompanimentSession.id).filter_by(**in_pole).order_by(AccompanimentSession.id)
        ),
        "public_session_id": _first_id(
            select(AccompanimentSession.id)
            .where(AccompanimentSession.is_public.is_(True), AccompanimentSession.starts_at > utcnow())
            .filter_by(**in_pole)
            .order_by(AccompanimentSession.starts_at)
        ),
        "referral_id": _first_id(select(Referral.id).filter_by(**in_pole).order_by(Referral.id)),
        "partner_referral_id": _first_id(
            select(Referral.id)
            .where(Referral.partner_id == partner.structure_id, Referral.sent_on.is_not(None))
            .order_by(Referral.id)
        ),
        "holder_dossier_id": _first_id(
            select(Accompaniment.id)
            .where(Accompaniment.person_id == holder.person_id)
            .order_by(Accompaniment.id)
        ),
    }


@pytest.fixture(scope="module")
def demo_site(app, browser):
    """A live server on a database holding the demo pole, for the whole module."""
    with app.app_context():
        _empty_tables()
        ids = _seed_demo_pole()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", ids
    finally:
        server.shutdown()
        thread.join(timeout=5)
        limiter.reset()  # the failed-login page below counts against the login limit
        with app.app_context():
            _empty_tables()


@pytest.fixture(scope="module")
def tabs(browser, demo_site):
    """`tabs(role)`: one browser tab logged in as that role (None: anonymous), opened once and
    reused by every page of that role (a fresh tab per page doubles the sweep's time)."""
    base_url, _ = demo_site
    opened = {}

    def _get(role):
        if role not in opened:
            context = browser.new_context(locale="fr-FR", base_url=base_url)
            context.set_default_timeout(10_000)
            pg = context.new_page()
            if role is not None:
                pg.goto("/login")
                pg.get_by_label("Adresse e-mail").fill(ACCOUNTS[role])
                pg.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
                pg.get_by_role("button", name="Se connecter").click()
                pg.wait_for_url(f"{base_url}/")
            opened[role] = pg
        pg = opened[role]
        pg.set_viewport_size(DESKTOP)
        return pg

    yield _get
    for pg in opened.values():
        pg.context.close()


def _open(tabs, demo_site, role, path, width=None):
    _, ids = demo_site
    pg = tabs(role)
    if width:
        pg.set_viewport_size({"width": width, "height": 740})
    url = path.format(**ids)
    response = pg.goto(url)
    expected = 404 if url == "/cette-page-n-existe-pas" else 200
    assert response is not None and response.status == expected, f"{url}: HTTP {response and response.status}"
    return pg, response


def _format(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            summary = node["failureSummary"].splitlines()[-1].strip() if node["failureSummary"] else ""
            lines.append(f"    {' '.join(node['target'])}  —  {summary}")
    return "\n".join(lines)


def run_axe(pg) -> list[dict]:
    """axe.run on the page (through DevTools, not a <script>: the CSP stays untouched)."""
    return pg.evaluate(
        AXE_SOURCE
        + ";\naxe.run(document, {runOnly: {type: 'tag', values: "
        + repr(TAGS).replace("'", '"')
        + "}, resultTypes: ['violations']}).then(r => r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,"
        "nodes: v.nodes.map(n => ({target: n.target.map(String),"
        " failureSummary: n.failureSummary || ''}))})))"
    )


# axe 4.14 only flags duplicate ids referenced by ARIA, and sends those referenced by a
# <label for> to "needs review": check them all here (RGAA 8.2; a label must reach its field).
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""


def _check(pg, path, role):
    violations = [v for v in run_axe(pg) if v["impact"] in FAILING_IMPACTS]
    assert not violations, f"{path} as {role or 'anonymous'}:\n{_format(violations)}"
    assert pg.evaluate(DUPLICATE_IDS) == [], f"{path} as {role or 'anonymous'}: duplicate ids"


@pytest.mark.parametrize(("role", "path"), [(r, p) for _, r, p in PAGES], ids=[n for n, _, _ in PAGES])
def test_page_has_no_serious_accessibility_violation(tabs, demo_site, role, path):
    pg, _ = _open(tabs, demo_site, role, path)
    _check(pg, path, role)


@pytest.mark.parametrize(
    ("role", "path", "form"), [(r, p, f) for _, r, p, f in INVALID_FORMS], ids=[n for n, *_ in INVALID_FORMS]
)
def test_form_with_errors_has_no_serious_accessibility_violation(tabs, demo_site, role, path, form):
    """The same forms sent empty: error messages, aria-invalid and aria-describedby."""
    pg, _ = _open(tabs, demo_site, role, path)
    with pg.expect_navigation():
        pg.locator(form).evaluate("f => f.submit()")  # past the browser's own `required` checks
    assert pg.locator(".field-error, .flash-error").count() > 0, f"{path}: no error shown"
    _check(pg, path, role)


@pytest.mark.parametrize(
    ("role", "path"), [(r, p) for _, r, p in PHONE_PAGES], ids=[n for n, _, _ in PHONE_PAGES]
)
def test_page_fits_a_360px_screen(tabs, demo_site, role, path):
    pg, _ = _open(tabs, demo_site, role, path, width=PHONE_WIDTH)
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH + 1, f"{path}: {width} px wide on a {PHONE_WIDTH} px screen"


def test_axe_runs_despite_the_csp(tabs, demo_site):
    """The sweep is not vacuous: axe loads under the CSP and does report a real violation."""
    pg, response = _open(tabs, demo_site, None, "/login")
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
    pg.evaluate("document.documentElement.removeAttribute('lang')")
    assert "html-has-lang" in [v["id"] for v in run_axe(pg)]
    pg.evaluate("document.body.append(Object.assign(document.createElement('i'), {id: 'contenu'}))")
    assert pg.evaluate(DUPLICATE_IDS) == ["contenu"]
