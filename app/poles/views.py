"""Pole settings pages (filled by later issues)."""


# --- Pole security settings (MFA) --------------------------------------------------------
# Kept as one self-contained block (own imports, form and view) so that it merges cleanly
# with the thematics pages written in parallel in this file.
from flask import flash, redirect, render_template, request, url_for  # noqa: E402
from flask_babel import gettext as _  # noqa: E402
from flask_babel import lazy_gettext as _l  # noqa: E402
from flask_login import current_user  # noqa: E402
from flask_wtf import FlaskForm  # noqa: E402
from wtforms import BooleanField  # noqa: E402

from app.core.audit import diff_fields, record_audit  # noqa: E402
from app.core.permissions import admin_required  # noqa: E402
from app.extensions import db  # noqa: E402
from app.poles import bp  # noqa: E402
from app.poles.models import Pole  # noqa: E402


class PoleSecurityForm(FlaskForm):
    mfa_required_for_staff = BooleanField(
        _l("Exiger la double authentification pour toute l'équipe (administration et accompagnement)"),
        description=_l(
            "Elle est toujours exigée pour les chargé·es de mission. Les porteurs de projet et les "
            "partenaires peuvent l'activer s'ils le souhaitent."
        ),
    )


@bp.route("/poles/settings", methods=["GET", "POST"])
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
