"""Uploaded CSV files waiting between the preview and the confirmation of an import.

They hold personal data nobody has accepted yet, so they are kept as little as possible:
one folder per pole (0700) under the instance folder, files readable by the app's user only
(0600), removed on confirmation, on cancel, by the next upload of the same session, after
PENDING_MAX_AGE (`flask imports purge`, scheduled), and when a person of the pole is
anonymised: a pending file of the pole may name them, and matching names inside a CSV of
any encoding and layout is not reliable, so all the pole's pending files go (the admin only
has to upload again).
"""

import os
import time
import uuid

from flask import current_app

PENDING_MAX_AGE_SECONDS = 24 * 3600


def upload_dir() -> str:
    """Where uploaded files wait between preview and confirmation (never under static/)."""
    return current_app.config.get("IMPORT_UPLOAD_DIR") or os.path.join(current_app.instance_path, "imports")


def _private_dir(path: str) -> str:
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)  # makedirs' mode goes through the umask, and the folder may predate this
    return path


def _pole_dir(pole_id: int) -> str:
    return os.path.join(upload_dir(), str(int(pole_id)))


def pending_path(pole_id: int, token: str) -> str:
    """The file of `token` (a uuid hex; ValueError otherwise) for `pole_id`."""
    return os.path.join(_pole_dir(pole_id), f"{uuid.UUID(hex=token).hex}.csv")


def save_pending(pole_id: int, data: bytes) -> str:
    """Write an upload (0600, in its pole's 0700 folder); return its token."""
    _private_dir(upload_dir())
    _private_dir(_pole_dir(pole_id))
    token = uuid.uuid4().hex
    descriptor = os.open(pending_path(pole_id, token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return token


def read_pending(pole_id: int, token: str) -> bytes | None:
    try:
        with open(pending_path(pole_id, token), "rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def remove_pending(pole_id: int, token: str | None) -> bool:
    """Delete one pending upload; whether there was one."""
    if not token:
        return False
    try:
        os.remove(pending_path(pole_id, token))
    except (OSError, ValueError):
        return False
    return True


def _files(folder: str) -> list[str]:
    try:
        return [os.path.join(folder, name) for name in os.listdir(folder)]
    except OSError:
        return []


def remove_pending_imports(pole_id: int) -> int:
    """Delete every pending upload of the pole (anonymisation, retention); how many."""
    removed = 0
    for path in _files(_pole_dir(pole_id)):
        try:
            os.remove(path)
            removed += 1
        except OSError:
            continue
    return removed


def purge_pending(max_age_seconds: int = PENDING_MAX_AGE_SECONDS, now: float | None = None) -> int:
    """Delete the pending uploads older than `max_age_seconds` (all poles); how many."""
    limit = (now if now is not None else time.time()) - max_age_seconds
    removed = 0
    root = upload_dir()
    for path in _files(root):
        # Pole folders, and files left at the top by versions that did not sort them by pole.
        for candidate in _files(path) if os.path.isdir(path) else [path]:
            try:
                if os.path.isfile(candidate) and os.path.getmtime(candidate) < limit:
                    os.remove(candidate)
                    removed += 1
            except OSError:
                continue
    return removed
