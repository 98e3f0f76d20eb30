"""Database backups: a consistent SQLite copy through the SQLite online backup API.

The backup API copies the database page by page under SQLite's own locking, so it is safe
while the application runs (WAL mode: readers and writers go on; a write during the copy
makes SQLite restart the copy of the changed pages). PostgreSQL is backed up with pg_dump.
"""

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL


def backup_sqlite(source: str | Path, destination: str | Path) -> int:
    """Copy the SQLite database `source` to `destination` (created 0600); return its size in bytes."""
    source, destination = Path(source), Path(destination)
    if not source.is_file():
        raise FileNotFoundError(f"Base SQLite introuvable : {source}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data: owner only
    os.close(fd)
    src = sqlite3.connect(source)  # read only in practice; "mode=ro" fails on a WAL file without -shm
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=256)
        dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise RuntimeError(f"La copie est corrompue : {check}")
    finally:
        dst.close()
        src.close()
    os.replace(partial, destination)
    return destination.stat().st_size


def pg_dump_command(url: URL, output: str) -> str:
    """The pg_dump command line for this database (the password is never printed)."""
    parts = ["pg_dump", "--format=custom", "--no-owner", f"--file={output}"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    parts.append(url.database or "")
    return " ".join(parts)
