"""Engine set-up: SQLite pragmas and real transactions (savepoints work), private SQLite files."""

import os

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def prepare_sqlite_file(path: str, own_folders: tuple[str, ...] = ()) -> None:
    """Create the SQLite file (and its folder, when missing) readable by the app's user only.

    The folder is made 0700 and the file 0600 before SQLite opens it; SQLite gives its -wal and
    -shm files the database file's mode. An existing database file (or side file) readable by
    others is tightened to 0600; an existing folder is left alone (it may be shared, e.g. /tmp)
    unless it is one of `own_folders` (the app's `instance/`), tightened to 0700.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # makedirs' mode is filtered by the umask
    elif folder in {os.path.abspath(f) for f in own_folders} and os.stat(folder).st_mode & 0o077:
        os.chmod(folder, 0o700)
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for name in (path, *(path + suffix for suffix in SQLITE_SIDE_FILES)):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            continue


def configure_engine(app: Flask, engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    busy_ms = app.config["SQLITE_BUSY_TIMEOUT_MS"]
    database = engine.url.database
    if database not in (None, "", ":memory:") and not database.startswith("file:"):
        from config import INSTANCE_DIR

        prepare_sqlite_file(database, own_folders=(str(INSTANCE_DIR),))

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
