"""No page scrolls sideways on a 360 px phone, for every role (issue 17).

Every main page of the accessibility sweep's route list (tests/browser/test_accessibility.py),
plus the reports and the forms in their filled-in state, is opened at 360 × 740 as each role
that can reach it (admins also open every advisor page), and must not be wider than the screen:
`document.documentElement.scrollWidth <= 360`. Wide tables scroll inside their own focusable
region instead (axe `scrollable-region-focusable` is checked on those pages).
"""

import threading

import pytest
from werkzeug.serving import make_server

from app.auth.services import create_user
from app.demo.cli import DEMO_PASSWORD
from app.extensions import db, limiter
from tests.browser.conftest import _empty_tables
from tests.browser.test_accessibility import ACCOUNTS, PAGES, _seed_demo_pole, run_axe

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 720}
REGIONAL_EMAIL = "coordination@cress.example.org"

EXTRA_PAGES = [
    ("reports-monthly", "advisor", "/reports/monthly"),
    ("reports-indicators", "advisor", "/reports/indicators"),
    ("reports-regional", "regional", "/reports/regional"),
    ("home-regional", "regional", "/"),
    ("seance-edit-with-participants", "advisor", "/sessions/{session_id}/edit"),
    ("attendance-with-search", "advisor", "/sessions/{session_id}/presences?q=an"),
    ("people-search", "advisor", "/people/?q=le"),
]


def _cases():
    cases = []
    for name, role, path in PAGES + EXTRA_PAGES:
        if name == "error-404":
            continue
        cases.append((f"{role or 'anonymous'}:{name}", role, path))
        if role == "advisor":  # an admin reaches every advisor page too
            cases.append((f"admin:{name}", "admin", path))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def phone_site(app, browser):
    with app.app_context():
        _empty_tables()
        ids = _seed_demo_pole()
        create_user(REGIONAL_EMAIL, "regional", None, full_name="CRESS", password=DEMO_PASSWORD)
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
        limiter.reset()
        with app.app_context():
            _empty_tables()


@pytest.fixture(scope="module")
def phone_tabs(browser, phone_site):
    base_url, _ = phone_site
    opened = {}
    accounts = {**ACCOUNTS, "regional": REGIONAL_EMAIL}

    def _get(role):
        if role not in opened:
            context = browser.new_context(locale="fr-FR", base_url=base_url, viewport=PHONE)
            context.set_default_timeout(10_000)
            pg = context.new_page()
            if role is not None:
                pg.goto("/login")
                pg.get_by_label("Adresse e-mail").fill(accounts[role])
                pg.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
                pg.get_by_role("button", name="Se connecter").click()
                pg.wait_for_url(f"{base_url}/")
            opened[role] = pg
        return opened[role]

    yield _get
    for pg in opened.values():
        pg.context.close()


def _open(phone_tabs, phone_site, role, path, viewport=PHONE):
    _, ids = phone_site
    pg = phone_tabs(role)
    pg.set_viewport_size(viewport)
    url = path.format(**ids)
    response = pg.goto(url)
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
    return pg, url


# Elements wider than the screen, to say what overflows when the assertion fails.
WIDE_ELEMENTS = """(limit) => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > limit + 1)
  .slice(0, 8)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
       (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
       ' ' + Math.round(el.getBoundingClientRect().right) + 'px')"""


@pytest.mark.parametrize(("role", "path"), [(r, p) for _, r, p in CASES], ids=[n for n, _, _ in CASES])
def test_no_sideways_scroll_at_360px(phone_tabs, phone_site, role, path):
    pg, url = _open(phone_tabs, phone_site, role, path)
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (
        f"{url} as {role or 'anonymous'}: {width} px wide on a {PHONE['width']} px screen; "
        f"too wide: {pg.evaluate(WIDE_ELEMENTS, PHONE['width'])}"
    )


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("admin", "/sessions/programmes"),
        ("advisor", "/reports/monthly"),
        ("advisor", "/reports/indicators"),
        ("regional", "/reports/regional"),
    ],
)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1280px"])
def test_wide_content_stays_inside_a_reachable_region(phone_tabs, phone_site, role, path, viewport):
    """Tables wider than the screen scroll in a region the keyboard can reach; inline fields
    leave their actions in view."""
    pg, url = _open(phone_tabs, phone_site, role, path, viewport)
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{url}: {width} px wide"
    found = [v for v in run_axe(pg) if v["id"] == "scrollable-region-focusable"]
    assert not found, f"{url}: {found}"
