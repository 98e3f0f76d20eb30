"""Import pages: upload -> preview (nothing written) -> confirm -> result. Admins only."""

import os
import time
import uuid

from flask import current_app, flash, render_template, session
from flask_babel import gettext as _
from flask_login import current_user

from app.core.audit import record_audit
from app.core.permissions import admin_required
from app.extensions import db
from app.imports import bp
from app.imports.base import get_importer, importers, run_import
from app.imports.forms import ConfirmForm, UploadForm
from app.imports.reader import ImportFileError

SESSION_KEY = "import_token"
STALE_AFTER_SECONDS = 24 * 3600


def upload_dir() -> str:
    """Where uploaded files wait between preview and confirmation (never under static/)."""
    return current_app.config.get("IMPORT_UPLOAD_DIR") or os.path.join(current_app.instance_path, "imports")


def _path(token: str) -> str:
    return os.path.join(upload_dir(), f"{uuid.UUID(hex=token).hex}.csv")


def _remove_stale_files() -> None:
    folder = upload_dir()
    limit = time.time() - STALE_AFTER_SECONDS
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if os.path.getmtime(path) < limit:
                os.remove(path)
        except OSError:
            continue


def _read_upload(storage) -> bytes | None:
    """The uploaded bytes, or None (with a flashed message) when over the size limit."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        flash(
            _("Le fichier dépasse la taille maximale de %(size)s Mo.", size=limit // (1024 * 1024)),
            "error",
        )
        return None
    return data


def _counts(report) -> dict:
    counts = report.counts
    return {
        "kind": report.kind,
        "created": counts["create"],
        "updated": counts["update"],
        "rejected": counts["error"],
    }


def _upload_page(form: UploadForm | None = None) -> str:
    return render_template(
        "imports/index.html", importers=importers(), form=form or UploadForm(formdata=None)
    )


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    form = UploadForm()
    if form.validate_on_submit():
        data = _read_upload(form.file.data)
        if data is not None:
            try:
                report = run_import(form.kind.data, current_user.pole, data, commit=False)
            except ImportFileError as exc:
                flash(_("Le fichier ne peut pas être importé : %(reason)s", reason=str(exc)), "error")
            else:
                token = uuid.uuid4().hex
                os.makedirs(upload_dir(), exist_ok=True)
                _remove_stale_files()
                with open(_path(token), "wb") as handle:
                    handle.write(data)
                previous = session.get(SESSION_KEY)
                if previous and os.path.exists(_path(previous)):
                    os.remove(_path(previous))  # one pending upload per session
                session[SESSION_KEY] = token
                confirm = ConfirmForm(formdata=None, token=token, kind=report.kind)
                return render_template(
                    "imports/preview.html", report=report, form=confirm, importer=get_importer(report.kind)
                )
    return _upload_page(form)


@bp.route("/confirm", methods=["POST"])
@admin_required
def confirm():
    form = ConfirmForm()
    token = form.token.data or ""
    if not form.validate() or session.get(SESSION_KEY) != token or not os.path.exists(_path(token)):
        flash(_("Ce fichier n'est plus disponible : envoyez-le à nouveau."), "error")
        return _upload_page(), 400
    path = _path(token)
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        report = run_import(
            form.kind.data, current_user.pole, data, commit=True, skip_invalid=form.skip_invalid.data
        )
    except ImportFileError as exc:
        flash(_("Le fichier ne peut pas être importé : %(reason)s", reason=str(exc)), "error")
        return _upload_page(), 400
    if not report.committed:
        flash(
            _(
                "Rien n'a été importé : le fichier contient des lignes invalides. Corrigez-les, "
                "ou cochez « ignorer les lignes invalides »."
            ),
            "error",
        )
        return render_template(
            "imports/preview.html", report=report, form=form, importer=get_importer(report.kind)
        )
    record_audit("import.commit", changes=_counts(report))
    db.session.commit()
    os.remove(path)
    session.pop(SESSION_KEY, None)
    return render_template("imports/result.html", report=report, importer=get_importer(report.kind))
