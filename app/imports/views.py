"""Import pages: upload -> preview (nothing written) -> confirm or cancel -> result. Admins only."""

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.audit import record_audit
from app.core.permissions import admin_required
from app.extensions import db
from app.imports import bp
from app.imports.base import get_importer, importers, run_import
from app.imports.forms import CancelForm, ConfirmForm, UploadForm
from app.imports.pending import purge_pending, read_pending, remove_pending, save_pending
from app.imports.reader import ImportFileError

SESSION_KEY = "import_token"


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
                pole_id = current_user.pole_id
                purge_pending()
                remove_pending(pole_id, session.get(SESSION_KEY))  # one pending upload per session
                token = save_pending(pole_id, data)
                session[SESSION_KEY] = token
                return _preview(report, ConfirmForm(formdata=None, token=token, kind=report.kind), token)
    return _upload_page(form)


@bp.route("/confirm", methods=["POST"])
@admin_required
def confirm():
    form = ConfirmForm()
    token = form.token.data or ""
    data = None
    if form.validate() and session.get(SESSION_KEY) == token:
        data = read_pending(current_user.pole_id, token)
    if data is None:
        flash(_("Ce fichier n'est plus disponible : envoyez-le à nouveau."), "error")
        return _upload_page(), 400
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
        return _preview(report, form, token)
    record_audit("import.commit", changes=_counts(report))
    db.session.commit()
    remove_pending(current_user.pole_id, token)
    session.pop(SESSION_KEY, None)
    return render_template("imports/result.html", report=report, importer=get_importer(report.kind))


@bp.route("/cancel", methods=["POST"])
@admin_required
def cancel():
    """Drop the previewed file: it is deleted from the server now, not at the next upload."""
    form = CancelForm()
    if form.validate() and session.get(SESSION_KEY) == form.token.data:
        remove_pending(current_user.pole_id, form.token.data)
        session.pop(SESSION_KEY, None)
        flash(_("Import annulé : le fichier envoyé a été supprimé."), "info")
    return redirect(url_for("imports.index"))


def _preview(report, form, token: str):
    return render_template(
        "imports/preview.html",
        report=report,
        form=form,
        cancel_form=CancelForm(formdata=None, token=token),
        importer=get_importer(report.kind),
    )
