"""The porteur's space (holders only) and the staff actions around it.

Every holder page starts with `services.holder_scope(current_user)`: what it does not
reach answers 404. Staff pages use `staff_required` and the pole scope.
"""

import json
from datetime import date, datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from app.core import formatting
from app.core.audit import record_audit
from app.core.models import utcnow
from app.core.pagination import paginate
from app.core.permissions import HOLDER, roles_required, staff_required
from app.core.redirects import safe_next
from app.core.scoping import get_or_404
from app.core.sections import register_section
from app.extensions import db
from app.main.views import HOME_SECTIONS
from app.people.models import Person
from app.portal import bp, services
from app.portal.forms import (
    LEVEL_LABELS,
    ROUND_LABELS,
    SCORE_LABELS,
    EmptyForm,
    SatisfactionForm,
    skills_form,
)
from app.portal.models import ROUNDS, SatisfactionResponse

holder_required = roles_required(HOLDER)

ATTENDANCE_LABELS = {
    "invited": "Invité·e",
    "present": "Présent·e",
    "excused": "Excusé·e",
    "absent": "Absent·e",
}
STATUS_LABELS = {"active": "En cours", "suspended": "Suspendu", "closed": "Clos", "abandoned": "Abandonné"}
REFERRAL_STATUS_LABELS = {
    "proposed": "Proposée",
    "sent": "Transmise au partenaire",
    "accepted": "Acceptée par le partenaire",
    "completed": "Réalisée",
    "declined": "Déclinée par le partenaire",
    "no_follow_up": "Sans suite",
    "under_review": "À l'étude chez le partenaire",
    "expired": "Sans réponse du partenaire",
}


def _labels() -> dict:
    return {
        "attendance_labels": {k: _(v) for k, v in ATTENDANCE_LABELS.items()},
        "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
        "referral_status_labels": {k: _(v) for k, v in REFERRAL_STATUS_LABELS.items()},
        "round_labels": ROUND_LABELS,
        "level_labels": LEVEL_LABELS,
        "score_labels": SCORE_LABELS,
    }


@bp.app_template_filter("iso_date")
def iso_date(value: str | None) -> str:
    """An ISO date or datetime string (as in the data export) shown as 14/03/2026."""
    parsed = _parse_iso(value)
    return formatting.date_short(parsed) if parsed else (value or "")


@bp.app_template_filter("iso_datetime")
def iso_datetime(value: str | None) -> str:
    parsed = _parse_iso(value)
    if isinstance(parsed, datetime):
        return formatting.datetime_short(parsed)
    return formatting.date_short(parsed) if parsed else (value or "")


def _parse_iso(value: str | None) -> date | datetime | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None


def _home_section() -> dict:
    return {}


HOME_SECTIONS.append(((HOLDER,), "portal/_home_section.html", _home_section))


@bp.app_context_processor
def _portal_helpers() -> dict:
    # Lets the person page's invite partial show whether an account already exists.
    return {"portal_holder_account": services.holder_account}


# --- Holder accounts (staff) --------------------------------------------------------------


@bp.route("/invite/<int:person_id>", methods=["POST"])
@staff_required
def invite_holder(person_id: int):
    person = get_or_404(Person, person_id)
    target = safe_next(request.form.get("next") or request.args.get("next")) or "/"
    try:
        services.invite_holder(person, current_user.pole)
    except services.PortalError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(target)
    db.session.commit()
    flash(
        _(
            "Invitation envoyée à %(email)s : le lien est valable 72 heures.",
            email=person.email,
        ),
        "success",
    )
    return redirect(target)


# --- Holder pages -------------------------------------------------------------------------


@bp.route("/")
@holder_required
def index():
    scope = services.holder_scope(current_user)
    dossiers = scope.accompaniments()
    closed_answered = set()
    if dossiers:
        closed_answered = set(
            db.session.scalars(
                select(SatisfactionResponse.accompaniment_id).where(
                    SatisfactionResponse.person_id == scope.person_id,
                    SatisfactionResponse.accompaniment_id.in_([d.id for d in dossiers]),
                )
            )
        )
    items = [
        {
            "dossier": d,
            "stages": services.stage_states(d),
            "can_rate": d.status == "closed" and d.id not in closed_answered,
            "rated": d.id in closed_answered,
        }
        for d in dossiers
    ]
    return render_template(
        "portal/index.html", items=items, person=scope.person, form=SatisfactionForm(), **_labels()
    )


@bp.route("/seances")
@holder_required
def sessions():
    scope = services.holder_scope(current_user)
    now = utcnow()
    page = paginate(scope.attendances_stmt(past=True, now=now), per_page=20)
    upcoming = db.session.scalars(scope.attendances_stmt(past=False, now=now).limit(20)).unique().all()
    answered = set()
    if page.items:
        answered = set(
            db.session.scalars(
                select(SatisfactionResponse.session_id).where(
                    SatisfactionResponse.person_id == scope.person_id,
                    SatisfactionResponse.session_id.in_([a.session_id for a in page.items]),
                )
            )
        )
    return render_template(
        "portal/sessions.html",
        page=page,
        upcoming=upcoming,
        answered=answered,
        form=SatisfactionForm(),
        **_labels(),
    )


@bp.route("/seances/<int:session_id>/avis", methods=["POST"])
@holder_required
def rate_session(session_id: int):
    scope = services.holder_scope(current_user)
    session = scope.session_or_404(session_id)
    form = SatisfactionForm()
    if not form.validate_on_submit():
        flash(
            _("Choisissez une note de 1 à 5 (le commentaire est facultatif, 2 000 caractères au plus)."),
            "error",
        )
        return redirect(url_for("portal.sessions", _anchor=f"seance-{session.id}"))
    try:
        services.rate_session(scope, session, form.score.data, form.comment.data)
    except services.PortalError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("portal.sessions"))
    db.session.commit()
    flash(_("Merci pour votre avis !"), "success")
    return redirect(url_for("portal.sessions", _anchor=f"seance-{session.id}"))


@bp.route("/dossiers/<int:accompaniment_id>/avis", methods=["POST"])
@holder_required
def rate_dossier(accompaniment_id: int):
    scope = services.holder_scope(current_user)
    acc = scope.accompaniment_or_404(accompaniment_id)
    form = SatisfactionForm()
    if not form.validate_on_submit():
        flash(
            _("Choisissez une note de 1 à 5 (le commentaire est facultatif, 2 000 caractères au plus)."),
            "error",
        )
        return redirect(url_for("portal.index"))
    try:
        services.rate_accompaniment(scope, acc, form.score.data, form.comment.data)
    except services.PortalError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("portal.index"))
    db.session.commit()
    flash(_("Merci pour votre avis sur l'accompagnement !"), "success")
    return redirect(url_for("portal.index"))


@bp.route("/orientations")
@holder_required
def referrals():
    scope = services.holder_scope(current_user)
    page = paginate(scope.referrals_stmt(), per_page=20)
    return render_template("portal/referrals.html", page=page, **_labels())


@bp.route("/dossiers/<int:accompaniment_id>/auto-positionnement", methods=["GET", "POST"])
@holder_required
def skills(accompaniment_id: int):
    scope = services.holder_scope(current_user)
    acc = scope.accompaniment_or_404(accompaniment_id)
    round_name = services.answerable_round(acc)
    answers = services.person_assessments(acc, scope.person_id)
    current = {tid: level for (r, tid), level in answers.items() if r == round_name}
    form = skills_form(acc.thematics, current)
    if round_name and form.validate_on_submit():
        levels = {thematic.id: f.data for thematic, f in form.thematic_fields}
        try:
            services.record_assessment(scope, acc, levels)
        except services.PortalError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Votre auto-positionnement est enregistré. Merci !"), "success")
            return redirect(url_for("portal.skills", accompaniment_id=acc.id))
    progress = services.skills_progression(acc, person_id=scope.person_id)
    return render_template(
        "portal/skills.html",
        dossier=acc,
        form=form,
        round_name=round_name,
        answered_rounds=sorted({r for r, _t in answers}, key=ROUNDS.index),
        progress=progress,
        chart=services.progression_chart(progress),
        **_labels(),
    )


@bp.route("/mes-donnees")
@holder_required
def my_data():
    scope = services.holder_scope(current_user)
    data = services.export_person_data(scope.person)
    return render_template("portal/my_data.html", data=data, **_labels())


@bp.route("/mes-donnees.json")
@holder_required
def my_data_json():
    scope = services.holder_scope(current_user)
    data = services.export_person_data(scope.person)
    record_audit("privacy.self_export", scope.person, {"format": "json"})
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    filename = f"passerelle-mes-donnees-{utcnow():%Y-%m-%d}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- Staff: rounds and results ------------------------------------------------------------


@bp.route("/dossiers/<int:accompaniment_id>/rounds/<round_name>", methods=["POST"])
@staff_required
def open_round(accompaniment_id: int, round_name: str):
    acc = get_or_404(Accompaniment, accompaniment_id)
    if round_name not in services.STAFF_OPENED_ROUNDS:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.open_round(acc, round_name, current_user)
    except services.PortalError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _(
                "Tour « %(round)s » ouvert : les porteur·euses peuvent répondre.",
                round=ROUND_LABELS[round_name],
            ),
            "success",
        )
    target = safe_next(request.form.get("next"))
    return redirect(target or url_for("portal.dossier_skills", accompaniment_id=acc.id))


@bp.route("/dossiers/<int:accompaniment_id>/competences")
@staff_required
def dossier_skills(accompaniment_id: int):
    acc = get_or_404(Accompaniment, accompaniment_id)
    progress = services.skills_progression(acc)
    rounds = services.skill_rounds(acc)
    per_person = services.dossier_assessments(acc)
    return render_template(
        "portal/dossier_skills.html",
        dossier=acc,
        progress=progress,
        chart=services.progression_chart(progress),
        rounds=rounds,
        open_rounds=services.open_rounds(acc),
        per_person=per_person,
        rounds_order=ROUNDS,
        satisfaction=services.dossier_satisfaction(acc),
        form=EmptyForm(),
        **_labels(),
    )


register_section("person", "portal/_invite_section.html", lambda person: {"person": person}, order=10)
register_section(
    "dossier",
    "portal/_satisfaction_section.html",
    lambda acc: {"satisfaction": services.dossier_satisfaction(acc)},
    order=60,
)
