"""Pole administration (admins only): the pole's thematics, then its security settings."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.audit import diff_fields, record_audit
from app.core.permissions import admin_required
from app.core.scoping import get_or_404
from app.extensions import db
from app.poles import bp, services
from app.poles.forms import PoleSecurityForm, ThematicForm
from app.poles.models import Pole, Thematic


def _back():
    return redirect(url_for("poles.thematics"))


@bp.route("/thematiques", methods=["GET", "POST"])
@admin_required
def thematics():
    form = ThematicForm()
    if form.validate_on_submit():
        try:
            thematic = services.add_thematic(current_user.pole, form.name.data)
        except services.ThematicError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Thématique « %(name)s » ajoutée.", name=thematic.name), "success")
            return _back()
    rows = services.pole_thematics(current_user.pole_id)
    usage = services.thematic_usage([t.id for t in rows])
    return render_template("poles/thematics.html", form=form, thematics=rows, usage=usage)


@bp.route("/thematiques/<int:thematic_id>/rename", methods=["POST"])
@admin_required
def rename_thematic(thematic_id: int):
    thematic = get_or_404(Thematic, thematic_id)
    form = ThematicForm()
    if not form.validate_on_submit():
        flash(_("Le nom de la thématique est obligatoire (120 caractères au plus)."), "error")
        return _back()
    old_name = thematic.name
    try:
        services.rename_thematic(thematic, form.name.data)
    except services.ThematicError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        if thematic.name != old_name:
            flash(_("« %(old)s » renommée en « %(new)s ».", old=old_name, new=thematic.name), "success")
    return _back()


@bp.route("/thematiques/<int:thematic_id>/move", methods=["POST"])
@admin_required
def move_thematic(thematic_id: int):
    thematic = get_or_404(Thematic, thematic_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is not None and services.move_thematic(thematic, offset):
        db.session.commit()
    return _back()


@bp.route("/thematiques/<int:thematic_id>/active", methods=["POST"])
@admin_required
def toggle_thematic(thematic_id: int):
    thematic = get_or_404(Thematic, thematic_id)
    services.set_thematic_active(thematic, not thematic.active)
    db.session.commit()
    if thematic.active:
        flash(_("Thématique « %(name)s » réactivée.", name=thematic.name), "success")
    else:
        flash(
            _("Thématique « %(name)s » désactivée : elle n'est plus proposée.", name=thematic.name),
            "success",
        )
    return _back()


@bp.route("/thematiques/<int:thematic_id>/delete", methods=["POST"])
@admin_required
def delete_thematic(thematic_id: int):
    thematic = get_or_404(Thematic, thematic_id)
    name = thematic.name
    try:
        services.delete_thematic(thematic)
    except services.ThematicError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Thématique « %(name)s » supprimée.", name=name), "success")
    return _back()


# --- Pole security settings (MFA) --------------------------------------------------------
# A separate block from the thematics pages above.


@bp.route("/parametres", methods=["GET", "POST"])
@admin_required
def settings():
    pole = db.session.get(Pole, current_user.pole_id)  # the admin's own pole only
    # On POST, no `obj`: an unticked box (absent from the form data) must read as False.
    form = PoleSecurityForm(obj=pole) if request.method == "GET" else PoleSecurityForm()
    if form.validate_on_submit():
        changes = diff_fields(pole, {"mfa_required_for_staff": bool(form.mfa_required_for_staff.data)})
        if changes:
            record_audit("pole.update", pole, changes, pole_id=pole.id)
        db.session.commit()
        flash(_("Paramètres enregistrés."), "success")
        return redirect(url_for("poles.settings"))
    return render_template("poles/settings.html", form=form, pole=pole)
