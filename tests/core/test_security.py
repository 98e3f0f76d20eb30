import pytest
from sqlalchemy import select

from app import create_app
from app.core.scoping import get_or_404, set_pole_scope
from app.poles.models import Thematic
from config import ProductionConfig, TestConfig


def test_security_headers_on_pages(client, advisor, login_as):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    login_as(advisor)
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, advisor):
    response = client.post("/login", data={"email": advisor.email, "password": "x" * 12})
    response = client.post(
        "/login", data={"email": advisor.email, "password": "correct horse battery staple"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_token_answers_400(app, db):
    class CsrfConfig(TestConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    csrf_app = create_app(CsrfConfig)
    with csrf_app.test_client() as c:
        response = c.post("/login", data={"email": "a@b.fr", "password": "whatever pass"})
        assert response.status_code == 400
        assert "formulaire a expiré" in response.get_data(as_text=True)


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_cookie_is_secure_with_host_prefix(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-enough-production-secret")
    monkeypatch.setenv("BASE_URL", "https://passerelle.example.org")
    production = create_app(ProductionConfig)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_error_pages_are_french_without_trace(client, advisor, login_as):
    login_as(advisor)
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Cette page n'existe pas" in body and "Traceback" not in body


def test_500_page_has_no_stack_trace(app, client, monkeypatch):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    try:
        monkeypatch.setattr("app.main.views.render_template", lambda *a, **k: 1 / 0, raising=True)
        from tests.factories import UserFactory

        user = UserFactory()
        client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
        response = client.get("/")
        assert response.status_code == 500
        body = response.get_data(as_text=True)
        assert "erreur inattendue" in body and "ZeroDivisionError" not in body
    finally:
        app.config["PROPAGATE_TEST_ERRORS"] = True


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_healthz_503_when_database_unreachable(tmp_path):
    class Broken(TestConfig):
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none"

    broken = create_app(Broken)
    assert broken.test_client().get("/healthz").status_code == 503


def test_pole_scope_filters_selects_at_the_source(app, pole, other_pole, db):
    with app.test_request_context():
        set_pole_scope(pole.id)
        names = db.session.scalars(select(Thematic.pole_id).distinct()).all()
        assert set(names) == {pole.id}
        theirs = db.session.scalars(
            select(Thematic).where(Thematic.pole_id == other_pole.id).execution_options(all_poles=True)
        ).first()
        from werkzeug.exceptions import NotFound

        with pytest.raises(NotFound):
            get_or_404(Thematic, theirs.id)
        mine = db.session.scalars(select(Thematic)).first()
        assert get_or_404(Thematic, mine.id) is mine


def test_french_dates(app):
    from datetime import date

    from app.core.formatting import date_long, date_short

    with app.test_request_context():
        assert date_short(date(2026, 3, 14)) == "14/03/2026"
        assert date_long(date(2026, 3, 14)) == "14 mars 2026"
