"""Dossiers: list, open, detail (parcours, timeline, next séance), edit, stage moves, status changes."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.accompaniments import bp, services
from app.accompaniments.forms import (
    LEGAL_FORM_LABELS,
    MODALITY_LABELS,
    STATUS_LABELS,
    AbandonForm,
    AccompanimentForm,
    CloseForm,
    StageMoveForm,
    StatusForm,
    staff_users,
)
from app.accompaniments.models import STATUSES, Accompaniment
from app.core.pagination import paginate
from app.core.permissions import ADMIN, ADVISOR, staff_required
from app.core.scoping import current_pole_scope, get_or_404
from app.core.sections import register_section
from app.extensions import db
from app.main.views import HOME_SECTIONS
from app.pathways.models import PathwayTemplate, Stage

ACTION_LABELS = {
    "suspend": _l("Suspendre"),
    "reopen": _l("Rouvrir"),
    "close": _l("Clore le dossier"),
    "abandon": _l("Déclarer abandonné"),
}
ACTION_FORMS = {"suspend": StatusForm, "reopen": StatusForm, "close": CloseForm, "abandon": AbandonForm}


def _int_arg(name: str) -> int | None:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
@staff_required
def index():
    filters = {
        "status": request.args.get("status", ""),
        "referent": _int_arg("referent"),
        "stage": _int_arg("stage"),
    }
    stmt = select(Accompaniment).options(
        joinedload(Accompaniment.person),
        joinedload(Accompaniment.collective),
        joinedload(Accompaniment.current_stage),
        joinedload(Accompaniment.referent),
    )
    if filters["status"] in STATUSES:
        stmt = stmt.where(Accompaniment.status == filters["status"])
    if filters["referent"]:
        stmt = stmt.where(Accompaniment.referent_id == filters["referent"])
    if filters["stage"]:
        stmt = stmt.where(Accompaniment.current_stage_id == filters["stage"])
    page = paginate(stmt.order_by(Accompaniment.started_on.desc(), Accompaniment.id.desc()))
    templates = db.session.scalars(
        select(PathwayTemplate).options(selectinload(PathwayTemplate.stages)).order_by(PathwayTemplate.id)
    ).all()
    return render_template(
        "accompaniments/index.html",
        page=page,
        filters=filters,
        referents=staff_users(current_user.pole),
        templates=templates,
        status_labels=STATUS_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    query = request.args.get("q", "").strip()
    initial = None
    if request.method == "GET":
        initial = {
            "person_id": _int_arg("person_id"),
            "collective_id": _int_arg("collective_id"),
            "referent_id": current_user.id,
        }
    form = AccompanimentForm(current_user.pole, person_query=query, data=initial)
    if form.validate_on_submit():
        try:
            acc = services.create_accompaniment(current_user.pole, form.dossier_data(), by=current_user)
        except services.AccompanimentError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Dossier ouvert."), "success")
            return redirect(url_for("accompaniments.detail", accompaniment_id=acc.id))
    return render_template("accompaniments/form.html", form=form, query=query, acc=None)


def _load(accompaniment_id: int) -> Accompaniment:
    return get_or_404(Accompaniment, accompaniment_id)


def _load_for_page(accompaniment_id: int) -> Accompaniment:
    """The dossier with everything its page shows, in a fixed number of queries."""
    acc = db.session.scalar(
        select(Accompaniment)
        .where(Accompaniment.id == accompaniment_id)
        .options(
            joinedload(Accompaniment.person),
            joinedload(Accompaniment.collective),
            joinedload(Accompaniment.current_stage),
            joinedload(Accompaniment.referent),
            joinedload(Accompaniment.funding_programme),
            joinedload(Accompaniment.template).selectinload(PathwayTemplate.stages),
            selectinload(Accompaniment.thematics),
        )
    )
    if acc is None or acc.pole_id != current_pole_scope():
        abort(404)
    return acc


def _detail_page(acc: Accompaniment):
    stage_form = StageMoveForm(acc, current_user.pole, formdata=None)
    allowed = [a for a, (sources, _to) in services.STATUS_ACTIONS.items() if acc.status in sources]
    return render_template(
        "accompaniments/detail.html",
        acc=acc,
        progress=services.stage_progress(acc),
        timeline=services.timeline_entries(acc),
        next_session=services.next_session(acc),
        stage_form=stage_form,
        status_actions=[(a, ACTION_LABELS[a]) for a in allowed],
        status_labels=STATUS_LABELS,
        legal_form_labels=LEGAL_FORM_LABELS,
        modality_labels=MODALITY_LABELS,
    )


@bp.route("/<int:accompaniment_id>")
@staff_required
def detail(accompaniment_id: int):
    return _detail_page(_load_for_page(accompaniment_id))


@bp.route("/<int:accompaniment_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(accompaniment_id: int):
    acc = _load(accompaniment_id)
    query = request.args.get("q", "").strip()
    initial = None
    if request.method == "GET":
        initial = {
            "person_id": acc.person_id,
            "collective_id": acc.collective_id,
            "title": acc.title,
            "summary": acc.summary,
            "sector": acc.sector,
            "intended_legal_form": acc.intended_legal_form or "",
            "template_id": acc.template_id,
            "referent_id": acc.referent_id,
            "modality": acc.modality or "",
            "objectives": acc.objectives,
            "started_on": acc.started_on,
            "funding_programme_id": acc.funding_programme_id,
            "financing_obtained": acc.financing_obtained,
            "financing_amount": acc.financing_amount,
            "thematics": [t.id for t in acc.thematics],
        }
    form = AccompanimentForm(current_user.pole, person_query=query, data=initial, accompaniment=acc)
    if form.validate_on_submit():
        try:
            services.update_accompaniment(acc, form.dossier_data(), by=current_user)
        except services.AccompanimentError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Dossier enregistré."), "success")
            return redirect(url_for("accompaniments.detail", accompaniment_id=acc.id))
    return render_template("accompaniments/form.html", form=form, query=query, acc=acc)


@bp.route("/<int:accompaniment_id>/stage", methods=["GET", "POST"])
@staff_required
def move_stage(accompaniment_id: int):
    acc = _load(accompaniment_id)
    if acc.status in services.CLOSED_STATUSES:
        flash(_("Ce dossier est clos ou abandonné : rouvrez-le avant de changer d'étape."), "error")
        return redirect(url_for("accompaniments.detail", accompaniment_id=acc.id))
    form = StageMoveForm(acc, current_user.pole)
    if form.validate_on_submit():
        stage = get_or_404(Stage, form.stage_id.data)
        try:
            services.move_to_stage(acc, stage, form.on.data, by=current_user, comment=form.comment.data)
        except services.AccompanimentError as exc:
            db.session.rollback()
            form.stage_id.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Le dossier est passé à l'étape « %(name)s ».", name=stage.name), "success")
            return redirect(url_for("accompaniments.detail", accompaniment_id=acc.id))
    status = 422 if form.is_submitted() else 200
    return render_template("accompaniments/stage.html", acc=acc, form=form), status


@bp.route("/<int:accompaniment_id>/status/<action>", methods=["GET", "POST"])
@staff_required
def change_status(accompaniment_id: int, action: str):
    acc = _load(accompaniment_id)
    if action not in services.STATUS_ACTIONS:
        abort(404)
    sources, _to = services.STATUS_ACTIONS[action]
    if acc.status not in sources:
        flash(_("Cette action n'est pas possible pour un dossier dans cet état."), "error")
        return redirect(url_for("accompaniments.detail", accompaniment_id=acc.id))
    form = ACTION_FORMS[action](acc, current_user.pole)
    if form.validate_on_submit():
        extra = {}
        if action in ("close", "abandon"):
            extra["end_reason"] = form.end_reason.data
        if action == "close":
            extra.update(
                end_review=form.end_review.data,
                financing_obtained=form.financing_obtained.data,
                financing_amount=form.financing_amount.data,
            )
        try:
            services.change_status(
                acc, action, form.on.data, by=current_user, comment=form.comment.data, **extra
            )
        except services.AccompanimentError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("État du dossier : %(label)s.", label=STATUS_LABELS[acc.status]), "success")
            return redirect(url_for("accompaniments.detail", accompaniment_id=acc.id))
    return render_template("accompaniments/status.html", acc=acc, form=form, heading=ACTION_LABELS[action])


def _home_context() -> dict:
    return services.advisor_dashboard(current_user, current_user.pole)


HOME_SECTIONS.append(((ADMIN, ADVISOR), "accompaniments/_home_section.html", _home_context))


def _beneficiary_dossiers(column, record_id: int) -> dict:
    """The dossiers of a person or a collective, for their record page."""
    dossiers = db.session.scalars(
        select(Accompaniment)
        .where(column == record_id)
        .options(joinedload(Accompaniment.current_stage))
        .order_by(Accompaniment.started_on.desc(), Accompaniment.id.desc())
        .limit(50)
    ).all()
    return {"dossiers": dossiers, "dossier_status_labels": STATUS_LABELS}


register_section(
    "person",
    "accompaniments/_beneficiary_dossiers.html",
    lambda person: _beneficiary_dossiers(Accompaniment.person_id, person.id),
    order=15,
)
register_section(
    "collective",
    "accompaniments/_beneficiary_dossiers.html",
    lambda collective: _beneficiary_dossiers(Accompaniment.collective_id, collective.id),
    order=15,
)
