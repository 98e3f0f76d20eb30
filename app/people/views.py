"""Persons: list and search, create (with the duplicate warning), edit, archive, detail, export."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.audit import record_audit
from app.core.exports import csv_response, xlsx_response
from app.core.formatting import elides
from app.core.pagination import paginate
from app.core.permissions import staff_required
from app.core.scoping import get_or_404
from app.extensions import db
from app.people import bp, services
from app.people.forms import GENDER_LABELS, PRIVACY_NOTICE, NewPersonForm, PersonForm
from app.people.models import Person

EXPORT_HEADER = (
    "Nom",
    "Prénom",
    "E-mail",
    "Téléphone",
    "Commune",
    "Code postal",
    "Genre",
    "Année de naissance",
    "Situation",
    "Premier contact",
    "Notice d'information remise le",
    "Archivée",
)


def _filters() -> dict:
    return {
        "q": (request.args.get("q") or "").strip()[:200],
        "archives": request.args.get("archives") == "1",
    }


def _query(filters: dict):
    return services.persons_query(current_user.pole, filters["q"], include_archived=filters["archives"])


@bp.route("/")
@staff_required
def index():
    filters = _filters()
    page = paginate(_query(filters))
    return render_template("people/index.html", page=page, filters=filters)


@bp.route("/export/<fmt>")
@staff_required
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = _filters()
    persons = db.session.scalars(_query(filters)).all()
    rows = [
        (
            p.last_name,
            p.first_name,
            p.email,
            p.phone,
            p.commune,
            p.postal_code,
            str(GENDER_LABELS[p.gender]) if p.gender in GENDER_LABELS else p.gender,
            p.birth_year,
            p.situation,
            p.first_contact_on,
            p.privacy_notice_given_on,
            p.archived,
        )
        for p in persons
    ]
    record_audit(
        "export.persons",
        None,
        {"format": fmt, "rows": len(rows), "q": filters["q"], "archives": filters["archives"]},
    )
    db.session.commit()
    filename = f"personnes-{date.today():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, EXPORT_HEADER, rows)
    return xlsx_response(filename, [("Personnes", EXPORT_HEADER, rows)])


def _duplicate_email_message() -> str:
    return _("Une personne du pôle a déjà cette adresse e-mail.")


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = NewPersonForm()
    duplicates: list[Person] = []
    if form.validate_on_submit():
        data = form.data_for_model()
        duplicates = services.find_likely_duplicates(
            current_user.pole,
            email=data["email"],
            last_name=data["last_name"],
            first_name=data["first_name"],
            postal_code=data["postal_code"],
        )
        if services.email_taken(current_user.pole, data["email"]):
            form.email.errors.append(_duplicate_email_message())
        elif duplicates and not form.create_anyway.data:
            pass  # shown again with the warning and the "Créer quand même" box
        else:
            if form.privacy_notice.data:
                data["privacy_notice_given_on"] = date.today()
            person = services.create_person(current_user.pole, **data)
            db.session.commit()
            flash(
                _("Fiche d'%(name)s créée.", name=person.full_name)
                if elides(person.first_name)
                else _("Fiche de %(name)s créée.", name=person.full_name),
                "success",
            )
            return redirect(url_for("people.detail", person_id=person.id))
    return render_template(
        "people/form.html", form=form, person=None, duplicates=duplicates, notice=PRIVACY_NOTICE
    )


@bp.route("/<int:person_id>")
@staff_required
def detail(person_id: int):
    person = get_or_404(Person, person_id)
    return render_template("people/detail.html", person=person, gender_labels=GENDER_LABELS)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(person_id: int):
    person = get_or_404(Person, person_id)
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.privacy_notice.data = person.privacy_notice_given_on is not None
    if form.validate_on_submit():
        data = form.data_for_model()
        if form.privacy_notice.data and person.privacy_notice_given_on is None:
            data["privacy_notice_given_on"] = date.today()
        try:
            changes = services.update_person(person, **data)
        except services.PersonError:
            form.email.errors.append(_duplicate_email_message())
        else:
            db.session.commit()
            flash(
                _("Fiche mise à jour.") if changes else _("Aucune modification."),
                "success" if changes else "info",
            )
            return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/form.html", form=form, person=person, duplicates=[], notice=PRIVACY_NOTICE)


@bp.route("/<int:person_id>/archive", methods=["POST"])
@staff_required
def archive(person_id: int):
    person = get_or_404(Person, person_id)
    archived = request.form.get("archived", "1") == "1"
    if services.archive_person(person, archived):
        db.session.commit()
    flash(_("Fiche archivée.") if archived else _("Fiche réactivée."), "success")
    return redirect(url_for("people.detail", person_id=person.id))
