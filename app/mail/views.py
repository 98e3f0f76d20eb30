"""The admins' « Courriels » page and mail settings, and the participants' opt-out page."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.core.audit import diff_fields, record_audit
from app.core.links import check_link, use_link
from app.core.pagination import paginate
from app.core.permissions import admin_required, staff_required
from app.core.scoping import get_or_404, set_pole_scope
from app.core.sections import register_section
from app.extensions import db
from app.mail import bp, reminders, services
from app.mail.forms import MailSettingsForm
from app.mail.models import OutboxMessage
from app.people.models import Person
from app.poles.models import Pole

STATUS_FILTERS = ("problems", "pending", "sent", "failed", "all")


@bp.route("/", methods=["GET"])
@admin_required
def outbox():
    """The pole's e-mails: what waits, what failed (and why), what left."""
    status = request.args.get("statut", "problems")
    if status not in STATUS_FILTERS:
        status = "problems"
    query = select(OutboxMessage).where(OutboxMessage.pole_id == current_user.pole_id)
    if status == "problems":
        query = query.where(OutboxMessage.status != "sent", OutboxMessage.last_error.is_not(None))
    elif status != "all":
        query = query.where(OutboxMessage.status == status)
    page = paginate(query.order_by(OutboxMessage.id.desc()))
    return render_template(
        "mail/outbox.html",
        page=page,
        status=status,
        counts=services.outbox_counts(current_user.pole_id),
        retry_form=FlaskForm(),
    )


@bp.route("/<int:message_id>/renvoyer", methods=["POST"])
@admin_required
def retry(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.pole_id != current_user.pole_id:
        abort(404)
    if FlaskForm().validate_on_submit() and message.status == "failed":
        services.retry_message(message)
        record_audit("mail.retry", message, {"recipient": message.recipient})
        db.session.commit()
        flash(_("Le courriel à %(to)s est remis dans la file d'envoi.", to=message.recipient), "success")
    return redirect(url_for("mail.outbox", statut="failed"))


@bp.route("/parametres", methods=["GET", "POST"])
@admin_required
def settings():
    pole = db.session.get(Pole, current_user.pole_id)
    form = MailSettingsForm(obj=pole)
    if form.validate_on_submit():
        changes = diff_fields(
            pole,
            {
                "session_reminder_days": form.session_reminder_days.data,
                "monthly_report_day": form.monthly_report_day.data,
            },
        )
        if changes:
            record_audit("pole.update", pole, changes, pole_id=pole.id)
        db.session.commit()
        flash(_("Paramètres enregistrés."), "success")
        return redirect(url_for("mail.settings"))
    return render_template("mail/settings.html", form=form, pole=pole)


# --- opt-out from séance reminders (no login: the signed link is the credential) ----------------


@bp.route("/rappels/desinscription/<token>", methods=["GET", "POST"])
def reminder_optout(token: str):
    check = check_link(token, reminders.OPTOUT_PURPOSE)
    if check.link is None:
        abort(404)
    set_pole_scope(check.link.pole_id)  # an anonymous request sees nothing otherwise
    person = db.session.get(Person, check.link.target_id)
    if person is None or person.pole_id != check.link.pole_id:
        abort(404)
    pole = db.session.get(Pole, check.link.pole_id)
    form = FlaskForm()
    if not check.ok:
        return render_template("mail/optout.html", pole=pole, problem=check.problem, form=form), 410
    if form.validate_on_submit():
        use_link(check.link)
        if reminders.opt_out(person):
            record_audit("person.reminders_opt_out", person, pole_id=pole.id)
        db.session.commit()
        return redirect(url_for("mail.reminder_optout", token=token))
    return render_template(
        "mail/optout.html",
        pole=pole,
        problem=None,
        form=form,
        opted_out=reminders.has_opted_out(person),
    )


@bp.route("/rappels/personne/<int:person_id>/reactiver", methods=["POST"])
@staff_required
def reminders_opt_in(person_id: int):
    """Staff turn séance reminders back on for a person who had opted out (at their request)."""
    person = get_or_404(Person, person_id)
    if FlaskForm().validate_on_submit() and reminders.opt_in(person):
        record_audit("person.reminders_opt_in", person)
        db.session.commit()
        flash(_("Les rappels des séances sont réactivés pour %(name)s.", name=person.full_name), "success")
    return redirect(url_for("people.detail", person_id=person.id))


def _person_reminders_section(person: Person) -> dict | None:
    """Shown on the person page only when the person opted out of séance reminders."""
    opted_out_at = reminders.opted_out_at(person)
    if opted_out_at is None:
        return None
    return {"person": person, "opted_out_at": opted_out_at, "form": FlaskForm()}


register_section("person", "mail/_person_reminders_section.html", _person_reminders_section, order=45)
