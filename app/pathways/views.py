"""Admin pages for parcours templates: list, create, edit, stages (add, edit, reorder, deactivate)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.permissions import admin_required
from app.core.scoping import get_or_404
from app.extensions import db
from app.pathways import bp, services
from app.pathways.forms import NewTemplateForm, StageForm, TemplateForm
from app.pathways.models import DEFAULT_STAGES, PathwayTemplate, Stage


@bp.route("/")
@admin_required
def index():
    templates = db.session.scalars(
        select(PathwayTemplate)
        .options(selectinload(PathwayTemplate.stages))
        .order_by(PathwayTemplate.active.desc(), PathwayTemplate.name)
    ).all()
    return render_template("pathways/index.html", templates=templates)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = NewTemplateForm()
    if form.validate_on_submit():
        stages = []
        if form.with_default_stages.data:
            stages = [{"name": n, "description": d} for n, d in DEFAULT_STAGES]
        template = services.create_template(current_user.pole, form.name.data, form.description.data, stages)
        db.session.commit()
        flash(_("Modèle de parcours créé."), "success")
        return redirect(url_for("pathways.edit", template_id=template.id))
    return render_template("pathways/new.html", form=form)


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@admin_required
def edit(template_id: int):
    template = get_or_404(PathwayTemplate, template_id)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        services.update_template(template, {"name": form.name.data, "description": form.description.data})
        db.session.commit()
        flash(_("Modèle de parcours enregistré."), "success")
        return redirect(url_for("pathways.edit", template_id=template.id))
    return render_template("pathways/edit.html", template=template, form=form, stage_form=StageForm())


@bp.route("/<int:template_id>/active", methods=["POST"])
@admin_required
def toggle_template(template_id: int):
    template = get_or_404(PathwayTemplate, template_id)
    services.set_template_active(template, not template.active)
    db.session.commit()
    flash(
        _("Modèle réactivé.")
        if template.active
        else _("Modèle désactivé : il n'est plus proposé pour les nouveaux dossiers."),
        "success",
    )
    return redirect(url_for("pathways.edit", template_id=template.id))


def _stage_or_404(template: PathwayTemplate, stage_id: int) -> Stage:
    stage = get_or_404(Stage, stage_id)
    if stage.template_id != template.id:
        abort(404)
    return stage


@bp.route("/<int:template_id>/stages", methods=["POST"])
@admin_required
def add_stage(template_id: int):
    template = get_or_404(PathwayTemplate, template_id)
    stage_form = StageForm()
    if stage_form.validate_on_submit():
        services.add_stage(
            template,
            stage_form.name.data,
            stage_form.description.data,
            stage_form.expected_duration_days.data,
        )
        db.session.commit()
        flash(_("Étape ajoutée."), "success")
        return redirect(url_for("pathways.edit", template_id=template.id))
    form = TemplateForm(obj=template, formdata=None)
    return render_template("pathways/edit.html", template=template, form=form, stage_form=stage_form), 422


@bp.route("/<int:template_id>/stages/<int:stage_id>", methods=["GET", "POST"])
@admin_required
def edit_stage(template_id: int, stage_id: int):
    template = get_or_404(PathwayTemplate, template_id)
    stage = _stage_or_404(template, stage_id)
    form = StageForm(obj=stage)
    if form.validate_on_submit():
        services.update_stage(
            stage,
            {
                "name": form.name.data,
                "description": form.description.data,
                "expected_duration_days": form.expected_duration_days.data,
            },
        )
        db.session.commit()
        flash(_("Étape enregistrée."), "success")
        return redirect(url_for("pathways.edit", template_id=template.id))
    return render_template("pathways/stage.html", template=template, stage=stage, form=form)


@bp.route("/<int:template_id>/stages/<int:stage_id>/move", methods=["POST"])
@admin_required
def move_stage(template_id: int, stage_id: int):
    template = get_or_404(PathwayTemplate, template_id)
    stage = _stage_or_404(template, stage_id)
    if services.move_stage(stage, request.form.get("direction", "")):
        db.session.commit()
    return redirect(url_for("pathways.edit", template_id=template.id, _anchor=f"stage-{stage.id}"))


@bp.route("/<int:template_id>/stages/<int:stage_id>/active", methods=["POST"])
@admin_required
def toggle_stage(template_id: int, stage_id: int):
    template = get_or_404(PathwayTemplate, template_id)
    stage = _stage_or_404(template, stage_id)
    services.set_stage_active(stage, not stage.active)
    db.session.commit()
    flash(
        _("Étape réactivée.")
        if stage.active
        else _("Étape désactivée : les dossiers qui y sont la gardent, les autres ne peuvent plus y aller."),
        "success",
    )
    return redirect(url_for("pathways.edit", template_id=template.id))
