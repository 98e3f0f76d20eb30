"""Privacy pages: audit journal, anonymisation, retention, register of RGPD requests, data export."""

import json
from datetime import UTC, date, datetime, time, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.core.audit import AuditEvent, record_audit
from app.core.formatting import pole_zone
from app.core.pagination import PER_PAGE, Page, current_page_number, paginate
from app.core.permissions import ADMIN, admin_required
from app.core.scoping import get_or_404
from app.core.sections import register_section
from app.core.text import like_pattern
from app.extensions import db
from app.main.views import HOME_SECTIONS
from app.people.models import Person
from app.privacy import bp, services
from app.privacy.forms import AnonymiseForm, AuditFilterForm, HandleRequestForm, PrivacyRequestForm
from app.privacy.models import PrivacyRequest

AUDIT_PER_PAGE = 50


def _day_start_utc(day) -> datetime:
    """Midnight of `day` in the pole's time zone, as UTC."""
    return datetime.combine(day, time.min, tzinfo=pole_zone()).astimezone(UTC)


@bp.route("/journal")
@admin_required
def audit():
    """The pole's audit journal, newest first, filtered by user, record, action and period."""
    pole_id = current_user.pole_id
    users = db.session.scalars(select(User).where(User.pole_id == pole_id).order_by(User.email)).all()
    target_types = db.session.scalars(
        select(AuditEvent.target_type)
        .where(AuditEvent.pole_id == pole_id, AuditEvent.target_type.is_not(None))
        .distinct()
        .order_by(AuditEvent.target_type)
    ).all()
    form = AuditFilterForm(users, list(target_types), formdata=request.args)
    stmt = select(AuditEvent).where(AuditEvent.pole_id == pole_id)
    filtered = bool(request.args) and form.validate()
    if filtered:
        if form.user.data:
            stmt = stmt.where(AuditEvent.actor_id == int(form.user.data))
        if form.action.data and form.action.data.strip():
            pattern = like_pattern(form.action.data.strip()).lstrip("%")  # a prefix match
            stmt = stmt.where(AuditEvent.action.like(pattern, escape="\\"))
        if form.target_type.data:
            stmt = stmt.where(AuditEvent.target_type == form.target_type.data)
        if form.target_id.data:
            stmt = stmt.where(AuditEvent.target_id == form.target_id.data)
        if form.date_from.data:
            stmt = stmt.where(AuditEvent.occurred_at >= _day_start_utc(form.date_from.data))
        if form.date_to.data:
            stmt = stmt.where(AuditEvent.occurred_at < _day_start_utc(form.date_to.data + timedelta(days=1)))
    page = paginate(stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()), AUDIT_PER_PAGE)
    actors = {u.id: u for u in users}
    missing = {e.actor_id for e in page.items if e.actor_id and e.actor_id not in actors}
    if missing:  # e.g. the regional coordinator, who belongs to no pole
        actors.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(missing)))})
    return render_template("privacy/audit.html", form=form, page=page, actors=actors)


# --- anonymisation ---------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/anonymise", methods=["GET", "POST"])
@admin_required
def anonymise(person_id: int):
    """Confirm (GET) then irreversibly anonymise (POST) a person."""
    person = get_or_404(Person, person_id)
    form = AnonymiseForm()
    if person.anonymized_at is None and form.validate_on_submit():
        services.anonymise_person(person, current_user)
        db.session.commit()
        flash(_("La personne a été anonymisée."), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    if request.method == "POST" and person.anonymized_at is not None:
        flash(_("Cette personne est déjà anonymisée."), "info")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("privacy/anonymise.html", person=person, form=form)


# --- retention -------------------------------------------------------------------------------


@bp.route("/retention")
@admin_required
def retention():
    """Persons with no activity for the retention period, listed for anonymisation."""
    pole = current_user.pole
    months = current_app.config["PRIVACY_RETENTION_MONTHS"]
    stmt = services.retention_query(pole)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    number = min(current_page_number(), pages)
    rows = db.session.execute(stmt.limit(PER_PAGE).offset((number - 1) * PER_PAGE)).all()
    items = [
        (person, services.last_activity_on(person, last_at, last_on, pole.timezone))
        for person, last_at, last_on in rows
    ]
    page = Page(items=items, total=total, number=number, per_page=PER_PAGE)
    _cutoff_at, cutoff_on = services.retention_cutoff(pole)
    return render_template("privacy/retention.html", page=page, months=months, cutoff_on=cutoff_on)


# --- register of RGPD requests ---------------------------------------------------------------


@bp.route("/requests")
@admin_required
def requests():
    """The register of RGPD requests: open ones first (late ones flagged), then the handled ones."""
    status = request.args.get("status", "")
    stmt = select(PrivacyRequest).options(
        joinedload(PrivacyRequest.person), joinedload(PrivacyRequest.handled_by)
    )
    if status == "open":
        stmt = stmt.where(PrivacyRequest.handled_on.is_(None))
    elif status == "handled":
        stmt = stmt.where(PrivacyRequest.handled_on.is_not(None))
    stmt = stmt.order_by(
        PrivacyRequest.handled_on.is_not(None),
        PrivacyRequest.received_on.desc(),
        PrivacyRequest.id.desc(),
    )
    page = paginate(stmt)
    open_count, late_count = services.open_requests_counts(current_user.pole_id)
    return render_template(
        "privacy/requests.html",
        page=page,
        status=status,
        open_count=open_count,
        late_count=late_count,
        late_before=services.overdue_before(),
    )


@bp.route("/people/<int:person_id>/requests/new", methods=["GET", "POST"])
@admin_required
def new_request(person_id: int):
    """Record a request received from a person."""
    person = get_or_404(Person, person_id)
    form = PrivacyRequestForm()
    if request.method == "GET":
        form.received_on.data = date.today()
    if form.validate_on_submit():
        try:
            services.create_privacy_request(
                person, form.kind.data, form.received_on.data, form.notes.data, current_user
            )
        except services.PrivacyError as exc:
            form.kind.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Demande enregistrée."), "success")
            return redirect(url_for("privacy.requests"))
    return render_template("privacy/request_form.html", form=form, person=person)


@bp.route("/requests/<int:request_id>/handle", methods=["GET", "POST"])
@admin_required
def handle_request(request_id: int):
    """Mark a request as answered."""
    item = get_or_404(PrivacyRequest, request_id)
    if item.handled_on is not None:
        flash(_("Cette demande est déjà traitée."), "info")
        return redirect(url_for("privacy.requests"))
    form = HandleRequestForm(item.received_on)
    if request.method == "GET":
        form.handled_on.data = date.today()
    if form.validate_on_submit():
        try:
            services.handle_privacy_request(item, form.handled_on.data, form.notes.data, current_user)
        except services.PrivacyError as exc:
            form.handled_on.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Demande marquée comme traitée."), "success")
            return redirect(url_for("privacy.requests"))
    return render_template("privacy/handle_request.html", form=form, item=item)


# --- export of a person's data ---------------------------------------------------------------


EXPORT_SECTIONS = {
    "person": _l("Fiche"),
    "accounts": _l("Comptes d'accès"),
    "memberships": _l("Collectifs"),
    "requests": _l("Sollicitations"),
    "accompaniments": _l("Dossiers d'accompagnement"),
    "attendances": _l("Séances"),
    "referrals": _l("Orientations"),
    "satisfaction": _l("Questionnaires de satisfaction"),
    "skill_assessments": _l("Auto-positionnements"),
    "privacy_requests": _l("Demandes RGPD"),
}
EXPORT_LABELS = {
    "format": _l("Format"),
    "exported_at": _l("Exporté le"),
    "pole": _l("Pôle"),
    "id": _l("N°"),
    "first_name": _l("Prénom"),
    "last_name": _l("Nom"),
    "email": _l("E-mail"),
    "phone": _l("Téléphone"),
    "commune": _l("Commune"),
    "postal_code": _l("Code postal"),
    "gender": _l("Genre"),
    "birth_year": _l("Année de naissance"),
    "situation": _l("Situation"),
    "first_contact_on": _l("Premier contact"),
    "privacy_notice_given_on": _l("Notice d'information remise le"),
    "notes": _l("Notes"),
    "archived": _l("Archivée"),
    "anonymized_at": _l("Anonymisée le"),
    "created_at": _l("Créée le"),
    "updated_at": _l("Modifiée le"),
    "full_name": _l("Nom"),
    "role": _l("Rôle"),
    "active": _l("Actif"),
    "mfa_enabled": _l("Double authentification"),
    "invited_at": _l("Invité·e le"),
    "last_login_at": _l("Dernière connexion"),
    "password_changed_at": _l("Mot de passe changé le"),
    "collective": _l("Collectif"),
    "structure": _l("Structure"),
    "joined_on": _l("Entrée"),
    "left_on": _l("Sortie"),
    "received_on": _l("Reçue le"),
    "channel": _l("Canal"),
    "need": _l("Besoin"),
    "thematics": _l("Thématiques"),
    "outcome": _l("Suite donnée"),
    "outcome_on": _l("Le"),
    "beneficiary": _l("Bénéficiaire"),
    "title": _l("Titre"),
    "summary": _l("Résumé"),
    "sector": _l("Secteur"),
    "intended_legal_form": _l("Forme juridique envisagée"),
    "modality": _l("Modalité"),
    "objectives": _l("Objectifs"),
    "status": _l("Statut"),
    "template": _l("Parcours"),
    "current_stage": _l("Étape"),
    "referent": _l("Référent·e"),
    "name": _l("Nom"),
    "started_on": _l("Début"),
    "ended_on": _l("Fin"),
    "end_reason": _l("Motif de fin"),
    "financing_obtained": _l("Financement obtenu"),
    "financing_amount": _l("Montant"),
    "stages": _l("Étapes"),
    "stage": _l("Étape"),
    "on": _l("Le"),
    "session_id": _l("Séance n°"),
    "kind": _l("Type"),
    "starts_at": _l("Date"),
    "duration_minutes": _l("Durée (minutes)"),
    "registered_publicly": _l("Inscription publique"),
    "partner": _l("Partenaire"),
    "referred_on": _l("Orientée le"),
    "reason": _l("Motif"),
    "consent_to_share": _l("Consentement au partage"),
    "history": _l("Historique"),
    "accompaniment_id": _l("Dossier n°"),
    "score": _l("Note"),
    "comment": _l("Commentaire"),
    "answered_at": _l("Répondu le"),
    "thematic": _l("Thématique"),
    "round": _l("Temps"),
    "level": _l("Niveau"),
    "assessed_at": _l("Le"),
    "handled_on": _l("Traitée le"),
}


def _export_person_data(person: Person) -> dict:
    return services.export_person_data(person)


@bp.route("/people/<int:person_id>/export")
@admin_required
def export_person(person_id: int):
    """A person's data: readable page, or JSON download with ?format=json."""
    person = get_or_404(Person, person_id)
    fmt = request.args.get("format", "html")
    if fmt not in ("html", "json"):
        abort(404)
    data = _export_person_data(person)
    record_audit("privacy.export", person, {"format": fmt})
    db.session.commit()
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
        response = current_app.response_class(body, mimetype="application/json")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="donnees-personne-{person.id}-{date.today():%Y-%m-%d}.json"'
        )
        response.headers["Cache-Control"] = "no-store"
        return response
    response = current_app.make_response(
        render_template(
            "privacy/export.html", person=person, data=data, sections=EXPORT_SECTIONS, labels=EXPORT_LABELS
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- blocks shown on other pages -------------------------------------------------------------


def _person_section(person: Person) -> dict:
    items = db.session.scalars(
        select(PrivacyRequest)
        .where(PrivacyRequest.person_id == person.id)
        .order_by(PrivacyRequest.received_on.desc(), PrivacyRequest.id.desc())
    ).all()
    return {"person": person, "privacy_requests": items, "late_before": services.overdue_before()}


def _home_section() -> dict:
    open_count, late_count = services.open_requests_counts(current_user.pole_id)
    return {"privacy_open": open_count, "privacy_late": late_count}


register_section("person", "privacy/_person_section.html", _person_section, roles=(ADMIN,), order=90)
if not any(t == "privacy/_home_section.html" for _r, t, _c in HOME_SECTIONS):
    HOME_SECTIONS.append(((ADMIN,), "privacy/_home_section.html", _home_section))
