"""Collectives: list, create, edit, archive, and their members."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.collectives import bp, services
from app.collectives.forms import (
    KIND_LABELS,
    AddMemberForm,
    CollectiveForm,
    EditMembershipForm,
    LeaveForm,
    role_label,
)
from app.collectives.models import Collective, Membership
from app.core.pagination import paginate
from app.core.permissions import staff_required
from app.core.scoping import get_or_404
from app.core.sections import register_section
from app.core.text import like_pattern
from app.extensions import db
from app.people.models import Person
from app.people.services import create_person, person_matches

SEARCH_LIMIT = 20


def _template_helpers() -> dict:
    return {"kind_labels": KIND_LABELS, "role_label": role_label}


@bp.route("/")
@staff_required
def index():
    q = (request.args.get("q") or "").strip()
    show_archived = request.args.get("archived") == "1"
    stmt = select(Collective).order_by(Collective.search_text, Collective.id)
    if not show_archived:
        stmt = stmt.where(Collective.archived.is_(False))
    if q:
        stmt = stmt.where(Collective.search_text.like(like_pattern(q), escape="\\"))
    page = paginate(stmt)
    counts: dict[int, int] = {}
    if page.items:
        today = services.pole_today(current_user.pole)
        counts = dict(
            db.session.execute(
                select(Membership.collective_id, func.count(Membership.id))
                .where(
                    Membership.collective_id.in_([c.id for c in page.items]),
                    or_(Membership.left_on.is_(None), Membership.left_on > today),
                )
                .group_by(Membership.collective_id)
            ).all()
        )
    return render_template(
        "collectives/index.html",
        page=page,
        q=q,
        show_archived=show_archived,
        counts=counts,
        **_template_helpers(),
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = CollectiveForm()
    if form.validate_on_submit():
        collective = services.create_collective(current_user.pole, **form.data_for_service())
        db.session.commit()
        flash(_("Collectif « %(name)s » créé.", name=collective.name), "success")
        return redirect(url_for("collectives.detail", collective_id=collective.id))
    return render_template("collectives/form.html", form=form, collective=None)


def _render_detail(collective: Collective, add_form: AddMemberForm | None = None, status: int = 200):
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.collective_id == collective.id)
        .options(joinedload(Membership.person), joinedload(Membership.structure))
        .order_by(Membership.joined_on.desc(), Membership.id)
    ).all()
    today = services.pole_today(current_user.pole)
    current = sorted(
        (m for m in memberships if m.left_on is None or m.left_on > today),
        key=lambda m: (m.person.last_name.casefold(), m.person.first_name.casefold(), m.id),
    )
    former = sorted(
        (m for m in memberships if m.left_on is not None and m.left_on <= today),
        key=lambda m: (m.left_on, m.id),
        reverse=True,
    )
    current_person_ids = {m.person_id for m in current}
    q = (request.args.get("q") or "").strip()
    matches: list[Person] = []
    if q:
        matches = list(
            db.session.scalars(
                select(Person)
                .where(
                    person_matches(q),
                    Person.archived.is_(False),
                    Person.anonymized_at.is_(None),
                )
                .order_by(Person.search_text, Person.id)
                .limit(SEARCH_LIMIT)
            )
        )
    if add_form is None:
        add_form = AddMemberForm(current_user.pole, formdata=None)
    return (
        render_template(
            "collectives/detail.html",
            collective=collective,
            current=current,
            former=former,
            today=today,
            q=q,
            matches=matches,
            search_limit=SEARCH_LIMIT,
            current_person_ids=current_person_ids,
            add_form=add_form,
            **_template_helpers(),
        ),
        status,
    )


@bp.route("/<int:collective_id>")
@staff_required
def detail(collective_id: int):
    collective = get_or_404(Collective, collective_id)
    return _render_detail(collective)


@bp.route("/<int:collective_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(collective_id: int):
    collective = get_or_404(Collective, collective_id)
    form = CollectiveForm(obj=collective)
    if form.validate_on_submit():
        services.update_collective(collective, form.data_for_service())
        db.session.commit()
        flash(_("Collectif enregistré."), "success")
        return redirect(url_for("collectives.detail", collective_id=collective.id))
    return render_template("collectives/form.html", form=form, collective=collective)


@bp.route("/<int:collective_id>/archive", methods=["POST"])
@staff_required
def archive(collective_id: int):
    collective = get_or_404(Collective, collective_id)
    archived = not collective.archived
    services.set_archived(collective, archived)
    db.session.commit()
    if archived:
        flash(_("Collectif archivé : il n'apparaît plus dans la liste par défaut."), "success")
    else:
        flash(_("Collectif désarchivé."), "success")
    return redirect(url_for("collectives.detail", collective_id=collective.id))


@bp.route("/<int:collective_id>/members", methods=["POST"])
@staff_required
def add_member(collective_id: int):
    collective = get_or_404(Collective, collective_id)
    form = AddMemberForm(current_user.pole)
    if form.validate_on_submit():
        person = None
        if form.creates_person:
            data = form.person_data()
            if data["email"] and db.session.scalar(
                select(Person.id).where(
                    Person.pole_id == current_user.pole_id, Person.email == data["email"].lower()
                )
            ):
                form.email.errors.append(
                    _("Une personne du pôle a déjà cette adresse : recherchez-la pour l'ajouter.")
                )
            else:
                person = create_person(current_user.pole, **data)
        else:
            person = get_or_404(Person, form.person_id.data)
        if person is not None:
            try:
                services.add_member(collective, person, **form.membership_data())
            except services.MembershipError as exc:
                db.session.rollback()
                form.form_errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("%(name)s ajouté·e au collectif.", name=person.full_name), "success")
                return redirect(url_for("collectives.detail", collective_id=collective.id))
    return _render_detail(collective, add_form=form)


def _membership_or_404(collective_id: int, membership_id: int) -> tuple[Collective, Membership]:
    collective = get_or_404(Collective, collective_id)
    membership = get_or_404(Membership, membership_id)
    if membership.collective_id != collective.id:
        abort(404)
    return collective, membership


@bp.route("/<int:collective_id>/members/<int:membership_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_member(collective_id: int, membership_id: int):
    collective, membership = _membership_or_404(collective_id, membership_id)
    form = EditMembershipForm(current_user.pole, obj=membership, keep_structure_id=membership.structure_id)
    if request.method == "GET":
        form.structure_id.data = str(membership.structure_id) if membership.structure_id else ""
        form.set_role(membership.role)
    if form.validate_on_submit():
        try:
            services.update_membership(membership, form.membership_data())
        except services.MembershipError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Adhésion enregistrée."), "success")
            return redirect(url_for("collectives.detail", collective_id=collective.id))
    return render_template(
        "collectives/membership_form.html", form=form, collective=collective, membership=membership
    )


@bp.route("/<int:collective_id>/members/<int:membership_id>/leave", methods=["POST"])
@staff_required
def leave_member(collective_id: int, membership_id: int):
    collective, membership = _membership_or_404(collective_id, membership_id)
    form = LeaveForm()
    if not form.validate_on_submit():
        flash(_("Indiquez une date de départ valide."), "error")
    else:
        try:
            services.mark_left(membership, form.left_on.data)
        except services.MembershipError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Départ de %(name)s enregistré au %(date)s.",
                    name=membership.person.full_name,
                    date=form.left_on.data.strftime("%d/%m/%Y"),
                ),
                "success",
            )
    return redirect(url_for("collectives.detail", collective_id=collective.id))


@bp.route("/<int:collective_id>/members/<int:membership_id>/delete", methods=["POST"])
@staff_required
def delete_member(collective_id: int, membership_id: int):
    collective, membership = _membership_or_404(collective_id, membership_id)
    name = membership.person.full_name
    services.remove_membership(membership)
    db.session.commit()
    flash(_("Adhésion de %(name)s supprimée.", name=name), "success")
    return redirect(url_for("collectives.detail", collective_id=collective.id))


def _person_memberships(person) -> dict:
    """The collectives a person belongs or belonged to, for the person page."""
    rows = db.session.scalars(
        select(Membership)
        .where(Membership.person_id == person.id)
        .options(joinedload(Membership.collective), joinedload(Membership.structure))
        .order_by(Membership.joined_on.desc())
    ).all()
    return {"memberships": rows, "role_label": role_label}


register_section("person", "collectives/_person_memberships.html", _person_memberships, order=20)
