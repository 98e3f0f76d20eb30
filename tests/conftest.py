"""Test harness: one app per run, each test in a rolled-back transaction.

Tests run on SQLite by default and on PostgreSQL when DATABASE_URL says so. The schema is
built by the real Alembic migrations, so a migration that does not work fails the suite.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import freezegun
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from config import TestConfig, _database_url
from tests import factories

PASSWORD = "correct horse battery staple"

# Frozen clocks must not reach pytest's own timing (`_pytest.timing` keeps the time functions
# pytest measures with), or `pytest --durations` reports ~1.8e9 s. Not the whole "_pytest"
# package: freezegun also answers real time to any call with a `_pytest` frame among its five
# callers, which is every test calling time directly (the MFA tests' TOTP codes broke).
freezegun.configure(extend_ignore_list=["_pytest.timing"])


def _test_database_url(tmp_path_factory) -> str:
    if os.environ.get("DATABASE_URL"):
        return _database_url()
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def _reset_schema() -> None:
    engine = _db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    url = _test_database_url(tmp_path_factory)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        # Pending import uploads (deleted by anonymisation) never touch the worktree's instance/.
        IMPORT_UPLOAD_DIR = str(tmp_path_factory.mktemp("imports"))

    application = create_app(Config)
    with application.app_context():
        _reset_schema()
    yield application


@pytest.fixture
def db(app) -> Iterator:
    """The database, inside a transaction rolled back after the test."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint", class_=Session)
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    limiter.reset()
    app.extensions["mail_outbox"] = []
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app, client):
    return app.extensions["mail_outbox"]


def login(client, user_or_email, password: str = PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(client):
    """Log `user` in on the test client (password defaults to the factories' one)."""

    def _login(user, password: str = PASSWORD):
        response = login(client, user, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login


@pytest.fixture
def pole(db):
    return factories.PoleFactory()


@pytest.fixture
def other_pole(db):
    return factories.PoleFactory()


@pytest.fixture
def admin(pole):
    return factories.UserFactory(pole=pole, role="admin")


@pytest.fixture
def advisor(pole):
    return factories.UserFactory(pole=pole, role="advisor")


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts the SQL statements run inside the block."""

    @contextmanager
    def _count():
        counter = QueryCounter()

        def _before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                counter.statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            event.remove(_db.engine, "before_cursor_execute", _before)

    return _count
