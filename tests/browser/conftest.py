"""Browser tests: Playwright driving Debian's Chromium against a live server thread.

They commit real data (the live server runs in another thread with its own connections),
so each test starts from emptied tables and empties them afterwards.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from app.extensions import db as _db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _empty_tables() -> None:
    _db.session.remove()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def live_server(app):
    with app.app_context():
        _empty_tables()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            _empty_tables()
            # Close the pooled connections the server threads opened (PostgreSQL would report
            # them as deleted while open at interpreter exit, failing the run).
            _db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required (REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="fr-FR", base_url=live_server)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture
def seed(app, live_server):
    """Run `fn()` inside an app context and commit, for data the live server must see."""

    def _seed(fn):
        with app.app_context():
            result = fn()
            _db.session.commit()
            _db.session.expunge_all()
            return result

    return _seed
