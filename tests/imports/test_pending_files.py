"""Previewed, unconfirmed uploads hold personal data nobody accepted: private files, deleted on
cancel, after 24 h (`flask imports purge`) and by anonymisation (issue 19, point 12)."""

import os
import stat
import time

import pytest

from app.privacy.services import anonymise_person
from tests.imports.test_views import PEOPLE, post, token_of, upload
from tests.privacy.factories import PersonFactory


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(folder))
    return folder


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_pending_upload_is_private(client, admin, login_as, upload_dir):
    login_as(admin)
    token = token_of(upload(client, PEOPLE.encode()).text)
    stored = upload_dir / str(admin.pole_id) / f"{token}.csv"
    assert stored.read_bytes() == PEOPLE.encode()
    assert _mode(stored) == 0o600
    assert _mode(stored.parent) == 0o700 and _mode(upload_dir) == 0o700


def test_cancel_deletes_the_file_now(client, admin, login_as, upload_dir):
    login_as(admin)
    preview = upload(client, PEOPLE.encode()).text
    assert 'action="/imports/cancel"' in preview
    token = token_of(preview)
    stored = upload_dir / str(admin.pole_id) / f"{token}.csv"
    response = client.post("/imports/cancel", data={"token": token})
    assert response.status_code == 302
    assert not stored.exists()
    confirm = post(client, "/imports/confirm", data={"token": token, "kind": "people"})
    assert confirm.status_code == 400 and "plus disponible" in confirm.text


def test_cancel_of_another_sessions_token_deletes_nothing(client, admin, login_as, upload_dir):
    login_as(admin)
    token = token_of(upload(client, PEOPLE.encode()).text)
    stored = upload_dir / str(admin.pole_id) / f"{token}.csv"
    client.post("/imports/cancel", data={"token": "b" * 32})
    client.post("/imports/cancel", data={"token": "../../etc/passwd"})
    assert stored.exists()


def test_purge_command_removes_uploads_older_than_a_day(app, client, admin, login_as, upload_dir):
    login_as(admin)
    fresh = upload_dir / str(admin.pole_id) / f"{token_of(upload(client, PEOPLE.encode()).text)}.csv"
    old = fresh.parent / ("a" * 32 + ".csv")  # another admin's preview, yesterday
    old.write_bytes(PEOPLE.encode())
    legacy = upload_dir / ("c" * 32 + ".csv")  # left at the top by the previous layout
    legacy.write_bytes(b"nom\nX\n")
    day_ago = time.time() - 25 * 3600
    for path in (old, legacy):
        os.utime(path, (day_ago, day_ago))
    result = app.test_cli_runner().invoke(args=["imports", "purge"])
    assert result.exit_code == 0, result.output
    assert "2 fichier(s)" in result.output
    assert not old.exists() and not legacy.exists() and fresh.exists()


def test_anonymisation_removes_the_poles_pending_uploads(client, db, admin, login_as, upload_dir, other_pole):
    person = PersonFactory(pole=admin.pole, first_name="Maëlys", last_name="Quéméner")
    login_as(admin)
    token = token_of(upload(client, "Nom;Prénom\r\nQuéméner;Maëlys\r\n".encode()).text)
    mine = upload_dir / str(admin.pole_id) / f"{token}.csv"
    theirs = upload_dir / str(other_pole.id) / ("d" * 32 + ".csv")
    theirs.parent.mkdir(mode=0o700)
    theirs.write_bytes(b"nom\nX\n")
    assert mine.exists()
    response = client.post(f"/privacy/people/{person.id}/anonymise", data={"confirm": "y"})
    assert response.status_code == 302
    assert not mine.exists()
    assert theirs.exists()  # another pole's uploads cannot name this pole's person


def test_retention_removes_pending_uploads_too(app, db, pole, upload_dir):
    folder = upload_dir / str(pole.id)
    folder.mkdir(parents=True)
    pending = folder / ("e" * 32 + ".csv")
    pending.write_bytes(b"nom\nX\n")
    anonymise_person(PersonFactory(pole=pole))  # what `flask privacy retention --apply` runs per person
    assert not pending.exists()
