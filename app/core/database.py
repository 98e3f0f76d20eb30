"""Engine set-up: SQLite pragmas and real transactions (savepoints work)."""

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(app: Flask, engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    busy_ms = app.config["SQLITE_BUSY_TIMEOUT_MS"]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy drive transactions itself (pysqlite's own handling breaks SAVEPOINT).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")


def _may_write() -> bool:
    """Whether the current request may write (any method but GET/HEAD/OPTIONS).

    A deferred SQLite transaction that reads, then writes after another connection committed,
    fails at once with "database is locked" (the busy timeout does not apply to that upgrade):
    such requests take the write lock when their transaction begins, waiting for it if needed.
    """
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
