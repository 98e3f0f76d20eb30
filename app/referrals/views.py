"""Orientation pages: staff list, creation, detail and workflow, chasing; partner pages."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.accompaniments.models import Accompaniment
from app.auth.models import User
from app.auth.services import AccountError, AccountExistsElsewhere
from app.collectives.models import Collective
from app.core.dates import invalid_month_message, month_bounds, parse_month
from app.core.links import check_link, use_link
from app.core.pagination import paginate
from app.core.permissions import PARTNER, STAFF, admin_required, roles_required, staff_required
from app.core.scoping import get_or_404, set_pole_scope
from app.core.sections import register_section
from app.extensions import db
from app.main.views import HOME_SECTIONS
from app.people.models import Person
from app.poles.models import Thematic
from app.referrals import bp, figures, services
from app.referrals.forms import (
    AnswerForm,
    CommentForm,
    FollowUpForm,
    InvitePartnerForm,
    ReferralFilterForm,
    ReferralForm,
    ReferralSettingsForm,
    ResendForm,
    ScorecardForm,
    StatusChangeForm,
)
from app.referrals.models import (
    DECLINE_REASON_LABELS,
    OPEN_STATUSES,
    STATUS_LABELS,
    Referral,
    ReferralStatusChange,
)
from app.requests.models import Request
from app.structures.models import Structure

try:  # the dossier timeline (built in the accompaniments domain) lists orientations too
    from app.accompaniments.services import TIMELINE_PROVIDERS
except ImportError:  # pragma: no cover - not on this branch yet
    pass
else:
    if services.referral_timeline_entries not in TIMELINE_PROVIDERS:
        TIMELINE_PROVIDERS.append(services.referral_timeline_entries)


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "decline_labels": DECLINE_REASON_LABELS}


def _active_thematics():
    return db.session.scalars(
        select(Thematic).where(Thematic.active.is_(True)).order_by(Thematic.position, Thematic.name)
    ).all()


def _staff_users():
    return db.session.scalars(
        select(User)
        .where(User.pole_id == current_user.pole_id, User.role.in_(STAFF))
        .order_by(User.full_name)
    ).all()


# --- List -----------------------------------------------------------------------------------


def _month_bounds(value: str) -> tuple[date, date] | None:
    """First day of the month and of the next one, or None (malformed, out of range)."""
    parsed = parse_month(value)
    if parsed is None:
        return None
    first, last = month_bounds(*parsed)
    return first, last + timedelta(days=1)


@bp.route("/")
@staff_required
def index():
    form = ReferralFilterForm(formdata=request.args)
    partners = db.session.scalars(
        services.partners_query(current_user.pole_id).order_by(Structure.name)
    ).all()
    form.partner.choices = [("", _("Tous"))] + [(p.id, p.name) for p in partners]
    form.thematic.choices = [("", _("Toutes"))] + [(t.id, t.name) for t in _active_thematics()]
    form.advisor.choices = [("", _("Tous"))] + [(u.id, u.display_name) for u in _staff_users()]
    stmt = select(Referral).options(
        joinedload(Referral.partner),
        joinedload(Referral.person),
        joinedload(Referral.collective),
        joinedload(Referral.referred_by),
        selectinload(Referral.thematics),
    )
    if form.month.data:
        bounds = _month_bounds(form.month.data.strip())
        if bounds is None:
            form.month.errors = [invalid_month_message(form.month.data)]
        else:
            stmt = stmt.where(Referral.referred_on >= bounds[0], Referral.referred_on < bounds[1])
    if form.partner.data:
        stmt = stmt.where(Referral.partner_id == form.partner.data)
    if form.thematic.data:
        stmt = stmt.where(Referral.thematics.any(Thematic.id == form.thematic.data))
    if form.status.data in STATUS_LABELS:
        stmt = stmt.where(Referral.status == form.status.data)
    if form.advisor.data:
        stmt = stmt.where(Referral.referred_by_id == form.advisor.data)
    page = paginate(stmt.order_by(Referral.referred_on.desc(), Referral.id.desc()))
    return render_template("referrals/index.html", form=form, page=page, **_labels())


# --- Creation -------------------------------------------------------------------------------


class Prefill:
    """The beneficiary named in the query string (from a dossier, a request, a person…)."""

    def __init__(self) -> None:
        self.accompaniment = self.request = self.person = self.collective = None
        self.args: dict[str, int] = {}
        for key, model in (
            ("accompaniment_id", Accompaniment),
            ("request_id", Request),
            ("person_id", Person),
            ("collective_id", Collective),
        ):
            value = request.args.get(key, "")
            if value and value != "0":
                setattr(self, key[: -len("_id")], get_or_404(model, value))
                self.args[key] = int(value)
        if self.accompaniment is not None:
            self.person, self.collective = self.accompaniment.person, self.accompaniment.collective
        elif self.request is not None and self.person is None and self.collective is None:
            self.person, self.collective = self.request.person, self.request.collective

    @property
    def fixed(self) -> bool:
        """A beneficiary is given: the form shows it instead of the choice lists."""
        return self.person is not None or self.collective is not None

    @property
    def label(self) -> str:
        if self.accompaniment is not None:
            return self.accompaniment.label
        return self.person.full_name if self.person is not None else self.collective.name

    @property
    def thematics(self) -> list[Thematic]:
        source = self.accompaniment or self.request
        return list(source.thematics) if source is not None else []


def _fill_beneficiary_choices(form: ReferralForm) -> None:
    empty = [("", "—")]
    dossiers = db.session.scalars(
        select(Accompaniment)
        .where(Accompaniment.status.in_(("active", "suspended")))
        .options(joinedload(Accompaniment.person), joinedload(Accompaniment.collective))
        .order_by(Accompaniment.title)
    ).all()
    form.accompaniment_id.choices = empty + [(a.id, a.label) for a in dossiers]
    persons = db.session.execute(
        select(Person.id, Person.last_name, Person.first_name)
        .where(Person.archived.is_(False), Person.anonymized_at.is_(None))
        .order_by(Person.last_name, Person.first_name)
    ).all()
    form.person_id.choices = empty + [(p.id, f"{p.last_name} {p.first_name}") for p in persons]
    collectives = db.session.execute(
        select(Collective.id, Collective.name).where(Collective.archived.is_(False)).order_by(Collective.name)
    ).all()
    form.collective_id.choices = empty + [(c.id, c.name) for c in collectives]


def _partner_choices(thematic_ids: list[int]) -> list[tuple]:
    choices: list[tuple] = [("", _("— choisir —"))]
    for structure, shared in services.rank_partners(current_user.pole_id, thematic_ids):
        label = structure.name
        if shared:
            label += " " + ngettext(
                "(%(num)d thématique en commun)", "(%(num)d thématiques en commun)", shared
            )
        choices.append((structure.id, label))
    return choices


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    prefill = Prefill()
    pole = current_user.pole
    # « Filtrer les partenaires » posts the form (CSRF-checked) and re-renders it without saving:
    # the person and the motif never go into a URL, the browser history or an access log.
    filtering = request.method == "POST" and "filter" in request.form
    form = ReferralForm()
    if prefill.fixed:
        del form.accompaniment_id, form.person_id, form.collective_id
    else:
        _fill_beneficiary_choices(form)
    thematics = _active_thematics()
    form.thematics.choices = [(t.id, t.name) for t in thematics]
    if request.method == "GET":
        form.referred_on.data = services.pole_today(pole)
        form.thematics.data = [t.id for t in prefill.thematics]
    form.partner_id.choices = _partner_choices(form.thematics.data or [])

    beneficiary_error = None
    if not filtering and form.validate_on_submit():
        chosen = {t.id: t for t in thematics}
        data = {
            "accompaniment": prefill.accompaniment,
            "person": prefill.person,
            "collective": prefill.collective,
            "request": prefill.request,
        }
        if not prefill.fixed:
            picked = [f for f in (form.accompaniment_id, form.person_id, form.collective_id) if f.data]
            if len(picked) == 1:
                model = {
                    "accompaniment_id": Accompaniment,
                    "person_id": Person,
                    "collective_id": Collective,
                }[picked[0].name]
                data[picked[0].name[: -len("_id")]] = get_or_404(model, picked[0].data)
        try:
            referral = services.refer_to_partner(
                pole,
                current_user,
                partner=get_or_404(Structure, form.partner_id.data),
                referred_on=form.referred_on.data,
                thematics=[chosen[i] for i in form.thematics.data or [] if i in chosen],
                reason=form.reason.data,
                consent_to_share=form.consent_to_share.data,
                follow_up_on=form.follow_up_on.data,
                send_now=form.send_now.data,
                referent_name=form.referent_name.data,
                referent_email=form.referent_email.data,
                **data,
            )
        except services.ReferralError as exc:
            target = getattr(form, exc.field or "", None)
            if target is not None:
                target.errors = list(target.errors) + [str(exc)]
            else:
                beneficiary_error = str(exc)
        else:
            db.session.commit()
            flash(
                _("Orientation envoyée au partenaire.")
                if referral.status == "sent"
                else _("Orientation enregistrée (proposée)."),
                "success",
            )
            return redirect(url_for("referrals.detail", referral_id=referral.id))
    return render_template(
        "referrals/new.html",
        form=form,
        prefill=prefill,
        beneficiary_error=beneficiary_error,
        follow_up_days=pole.referral_follow_up_days,
        **_labels(),
    )


# --- Detail and workflow (staff) ------------------------------------------------------------


def _load_referral(referral_id: int) -> Referral:
    """The referral (404 outside the pole) with its history and who made each change."""
    get_or_404(Referral, referral_id)
    return db.session.scalars(
        select(Referral)
        .where(Referral.id == referral_id)
        .options(
            joinedload(Referral.partner),
            joinedload(Referral.person),
            joinedload(Referral.collective),
            selectinload(Referral.thematics),
            selectinload(Referral.history).joinedload(ReferralStatusChange.by),
            selectinload(Referral.reminders),
        )
    ).one()


def _status_form(referral: Referral, partner_side: bool = False) -> StatusChangeForm:
    form = StatusChangeForm(prefix="status")
    form.set_statuses(services.allowed_statuses(referral, partner_side=partner_side))
    if not form.is_submitted():
        form.changed_on.data = services.pole_today(current_user.pole)
    return form


def _apply_status_form(referral: Referral, form: StatusChangeForm) -> bool:
    """Validate and apply; a status the form does not offer is refused by the service too."""
    if form.is_submitted() and form.status.data and form.status.data not in dict(form.status.choices):
        # Let the service say why (the same French message as for any refused transition).
        form.status.choices = [*form.status.choices, (form.status.data, form.status.data)]
    if not form.validate_on_submit():
        return False
    try:
        services.change_referral_status(
            referral,
            form.status.data,
            on=form.changed_on.data,
            by=current_user,
            comment=form.comment.data,
            outcome=form.outcome.data,
            decline_reason=form.decline_reason.data or None,
            decline_detail=form.decline_detail.data,
        )
    except services.ReferralError as exc:
        target = getattr(form, exc.field or "", None) or form.status
        target.errors = list(target.errors) + [str(exc)]
        return False
    db.session.commit()
    flash(_("Statut mis à jour : %(status)s.", status=STATUS_LABELS[referral.status]), "success")
    return True


def _apply_comment_form(referral: Referral, form: CommentForm) -> bool:
    if not form.validate_on_submit():
        return False
    services.comment_referral(referral, by=current_user, comment=form.comment.data)
    db.session.commit()
    flash(_("Commentaire ajouté."), "success")
    return True


def _render_detail(referral, status_form=None, comment_form=None, follow_up_form=None, code=200):
    return (
        render_template(
            "referrals/detail.html",
            referral=referral,
            status_form=status_form or _status_form(referral),
            comment_form=comment_form or CommentForm(prefix="comment"),
            follow_up_form=follow_up_form
            or FollowUpForm(prefix="follow", data={"follow_up_on": referral.follow_up_on}),
            is_open=referral.status in OPEN_STATUSES,
            resend_form=ResendForm(
                prefix="resend",
                data={"referent_name": referral.referent_name, "referent_email": referral.referent_email},
            ),
            **_labels(),
        ),
        code,
    )


@bp.route("/<int:referral_id>")
@staff_required
def detail(referral_id: int):
    return _render_detail(_load_referral(referral_id))


@bp.route("/<int:referral_id>/status", methods=["POST"])
@staff_required
def change_status(referral_id: int):
    referral = _load_referral(referral_id)
    form = _status_form(referral)
    if _apply_status_form(referral, form):
        return redirect(url_for("referrals.detail", referral_id=referral.id))
    return _render_detail(referral, status_form=form, code=422)


@bp.route("/<int:referral_id>/comment", methods=["POST"])
@staff_required
def comment(referral_id: int):
    referral = _load_referral(referral_id)
    form = CommentForm(prefix="comment")
    if _apply_comment_form(referral, form):
        return redirect(url_for("referrals.detail", referral_id=referral.id))
    return _render_detail(referral, comment_form=form, code=422)


@bp.route("/<int:referral_id>/follow-up", methods=["POST"])
@staff_required
def follow_up(referral_id: int):
    referral = _load_referral(referral_id)
    form = FollowUpForm(prefix="follow")
    if form.validate_on_submit():
        try:
            services.postpone_follow_up(referral, form.follow_up_on.data)
        except services.ReferralError as exc:
            form.follow_up_on.errors = [str(exc)]
        else:
            db.session.commit()
            flash(_("Date de relance enregistrée."), "success")
            return redirect(url_for("referrals.detail", referral_id=referral.id))
    return _render_detail(referral, follow_up_form=form, code=422)


# --- Chasing --------------------------------------------------------------------------------


@bp.route("/to-chase")
@staff_required
def to_chase():
    pole = current_user.pole
    return render_template(
        "referrals/to_chase.html",
        lists=services.chase_page(pole, CHASE_PAGE_ROWS),
        no_answer_days=pole.referral_no_answer_days,
        # Translated once, not once a row (the labels are lazy strings).
        status_labels={status: str(label) for status, label in STATUS_LABELS.items()},
    )


CHASE_PAGE_ROWS = 50  # the oldest first; acting on them brings the next ones


@bp.route("/<int:referral_id>/close", methods=["POST"])
@staff_required
def close(referral_id: int):
    referral = _load_referral(referral_id)
    try:
        services.close_without_follow_up(
            referral, by=current_user, today=services.pole_today(current_user.pole)
        )
    except services.ReferralError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Orientation close sans suite."), "success")
    return redirect(url_for("referrals.to_chase"))


@bp.route("/to-chase/close-all", methods=["POST"])
@staff_required
def close_all():
    pole = current_user.pole
    today = services.pole_today(pole)
    lists = services.referrals_to_chase(pole, today)
    for referral in lists.to_close:
        services.close_without_follow_up(referral, by=current_user, today=today)
    db.session.commit()
    flash(_("%(n)d orientation(s) close(s) sans suite.", n=len(lists.to_close)), "success")
    return redirect(url_for("referrals.to_chase"))


# --- Pole settings for orientations --------------------------------------------------------

SETTING_FIELDS = (
    "referral_follow_up_days",
    "referral_first_reminder_days",
    "referral_second_reminder_days",
    "referral_no_answer_days",
)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    from app.core.audit import record_audit
    from app.poles.models import Pole

    pole = db.session.get(Pole, current_user.pole_id)
    form = ReferralSettingsForm(obj=pole)
    if form.validate_on_submit():
        changes = {}
        for name in SETTING_FIELDS:
            new = getattr(form, name).data
            if getattr(pole, name) != new:
                changes[name] = [getattr(pole, name), new]
                setattr(pole, name, new)
        if changes:
            record_audit("pole.update", pole, changes, pole_id=pole.id)
        db.session.commit()
        flash(_("Délais des orientations enregistrés."), "success")
        return redirect(url_for("referrals.settings"))
    return render_template("referrals/settings.html", form=form, pole=pole), (422 if form.errors else 200)


# --- Partner accounts -----------------------------------------------------------------------


@bp.route("/partners/invite", methods=["GET", "POST"])
@admin_required
def invite_partner():
    pole = current_user.pole
    form = InvitePartnerForm()
    partners = db.session.scalars(services.partners_query(pole.id).order_by(Structure.name)).all()
    form.structure_id.choices = [("", _("— choisir —"))] + [(p.id, p.name) for p in partners]
    if form.validate_on_submit():
        try:
            user = services.invite_partner(
                pole, get_or_404(Structure, form.structure_id.data), form.email.data, form.full_name.data
            )
        except AccountExistsElsewhere:  # answered as sent: another pole's accounts are not disclosed
            db.session.commit()
            flash(_("Invitation envoyée à %(email)s.", email=form.email.data.strip().lower()), "success")
            return redirect(url_for("referrals.invite_partner"))
        except (AccountError, services.ReferralError) as exc:
            form.email.errors = list(form.email.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("Invitation envoyée à %(email)s.", email=user.email), "success")
            return redirect(url_for("referrals.invite_partner"))
    accounts = db.session.execute(
        select(User, Structure.name)
        .join(Structure, Structure.id == User.structure_id)
        .where(User.pole_id == pole.id, User.role == PARTNER)
        .order_by(Structure.name, User.email)
    ).all()
    return render_template("referrals/invite_partner.html", form=form, accounts=accounts)


# --- The partner's side ---------------------------------------------------------------------


def _partner_referral_or_404(referral_id: int) -> Referral:
    referral = _load_referral(referral_id)
    if (
        current_user.structure_id is None
        or referral.partner_id != current_user.structure_id
        or referral.sent_on is None
    ):
        abort(404)
    return referral


@bp.route("/partner")
@roles_required(PARTNER)
def partner_index():
    stmt = (
        select(Referral)
        .where(Referral.partner_id == (current_user.structure_id or 0), Referral.sent_on.is_not(None))
        .options(
            joinedload(Referral.person), joinedload(Referral.collective), selectinload(Referral.thematics)
        )
        .order_by(Referral.sent_on.desc(), Referral.id.desc())
    )
    page = paginate(stmt)
    answers = None
    if current_user.structure_id is not None:
        today = services.pole_today(current_user.pole)
        answers = figures.answer_figures(
            current_user.pole_id, today - timedelta(days=365), today, partner_id=current_user.structure_id
        )["pole"]
    return render_template("referrals/partner_index.html", page=page, answers=answers, **_labels())


def _render_partner_detail(referral, status_form=None, comment_form=None, code=200):
    return (
        render_template(
            "referrals/partner_detail.html",
            referral=referral,
            status_form=status_form or _status_form(referral, partner_side=True),
            comment_form=comment_form or CommentForm(prefix="comment"),
            contact=services.beneficiary_contact(referral),
            **_labels(),
        ),
        code,
    )


@bp.route("/partner/<int:referral_id>", methods=["GET", "POST"])
@roles_required(PARTNER)
def partner_detail(referral_id: int):
    referral = _partner_referral_or_404(referral_id)
    if request.method == "POST":
        form = _status_form(referral, partner_side=True)
        if _apply_status_form(referral, form):
            return redirect(url_for("referrals.partner_detail", referral_id=referral.id))
        return _render_partner_detail(referral, status_form=form, code=422)
    return _render_partner_detail(referral)


@bp.route("/partner/<int:referral_id>/comment", methods=["POST"])
@roles_required(PARTNER)
def partner_comment(referral_id: int):
    referral = _partner_referral_or_404(referral_id)
    form = CommentForm(prefix="comment")
    if _apply_comment_form(referral, form):
        return redirect(url_for("referrals.partner_detail", referral_id=referral.id))
    return _render_partner_detail(referral, comment_form=form, code=422)


# --- The referent's answer from the e-mailed link (no account) -------------------------------

LINK_PROBLEMS = {
    "unknown": (404, _l("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier depuis l'e-mail.")),
    "expired": (
        410,
        _l("Ce lien a expiré. Le pôle qui vous a adressé l'orientation peut vous en renvoyer un."),
    ),
    "revoked": (
        410,
        _l(
            "Ce lien n'est plus valable : l'orientation a été renvoyée (consultez l'e-mail le plus récent) "
            "ou elle est close."
        ),
    ),
    "used": (410, _l("Ce lien a déjà servi.")),
}


def _answer_context(token: str):
    """(referral, link) for a valid token, else a rendered refusal page."""
    check = check_link(token, services.ANSWER_LINK_PURPOSE)
    referral = None
    if check.ok and check.link.target_type == "Referral":
        set_pole_scope(check.link.pole_id)  # an anonymous request sees no pole otherwise
        referral = db.session.scalars(
            select(Referral)
            .where(Referral.id == check.link.target_id, Referral.pole_id == check.link.pole_id)
            .options(
                joinedload(Referral.partner),
                joinedload(Referral.person),
                joinedload(Referral.collective),
                joinedload(Referral.referred_by),
                selectinload(Referral.thematics),
                selectinload(Referral.history).joinedload(ReferralStatusChange.by),
                selectinload(Referral.reminders),
            )
        ).one_or_none()
    if referral is None:
        code, message = LINK_PROBLEMS[check.problem or "unknown"]
        return None, None, (render_template("referrals/answer_refused.html", message=message), code)
    return referral, check.link, None


def _render_answer(referral, link, form, code=200):
    from app.poles.models import Pole

    return (
        render_template(
            "referrals/answer.html",
            referral=referral,
            form=form,
            pole=db.session.get(Pole, referral.pole_id),
            contact=services.beneficiary_contact(referral),
            referent=link.recipient,
            **_labels(),
        ),
        code,
    )


@bp.route("/answer/<token>", methods=["GET", "POST"])
def answer(token: str):
    referral, link, refused = _answer_context(token)
    if refused is not None:
        return refused
    form = AnswerForm()
    offered = services.allowed_statuses(referral, partner_side=True)
    form.set_statuses(offered)
    if request.method == "POST":
        posted = form.status.data
        if posted and posted not in offered:
            # Not offered: the service refuses it (and says why), whatever the form shows.
            form.status.choices = [*form.status.choices, (posted, posted)]
        if form.validate_on_submit():
            try:
                services.change_referral_status(
                    referral,
                    form.status.data,
                    on=services.pole_today(services._pole_of(referral)),
                    by=None,
                    comment=form.comment.data,
                    decline_reason=form.decline_reason.data or None,
                    decline_detail=form.decline_detail.data,
                    link=link,
                )
            except services.ReferralError as exc:
                target = getattr(form, exc.field or "", None) or form.status
                target.errors = list(target.errors) + [str(exc)]
            else:
                use_link(link)
                db.session.commit()
                flash(
                    _(
                        "Merci, votre réponse est enregistrée : %(status)s.",
                        status=STATUS_LABELS[referral.status],
                    ),
                    "success",
                )
                return redirect(url_for("referrals.answer", token=token))
        form.set_statuses(offered)
        return _render_answer(referral, link, form, code=422)
    return _render_answer(referral, link, form)


@bp.route("/<int:referral_id>/resend", methods=["POST"])
@staff_required
def resend(referral_id: int):
    referral = _load_referral(referral_id)
    form = ResendForm(prefix="resend")
    if form.validate_on_submit():
        try:
            recipients = services.resend_to_partner(
                referral, referent_name=form.referent_name.data, referent_email=form.referent_email.data
            )
        except services.ReferralError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Orientation renvoyée à %(who)s ; les liens précédents ne fonctionnent plus.",
                    who=", ".join(recipients),
                ),
                "success",
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.route("/<int:referral_id>/revoke-links", methods=["POST"])
@staff_required
def revoke_links(referral_id: int):
    referral = _load_referral(referral_id)
    count = services.revoke_answer_links(referral)
    db.session.commit()
    flash(_("%(n)d lien(s) de réponse désactivé(s).", n=count), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


# --- Answer rates (scorecards) -------------------------------------------------------------


@bp.app_template_filter("answer_rate")
def answer_rate(value) -> str:
    """0.667 -> « 66,7 % »; None -> « — »."""
    from app.reports.formats import display

    return display(value, rate=True)


def _scorecard_period(form: ScorecardForm) -> tuple[date, date]:
    today = services.pole_today(current_user.pole)
    end = form.end.data or today
    start = form.start.data or end - timedelta(days=365)
    if start > end:
        form.start.errors = [_("La date de début doit précéder la date de fin.")]
        start = end - timedelta(days=365)
    return start, end


@bp.route("/scorecard")
@staff_required
def scorecard():
    form = ScorecardForm(formdata=request.args)
    form.validate()
    start, end = _scorecard_period(form)
    result = figures.answer_figures(current_user.pole_id, start, end)
    return render_template(
        "referrals/scorecard.html",
        form=form,
        start=start,
        end=end,
        result=result,
        structure=None,
        **_labels(),
    )


@bp.route("/scorecard/<int:structure_id>")
@staff_required
def partner_scorecard(structure_id: int):
    structure = get_or_404(Structure, structure_id)
    if not structure.is_partner:
        abort(404)
    form = ScorecardForm(formdata=request.args)
    form.validate()
    start, end = _scorecard_period(form)
    result = figures.answer_figures(current_user.pole_id, start, end, partner_id=structure.id)
    return render_template(
        "referrals/scorecard.html",
        form=form,
        start=start,
        end=end,
        result=result,
        structure=structure,
        **_labels(),
    )


# --- Home page ------------------------------------------------------------------------------


def _home_context() -> dict:
    due, to_close = services.chase_counts(current_user.pole)
    return {"chase_due": due, "chase_to_close": to_close}


def _partner_home_context() -> dict:
    waiting = db.session.scalar(
        select(func.count(Referral.id)).where(
            Referral.partner_id == (current_user.structure_id or 0), Referral.status == "sent"
        )
    )
    return {"waiting": waiting or 0}


HOME_SECTIONS.append((STAFF, "referrals/_home_section.html", _home_context))
HOME_SECTIONS.append(((PARTNER,), "referrals/_partner_home_section.html", _partner_home_context))


# Blocks on other domains' record pages ----------------------------------------------------


def _partner_stats_section(structure: Structure) -> dict | None:
    if not structure.is_partner:
        return None
    today = services.pole_today(current_user.pole)
    start = today - timedelta(days=365)
    answers = figures.answer_figures(structure.pole_id, start, today, partner_id=structure.id)["pole"]
    return {
        "stats": services.partner_stats(structure),
        "answers": answers,
        "structure": structure,
        "decline_labels": DECLINE_REASON_LABELS,
    }


def _referrals_of(column, record_id: int) -> dict:
    rows = db.session.scalars(
        select(Referral)
        .where(column == record_id)
        .options(joinedload(Referral.partner))
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
        .limit(50)
    ).all()
    return {"referrals": rows, "status_labels": STATUS_LABELS}


register_section("structure", "referrals/_partner_stats_section.html", _partner_stats_section, order=30)
register_section(
    "person", "referrals/_referrals_section.html", lambda p: _referrals_of(Referral.person_id, p.id), order=50
)
register_section(
    "collective",
    "referrals/_referrals_section.html",
    lambda c: _referrals_of(Referral.collective_id, c.id),
    order=50,
)
