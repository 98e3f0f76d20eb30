"""Requests (sollicitations): list, intake, detail, outcome, opening a dossier."""

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

# A module import: app.accompaniments.forms imports app.requests.forms (circular at import time).
from app.accompaniments import forms as dossier_forms
from app.accompaniments.models import Accompaniment
from app.accompaniments.services import AccompanimentError, local_today
from app.core.dates import invalid_month_message, month_bounds, parse_month
from app.core.pagination import paginate
from app.core.permissions import staff_required
from app.core.scoping import get_or_404
from app.extensions import db
from app.requests import bp, services
from app.requests.forms import CHANNEL_LABELS, OUTCOME_LABELS, OutcomeForm, RequestForm
from app.requests.models import CHANNELS, OUTCOMES, Request


def _month_bounds(value: str) -> tuple[date, date] | None:
    parsed = parse_month(value)
    return month_bounds(*parsed) if parsed is not None else None


def _labels() -> dict:
    return {"channel_labels": CHANNEL_LABELS, "outcome_labels": OUTCOME_LABELS}


@bp.route("/")
@staff_required
def index():
    pole = current_user.pole
    filters = {
        "month": request.args.get("month", "").strip(),
        "channel": request.args.get("channel", ""),
        "outcome": request.args.get("outcome", ""),
        "pending": request.args.get("pending") == "1",
    }
    stmt = select(Request).options(
        joinedload(Request.person), joinedload(Request.collective), joinedload(Request.prescriber)
    )
    if filters["month"]:
        bounds = _month_bounds(filters["month"])
        if bounds is None:
            flash(invalid_month_message(filters["month"]), "error")
        else:
            stmt = stmt.where(Request.received_on.between(*bounds))
    if filters["channel"] in CHANNELS:
        stmt = stmt.where(Request.channel == filters["channel"])
    if filters["pending"]:
        stmt = stmt.where(Request.outcome == "pending")
    elif filters["outcome"] in OUTCOMES:
        stmt = stmt.where(Request.outcome == filters["outcome"])
    page = paginate(stmt.order_by(Request.received_on.desc(), Request.id.desc()))
    alert_before = local_today(pole) - timedelta(days=pole.request_pending_alert_days)
    return render_template(
        "requests/index.html", page=page, filters=filters, alert_before=alert_before, **_labels()
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    query = request.args.get("q", "").strip()
    form = RequestForm(current_user.pole, person_query=query)
    if form.validate_on_submit():
        try:
            req = services.create_request(current_user.pole, form.request_data(), by=current_user)
        except services.RequestError as exc:
            form.contact_text.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Sollicitation enregistrée."), "success")
            return redirect(url_for("requests.detail", request_id=req.id))
    return render_template("requests/form.html", form=form, query=query, req=None)


def _load(request_id: int) -> Request:
    return get_or_404(Request, request_id)


@bp.route("/<int:request_id>")
@staff_required
def detail(request_id: int):
    req = _load(request_id)
    dossiers = db.session.scalars(
        select(Accompaniment).where(Accompaniment.request_id == req.id).order_by(Accompaniment.id)
    ).all()
    outcome_form = OutcomeForm(outcome=req.outcome if req.outcome != "accompaniment" else "pending")
    alert = req.outcome == "pending" and req.received_on < local_today(current_user.pole) - timedelta(
        days=current_user.pole.request_pending_alert_days
    )
    return render_template(
        "requests/detail.html",
        req=req,
        dossiers=dossiers,
        outcome_form=outcome_form,
        alert=alert,
        **_labels(),
    )


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(request_id: int):
    req = _load(request_id)
    query = request.args.get("q", "").strip()
    initial = None
    if request.method == "GET":
        initial = {
            "received_on": req.received_on,
            "channel": req.channel,
            "contact_text": req.contact_text,
            "need": req.need,
            "person_id": req.person_id,
            "collective_id": req.collective_id,
            "prescriber_id": req.prescriber_id,
            "thematics": [t.id for t in req.thematics],
        }
    form = RequestForm(current_user.pole, person_query=query, data=initial)
    if form.validate_on_submit():
        try:
            services.update_request(req, form.request_data())
        except services.RequestError as exc:
            form.contact_text.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Sollicitation enregistrée."), "success")
            return redirect(url_for("requests.detail", request_id=req.id))
    return render_template("requests/form.html", form=form, query=query, req=req)


@bp.route("/<int:request_id>/outcome", methods=["POST"])
@staff_required
def set_outcome(request_id: int):
    req = _load(request_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        services.set_outcome(req, form.outcome.data)
        db.session.commit()
        flash(_("Suite enregistrée : %(label)s.", label=OUTCOME_LABELS[req.outcome]), "success")
    else:
        flash(_("Suite invalide."), "error")
    return redirect(url_for("requests.detail", request_id=req.id))


@bp.route("/<int:request_id>/open", methods=["GET", "POST"])
@staff_required
def open_dossier(request_id: int):
    """One form, one commit: the person (if needed), the dossier, the request's outcome."""
    req = _load(request_id)
    pole = current_user.pole
    existing = db.session.scalar(select(Accompaniment.id).where(Accompaniment.request_id == req.id).limit(1))
    if existing is not None:
        flash(_("Un dossier est déjà ouvert pour cette sollicitation."), "info")
        return redirect(url_for("accompaniments.detail", accompaniment_id=existing))
    needs_person = req.person is None and req.collective is None
    form_class = dossier_forms.OpenDossierWithPersonForm if needs_person else dossier_forms.OpenDossierForm
    initial = None
    if request.method == "GET":
        initial = {
            "title": "",  # the default title names the parcours, never the person (issue 19)
            "summary": req.need,
            "thematics": [t.id for t in req.thematics],
            "referent_id": current_user.id,
        }
        if needs_person:
            initial.update(services.split_contact_text(req.contact_text))
    form = form_class(pole, data=initial)
    if form.validate_on_submit():
        new_person = None
        if needs_person:
            new_person = {
                "first_name": form.first_name.data,
                "last_name": form.last_name.data,
                "email": form.email.data,
                "phone": form.phone.data,
            }
        try:
            acc = services.open_accompaniment(
                req, form.dossier_data(), by=current_user, new_person=new_person
            )
        except (services.RequestError, AccompanimentError) as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Dossier ouvert."), "success")
            return redirect(url_for("accompaniments.detail", accompaniment_id=acc.id))
    return render_template(
        "requests/open.html",
        req=req,
        form=form,
        needs_person=needs_person,
        legal_form_labels=dossier_forms.LEGAL_FORM_LABELS,
        modality_labels=dossier_forms.MODALITY_LABELS,
        **_labels(),
    )
