import sqlite3
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import create_app
from app.core.audit import AuditEvent
from app.core.models import utcnow
from app.privacy.services import months_before
from config import TestConfig


def add_event(db, at, action="person.update"):
    db.session.add(AuditEvent(action=action, occurred_at=at))
    db.session.flush()


def test_months_before_clamps_to_the_end_of_month():
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=UTC), 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 12) == datetime(2025, 1, 15, tzinfo=UTC)
    assert months_before(datetime(2028, 3, 31, tzinfo=UTC), 13) == datetime(2027, 2, 28, tzinfo=UTC)


def test_audit_purge_keeps_the_retention_period(runner, db, app):
    now = utcnow()
    add_event(db, months_before(now, 12) - timedelta(days=1), "old")
    add_event(db, months_before(now, 12) + timedelta(days=1), "recent")
    add_event(db, now - timedelta(days=40), "last.month")
    result = runner.invoke(args=["audit", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 entrée(s) du journal supprimée(s)")
    remaining = set(db.session.scalars(select(AuditEvent.action)))
    assert "old" not in remaining and {"recent", "last.month"} <= remaining

    result = runner.invoke(args=["audit", "purge", "--months", "1"])
    assert result.output.startswith("2 entrée(s)")
    assert runner.invoke(args=["audit", "purge", "--months", "0"]).exit_code == 2


def test_audit_purge_follows_the_setting(runner, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_MONTHS", 2)
    add_event(db, utcnow() - timedelta(days=70))
    assert runner.invoke(args=["audit", "purge"]).output.startswith("1 entrée(s)")


def sqlite_app(path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    return create_app(Config)


def test_backup_copies_a_sqlite_database_while_it_is_in_use(tmp_path):
    source = tmp_path / "live.sqlite"
    live = sqlite3.connect(source, isolation_level=None)
    live.execute("PRAGMA journal_mode = WAL")
    live.execute("CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT)")
    live.executemany("INSERT INTO persons (name) VALUES (?)", [("Awa",), ("Brice",), ("Chloé",)])
    # The app is running: a writer is in the middle of a transaction during the backup.
    live.execute("BEGIN")
    live.execute("INSERT INTO persons (name) VALUES ('pas encore validé')")
    dest = tmp_path / "copies" / "backup.sqlite"
    result = sqlite_app(source).test_cli_runner().invoke(args=["backup", "--output", str(dest)])
    live.execute("COMMIT")
    live.close()
    assert result.exit_code == 0, result.output
    assert "Sauvegarde écrite" in result.output
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT count(*) FROM persons").fetchone()[0] == 3
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()
    assert dest.stat().st_mode & 0o077 == 0  # owner only
    # Never overwrites an existing file.
    again = sqlite_app(source).test_cli_runner().invoke(args=["backup", "--output", str(dest)])
    assert again.exit_code == 1 and "existe déjà" in again.output


def test_backup_default_name_in_instance_backups(tmp_path):
    source = tmp_path / "db.sqlite"
    sqlite3.connect(source).close()
    result = sqlite_app(source).test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "backups").glob("passerelle-*.sqlite")
    assert str(written) in result.output


def test_backup_of_the_application_database(runner, db, app, tmp_path):
    dest = tmp_path / "app-backup.sqlite"
    result = runner.invoke(args=["backup", "--output", str(dest)])
    if db.engine.dialect.name == "postgresql":
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    copy.close()


def test_backup_on_postgresql_explains_pg_dump():
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://passerelle:s3cret@db.example:5433/passerelle"

    result = create_app(Config).test_cli_runner().invoke(args=["backup", "--output", "save.dump"])
    assert result.exit_code == 1
    expected = (
        "pg_dump --format=custom --no-owner --file=save.dump --host=db.example --port=5433 "
        "--username=passerelle passerelle"
    )
    assert expected in result.output
    assert "Base PostgreSQL" in result.output and "PostgreSQL database" in result.output
    assert "s3cret" not in result.output
