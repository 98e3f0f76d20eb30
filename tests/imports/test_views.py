"""Web import: upload -> preview -> confirm -> result (admins only)."""

import html as htmllib
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.core.audit import AuditEvent
from app.extensions import db
from app.people.models import Person
from tests.factories import UserFactory
from tests.imports.factories import PersonFactory

PEOPLE = "Nom;Prénom;Email\r\nMartin;Jean;jean@example.org\r\nDurand;Léa;pas-une-adresse\r\nPetit;Ana;\r\n"


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(folder))
    return folder


class Page:
    def __init__(self, response):
        self.status_code = response.status_code
        self.text = htmllib.unescape(response.get_data(as_text=True))


def upload(client, data: bytes, kind: str = "people", name: str = "export.csv") -> Page:
    # Encoded here as bytes: the test client would spool a large body to an unclosed temp file.
    boundary, body = encode_multipart({"kind": kind, "file": FileStorage(io.BytesIO(data), name)})
    return Page(client.post("/imports/", data=body, content_type=f"multipart/form-data; boundary={boundary}"))


def post(client, url: str, data: dict) -> Page:
    return Page(client.post(url, data=data))


def token_of(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', html).group(1)


def count(pole) -> int:
    return db.session.scalar(select(func.count(Person.id)).where(Person.pole_id == pole.id))


def test_upload_preview_confirm(client, admin, login_as, upload_dir):
    login_as(admin)
    page = Page(client.get("/imports/"))
    assert page.status_code == 200
    assert "Importer des données" in page.text

    preview = upload(client, PEOPLE.encode("cp1252"))
    html = preview.text
    assert preview.status_code == 200
    assert "Prévisualisation" in html and "Rien n'a encore été écrit" in html
    assert "adresse invalide" in html and "Lignes rejetées" in html
    assert "Ignorer les lignes invalides" in html
    assert count(admin.pole) == 0
    token = token_of(html)
    stored = upload_dir / str(admin.pole_id) / f"{token}.csv"  # one folder per pole
    assert stored.read_bytes() == PEOPLE.encode("cp1252")

    # Without "ignorer les lignes invalides", nothing is written and the file is kept.
    refused = post(client, "/imports/confirm", data={"token": token, "kind": "people"})
    assert "Rien n'a été importé" in refused.text
    assert count(admin.pole) == 0 and stored.exists()

    result = post(client, "/imports/confirm", data={"token": token, "kind": "people", "skip_invalid": "y"})
    html = result.text
    assert result.status_code == 200
    assert "Import effectué" in html and "2 enregistrement(s) créé(s)" in html
    assert count(admin.pole) == 2
    assert not stored.exists()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.commit")).one()
    assert event.changes == {"kind": "people", "created": 2, "updated": 0, "rejected": 1}
    assert (event.actor_id, event.pole_id) == (admin.id, admin.pole_id)
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.create")).all()
    assert {(e.actor_id, e.pole_id, e.target_type) for e in created} == {(admin.id, admin.pole_id, "Person")}
    assert len(created) == 2
    # The token is single use.
    again = post(client, "/imports/confirm", data={"token": token, "kind": "people", "skip_invalid": "y"})
    assert again.status_code == 400 and "plus disponible" in again.text
    assert count(admin.pole) == 2


def test_valid_file_confirms_without_option(client, admin, login_as, upload_dir):
    login_as(admin)
    html = upload(client, b"nom;prenom\nMartin;Jean\n").text
    assert "Ignorer les lignes invalides" not in html
    result = post(client, "/imports/confirm", data={"token": token_of(html), "kind": "people"})
    assert "1 enregistrement(s) créé(s)" in result.text


def test_file_over_5_mb_is_refused(client, admin, login_as, upload_dir, app):
    login_as(admin)
    big = b"nom;prenom\n" + b"Martin;Jean\n" * (app.config["UPLOAD_MAX_BYTES"] // 12 + 1)
    assert len(big) > 5 * 1024 * 1024
    response = upload(client, big)
    assert response.status_code == 200
    assert "Le fichier dépasse la taille maximale de 5 Mo." in response.text
    assert count(admin.pole) == 0
    assert not upload_dir.exists() or not any(upload_dir.rglob("*.csv"))


def test_png_renamed_csv_is_refused(client, admin, login_as, upload_dir):
    login_as(admin)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
    response = upload(client, png, name="personnes.csv")
    html = response.text
    assert "Le fichier ne peut pas être importé" in html and "pas un fichier CSV" in html
    assert not upload_dir.exists() or not any(upload_dir.rglob("*.csv"))


def test_missing_required_column_is_explained(client, admin, login_as, upload_dir):
    login_as(admin)
    html = upload(client, b"nom;email\nMartin;a@example.org\n").text
    assert "Colonne obligatoire absente : prenom" in html


def test_advisor_and_anonymous_cannot_import(client, advisor, login_as, upload_dir):
    assert client.get("/imports/").status_code == 302
    login_as(advisor)
    assert client.get("/imports/").status_code == 404
    assert upload(client, b"nom;prenom\nMartin;Jean\n").status_code == 404
    assert post(client, "/imports/confirm", data={"token": "0" * 32, "kind": "people"}).status_code == 404
    assert count(advisor.pole) == 0


def test_pole_isolation(client, admin, other_pole, login_as, upload_dir):
    theirs = PersonFactory(
        pole_id=other_pole.id, first_name="Jean", last_name="Martin", email="jean@example.org"
    )
    other_admin = UserFactory(pole=other_pole, role="admin")
    login_as(other_admin)
    their_token = token_of(upload(client, b"nom;prenom\nPetit;Ana\n").text)
    client.post("/logout")
    login_as(admin)
    preview = upload(client, b"nom;prenom;email;commune\nMartin;Jean;jean@example.org;Redon\n").text
    assert "création" in preview and "mise à jour" not in preview
    # Another session's upload cannot be confirmed, even with its token.
    refused = post(client, "/imports/confirm", {"token": their_token, "kind": "people"})
    assert refused.status_code == 400
    post(client, "/imports/confirm", {"token": token_of(preview), "kind": "people"})
    assert count(admin.pole) == 1
    assert count(other_pole) == 1 and theirs.commune is None


def test_bad_token_and_kind(client, admin, login_as, upload_dir):
    login_as(admin)
    assert (
        post(client, "/imports/confirm", data={"token": "../../etc/passwd", "kind": "people"}).status_code
        == 400
    )
    assert post(client, "/imports/confirm", data={"token": "a" * 32, "kind": "people"}).status_code == 400
    response = upload(client, b"nom;prenom\nMartin;Jean\n", kind="sandwiches")
    assert response.status_code == 200 and "N'est pas un choix valide" in response.text


def test_reupload_previews_unchanged_rows_and_replaces_pending_file(client, admin, login_as, upload_dir):
    login_as(admin)
    data = b"nom;prenom;commune\nMartin;Jean;Redon\nPetit;Ana;Allaire\n"
    first = token_of(upload(client, data).text)
    post(client, "/imports/confirm", {"token": first, "kind": "people"})
    changed = b"nom;prenom;commune\nMartin;Jean;Redon\nPetit;Ana;Rennes\n"
    pending = token_of(upload(client, changed).text)
    preview = upload(client, changed).text
    assert "inchangée" in preview and "mise à jour" in preview and "champs modifiés : commune" in preview
    folder = upload_dir / str(admin.pole_id)
    assert not (folder / f"{pending}.csv").exists()
    assert [p.name for p in folder.iterdir()] == [f"{token_of(preview)}.csv"]
