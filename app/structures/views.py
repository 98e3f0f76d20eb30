"""Structures (list, create, edit, archive, detail, export) and the partner directory."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.exports import csv_response, xlsx_response
from app.core.pagination import paginate
from app.core.permissions import ADMIN, staff_required
from app.core.scoping import get_or_404
from app.extensions import db
from app.poles.models import Thematic
from app.structures import bp, services
from app.structures.forms import KIND_LABELS, STAGE_LABELS, StructureForm
from app.structures.models import PROJECT_STAGES, STRUCTURE_KINDS, Structure

STRUCTURE_HEADER = ("Nom", "Type", "SIRET", "Commune", "Code postal", "Site web", "Partenaire", "Archivée")
PARTNER_HEADER = (
    "Nom",
    "Type",
    "Thématiques",
    "Étapes accompagnées",
    "Territoire",
    "Contact",
    "E-mail du contact",
    "Téléphone du contact",
    "Offre d'accompagnement",
    "Comment orienter",
    "Commune",
    "Site web",
)


def _can_edit_partner_fields() -> bool:
    """The partner directory is the admins' (chargé·e de mission) to maintain."""
    return current_user.role == ADMIN


def _stages_text(structure: Structure) -> str:
    return ", ".join(str(STAGE_LABELS[s]) for s in structure.partner_stages or () if s in STAGE_LABELS)


# --- Structures ------------------------------------------------------------------------------


def _filters() -> dict:
    partner = request.args.get("partenaire")
    kind = request.args.get("type")
    return {
        "q": (request.args.get("q") or "").strip()[:200],
        "kind": kind if kind in STRUCTURE_KINDS else "",
        "partner": partner if partner in ("oui", "non") else "",
        "archives": request.args.get("archives") == "1",
    }


def _query(filters: dict):
    partner = {"oui": True, "non": False}.get(filters["partner"])
    return services.structures_query(
        current_user.pole,
        filters["q"],
        kind=filters["kind"] or None,
        partner=partner,
        include_archived=filters["archives"],
    )


def _filter_args(filters: dict) -> dict:
    """The current filters as query-string arguments (for export links)."""
    args = {"q": filters["q"], "type": filters["kind"], "partenaire": filters["partner"]}
    if filters["archives"]:
        args["archives"] = "1"
    return {k: v for k, v in args.items() if v}


@bp.route("/")
@staff_required
def index():
    filters = _filters()
    page = paginate(_query(filters))
    return render_template(
        "structures/index.html",
        page=page,
        filters=filters,
        export_args=_filter_args(filters),
        kinds=STRUCTURE_KINDS,
        kind_labels=KIND_LABELS,
    )


@bp.route("/export/<fmt>")
@staff_required
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = _filters()
    structures = db.session.scalars(_query(filters)).all()
    rows = [
        (
            s.name,
            str(KIND_LABELS.get(s.kind, s.kind)),
            s.siret,
            s.commune,
            s.postal_code,
            s.website,
            s.is_partner,
            s.archived,
        )
        for s in structures
    ]
    record_audit("export.structures", None, {"format": fmt, "rows": len(rows), **_filter_args(filters)})
    db.session.commit()
    filename = f"structures-{date.today():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, STRUCTURE_HEADER, rows)
    return xlsx_response(filename, [("Structures", STRUCTURE_HEADER, rows)])


def _form_page(form: StructureForm, structure: Structure | None):
    return render_template("structures/form.html", form=form, structure=structure, kind_labels=KIND_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = StructureForm(current_user.pole, with_partner_fields=_can_edit_partner_fields())
    if form.validate_on_submit():
        try:
            structure = services.create_structure(
                current_user.pole, thematic_ids=form.thematic_ids(), **form.data_for_model()
            )
        except services.StructureError as exc:
            form.siret.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Structure « %(name)s » créée.", name=structure.name), "success")
            return redirect(url_for("structures.detail", structure_id=structure.id))
    return _form_page(form, None)


@bp.route("/<int:structure_id>")
@staff_required
def detail(structure_id: int):
    structure = get_or_404(Structure, structure_id)
    return render_template(
        "structures/detail.html",
        structure=structure,
        kind_labels=KIND_LABELS,
        stage_labels=STAGE_LABELS,
    )


@bp.route("/<int:structure_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(structure_id: int):
    structure = get_or_404(Structure, structure_id)
    current_ids = [t.id for t in structure.thematics]
    form = StructureForm(
        current_user.pole,
        obj=structure,
        with_partner_fields=_can_edit_partner_fields(),
        keep_thematic_ids=current_ids,
    )
    if request.method == "GET":
        if form.has_partner_fields:
            form.thematics.data = current_ids
        if structure.siret:
            form.siret.data = structure.siret
    if form.validate_on_submit():
        try:
            changes = services.update_structure(
                structure, thematic_ids=form.thematic_ids(), **form.data_for_model()
            )
        except services.StructureError as exc:
            form.siret.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _("Structure mise à jour.") if changes else _("Aucune modification."),
                "success" if changes else "info",
            )
            return redirect(url_for("structures.detail", structure_id=structure.id))
    return _form_page(form, structure)


@bp.route("/<int:structure_id>/archive", methods=["POST"])
@staff_required
def archive(structure_id: int):
    structure = get_or_404(Structure, structure_id)
    archived = request.form.get("archived", "1") == "1"
    if services.archive_structure(structure, archived):
        db.session.commit()
    flash(_("Structure archivée.") if archived else _("Structure réactivée."), "success")
    return redirect(url_for("structures.detail", structure_id=structure.id))


# --- Partner directory (annuaire) -----------------------------------------------------------


def _directory_filters() -> dict:
    try:
        thematic_id = int(request.args.get("thematique") or 0)
    except ValueError:
        thematic_id = 0
    stage = request.args.get("etape")
    return {
        "q": (request.args.get("q") or "").strip()[:200],
        "thematic": thematic_id,
        "stage": stage if stage in PROJECT_STAGES else "",
    }


def _directory_query(filters: dict):
    return services.partners_query(
        current_user.pole,
        filters["q"],
        thematic_id=filters["thematic"] or None,
        stage=filters["stage"] or None,
    )


def _directory_args(filters: dict) -> dict:
    args = {"q": filters["q"], "thematique": filters["thematic"] or "", "etape": filters["stage"]}
    return {k: v for k, v in args.items() if v}


@bp.route("/annuaire")
@staff_required
def directory():
    filters = _directory_filters()
    page = paginate(_directory_query(filters), per_page=20)
    thematics = db.session.scalars(
        select(Thematic)
        .where(Thematic.pole_id == current_user.pole_id, Thematic.active.is_(True))
        .order_by(Thematic.position, Thematic.id)
    ).all()
    return render_template(
        "structures/directory.html",
        page=page,
        filters=filters,
        export_args=_directory_args(filters),
        thematics=thematics,
        stage_labels=STAGE_LABELS,
        stages=PROJECT_STAGES,
        kind_labels=KIND_LABELS,
    )


@bp.route("/annuaire/export/<fmt>")
@staff_required
def directory_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = _directory_filters()
    partners = db.session.scalars(_directory_query(filters).options(selectinload(Structure.thematics))).all()
    rows = [
        (
            s.name,
            str(KIND_LABELS.get(s.kind, s.kind)),
            ", ".join(t.name for t in s.thematics),
            _stages_text(s),
            s.territory,
            s.contact_name,
            s.contact_email,
            s.contact_phone,
            s.offer_description,
            s.how_to_refer,
            s.commune,
            s.website,
        )
        for s in partners
    ]
    record_audit("export.partners", None, {"format": fmt, "rows": len(rows), **_directory_args(filters)})
    db.session.commit()
    filename = f"annuaire-partenaires-{date.today():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, PARTNER_HEADER, rows)
    return xlsx_response(filename, [("Annuaire des partenaires", PARTNER_HEADER, rows)])
