"""Séances: logging, attendance, agenda, sign-in sheets, calendar feeds, public workshops."""

import calendar as pycalendar
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from app.accompaniments.models import Accompaniment
from app.collectives.models import Collective
from app.core.dates import parse_day
from app.core.formatting import time_short, url_builder
from app.core.links import check_link
from app.core.models import utcnow
from app.core.pagination import paginate
from app.core.permissions import ADVISOR, HOLDER, STAFF, admin_required, roles_required, staff_required
from app.core.scoping import get_or_404, set_pole_scope
from app.core.sections import register_section
from app.core.urls import absolute_url
from app.extensions import db, limiter
from app.main.views import HOME_SECTIONS
from app.people.models import Person
from app.poles.models import FundingProgramme, Pole
from app.sessions import bp, services
from app.sessions.forms import (
    KIND_LABELS,
    STATUS_LABELS,
    ConfirmRegistrationForm,
    ProgrammeForm,
    PublicRegistrationForm,
    SessionForm,
)
from app.sessions.models import ATTENDANCE_STATUSES, KINDS, AccompanimentSession, Attendance

AGENDA_PER_PAGE = 100
SIGNIN_BLANK_ROWS = 4


@bp.app_context_processor
def _session_labels():
    return {
        "session_kind_labels": KIND_LABELS,
        "attendance_status_labels": STATUS_LABELS,
        "attendance_statuses": ATTENDANCE_STATUSES,
    }


bp.add_app_template_filter(time_short, "session_time")


@bp.app_template_filter("session_month")
def _session_month(value: date) -> str:
    """« mars 2026 »."""
    return format_date(value, "LLLL y")


def _pole() -> Pole:
    return current_user.pole


def _local_today(pole: Pole) -> date:
    return services.to_local(pole, utcnow()).date()


# --- attendee rows carried by the two-step form -----------------------------------------------


def _rows_from_request() -> "OrderedDict[int, str]":
    """{person_id: status} from the posted attendee rows (bad values ignored)."""
    rows: OrderedDict[int, str] = OrderedDict()
    for raw in request.form.getlist("attendee"):
        try:
            person_id = int(raw)
        except ValueError:
            continue
        status = request.form.get(f"status-{person_id}", "invited")
        rows[person_id] = status if status in ATTENDANCE_STATUSES else "invited"
    return rows


def _rows_error(rows, starts_at: datetime | None) -> str | None:
    future = starts_at is not None and starts_at > utcnow()
    if future and any(status in ("present", "absent") for status in rows.values()):
        return _("Cette séance est à venir : ses participant·es ne peuvent être qu'invité·es ou excusé·es.")
    return None


def _display_rows(pole: Pole, rows) -> list[tuple[Person, str]]:
    persons = services.persons_by_id(pole, rows.keys())
    return [(persons[pid], status) for pid, status in rows.items() if pid in persons]


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- log / edit a séance ----------------------------------------------------------------------


def _initial_data(session: AccompanimentSession | None, pole: Pole) -> dict:
    if session is None:
        now_local = services.to_local(pole, utcnow())
        dossiers = _dossiers_from_args()
        kind = request.args.get("kind")
        if kind not in KINDS:
            kind = "workshop" if any(a.collective_id for a in dossiers) else "individual"
        thematic_ids = list(dict.fromkeys(t.id for a in dossiers for t in a.thematics))
        return {
            "kind": kind,
            "day": now_local.date(),
            "start_time": now_local.replace(minute=0, second=0, microsecond=0).time(),
            "duration_minutes": 60,
            "advisors": [current_user.id],
            "accompaniments": [a.id for a in dossiers],
            "thematics": thematic_ids,
        }
    local = services.to_local(pole, session.starts_at)
    data = {k: getattr(session, k) for k in services.SCALAR_FIELDS if k != "starts_at"}
    data.update(
        day=local.date(),
        start_time=local.time().replace(second=0, microsecond=0),
        advisors=[u.id for u in session.advisors],
        accompaniments=[a.id for a in session.accompaniments],
        thematics=[t.id for t in session.thematics],
    )
    return data


def _dossiers_from_args() -> list[Accompaniment]:
    """The dossiers a shortcut names: `accompaniment=<id>` (repeatable), or the open dossiers of
    `person=<id>` or `collective=<id>` (pole-scoped: another pole's ids find nothing)."""
    ids = [i for i in (_int_or_none(v) for v in request.args.getlist("accompaniment")) if i]
    person_id = _int_or_none(request.args.get("person"))
    collective_id = _int_or_none(request.args.get("collective"))
    conditions = []
    if ids:
        conditions.append(Accompaniment.id.in_(ids))
    for column, value in ((Accompaniment.person_id, person_id), (Accompaniment.collective_id, collective_id)):
        if value:
            conditions.append(and_(column == value, Accompaniment.status.in_(("active", "suspended"))))
    if not conditions:
        return []
    return list(
        db.session.scalars(select(Accompaniment).where(or_(*conditions)).order_by(Accompaniment.id))
    )


def _prefilled_people(pole: Pole, form: SessionForm) -> list[Person]:
    """Participants of a new séance opened from a shortcut: the dossiers' beneficiaries (members
    for a collective), plus the person or the collective's members named in the query string."""
    on = form.day.data or _local_today(pole)
    people = {}
    if form.accompaniments.data:
        accs = db.session.scalars(
            select(Accompaniment).where(Accompaniment.id.in_(form.accompaniments.data))
        ).all()
        people.update((p.id, p) for p in services.prefill_persons(accs, on))
    person_id = _int_or_none(request.args.get("person"))
    if person_id:
        people.update(services.persons_by_id(pole, [person_id]))
    collective_id = _int_or_none(request.args.get("collective"))
    if collective_id:
        people.update((p.id, p) for p in services.collective_members(collective_id, on))
    return sorted(people.values(), key=lambda p: (p.last_name.lower(), p.first_name.lower()))


def _form_starts_at(form: SessionForm, pole: Pole) -> datetime | None:
    if form.day.data and form.start_time.data and not form.day.errors and not form.start_time.errors:
        return services.local_to_utc(pole, form.day.data, form.start_time.data)
    return None


def _session_form_page(session: AccompanimentSession | None):
    pole = _pole()
    linked = {}
    if session is not None:
        linked = {
            "linked_accompaniment_ids": [a.id for a in session.accompaniments],
            "linked_thematic_ids": [t.id for t in session.thematics],
            "linked_programme_id": session.funding_programme_id,
        }
    search_results: list[Person] = []
    form_error = None
    if request.method == "GET":
        form = SessionForm(pole, formdata=None, data=_initial_data(session, pole), **linked)
        if session is not None:
            rows = OrderedDict(
                (a.person_id, a.status)
                for a in sorted(session.attendances, key=lambda a: (a.person.last_name, a.person.first_name))
            )
        else:
            rows = OrderedDict()
            for person in _prefilled_people(pole, form):
                rows[person.id] = services.default_status(_form_starts_at(form, pole))
        return _render_form(form, session, rows, search_results, form_error)

    form = SessionForm(pole, **linked)
    rows = _rows_from_request()
    starts_at = _form_starts_at(form, pole)
    default = services.default_status(starts_at)
    action = request.form.get("action", "save")
    if action == "enter":  # Enter in a field: search if a person is being searched, else save
        action = "search" if request.form.get("person_q", "").strip() else "save"
    if request.form.get("add_person"):
        action = "add"
        person_id = _int_or_none(request.form["add_person"])
        if person_id and person_id in services.persons_by_id(pole, [person_id]):
            rows.setdefault(person_id, default)
    elif request.form.get("remove_person"):
        action = "remove"
        rows.pop(_int_or_none(request.form["remove_person"]), None)

    if action == "prefill":
        ids = [i for i in (_int_or_none(v) for v in request.form.getlist("accompaniments")) if i]
        accs = db.session.scalars(select(Accompaniment).where(Accompaniment.id.in_(ids))).all() if ids else []
        on = services.to_local(pole, starts_at).date() if starts_at else _local_today(pole)
        added = 0
        for person in services.prefill_persons(accs, on):
            if person.id not in rows:
                rows[person.id] = default
                added += 1
        if not accs:
            form_error = _("Choisissez d'abord un ou plusieurs dossiers.")
        else:
            flash(
                ngettext(
                    "%(num)d participant·e ajouté·e depuis les dossiers.",
                    "%(num)d participant·es ajouté·es depuis les dossiers.",
                    added,
                ),
                "info",
            )
    elif action == "search":
        search_results = services.search_persons(
            pole, request.form.get("person_q", ""), exclude_ids=rows.keys()
        )
    elif action == "save":
        valid = form.validate()
        form_error = _rows_error(rows, starts_at)
        if valid and form_error is None:
            links = {
                "advisor_ids": form.advisors.data,
                "accompaniment_ids": form.accompaniments.data,
                "thematic_ids": form.thematics.data,
                "attendees": dict(rows),
            }
            try:
                if session is None:
                    session = services.create_session(pole, form.scalar_data(), **links)
                    message = _("Séance enregistrée.")
                else:
                    services.update_session(session, form.scalar_data(), **links)
                    message = _("Séance mise à jour.")
            except services.SessionError as exc:
                form_error = str(exc)
            else:
                db.session.commit()
                flash(message, "success")
                return redirect(url_for("sessions.detail", session_id=session.id))
    return _render_form(form, session, rows, search_results, form_error, searched=action == "search")


def _render_form(form, session, rows, search_results, form_error, searched=False):
    pole = _pole()
    return render_template(
        "sessions/form.html",
        form=form,
        session_obj=session,
        rows=_display_rows(pole, rows),
        search_results=search_results,
        person_q=request.form.get("person_q", ""),
        form_error=form_error,
        searched=searched,
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    return _session_form_page(None)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(session_id: int):
    return _session_form_page(get_or_404(AccompanimentSession, session_id))


def _load_session(session_id: int) -> AccompanimentSession:
    session = get_or_404(AccompanimentSession, session_id)
    # One query for the attendees and their persons (rather than one per attendee).
    db.session.scalars(
        select(Attendance).options(joinedload(Attendance.person)).where(Attendance.session_id == session.id)
    ).all()
    return session


def _sorted_attendances(session: AccompanimentSession) -> list[Attendance]:
    return sorted(
        session.attendances, key=lambda a: (a.person.last_name.lower(), a.person.first_name.lower())
    )


@bp.route("/<int:session_id>")
@staff_required
def detail(session_id: int):
    session = _load_session(session_id)
    return render_template(
        "sessions/detail.html",
        s=session,
        attendances=_sorted_attendances(session),
        counts=services.attendance_counts([session.id])[session.id],
        is_past=session.starts_at <= utcnow(),
        local_day=services.to_local(_pole(), session.starts_at).date(),
    )


@bp.route("/<int:session_id>/presences", methods=["GET", "POST"])
@staff_required
def attendance(session_id: int):
    session = _load_session(session_id)
    pole = _pole()
    if request.method == "POST":
        if request.form.get("all_present"):
            # « Tout le monde présent »: one tap marks every attendee present (no JavaScript).
            rows = OrderedDict((a.person_id, "present") for a in session.attendances)
        else:
            rows = _rows_from_request()
        if request.form.get("add_person"):
            person_id = _int_or_none(request.form["add_person"])
            if person_id:
                rows.setdefault(person_id, services.default_status(session.starts_at))
        if request.form.get("remove_person"):
            rows.pop(_int_or_none(request.form["remove_person"]), None)
        error = _rows_error(rows, session.starts_at)
        if error:
            flash(error, "error")
        else:
            changes = services.record_attendance(session, dict(rows))
            db.session.commit()
            flash(_("Présences enregistrées.") if changes else _("Aucun changement."), "success")
            return redirect(url_for("sessions.attendance", session_id=session.id))
    q = request.args.get("q", "").strip()
    attendances = _sorted_attendances(session)
    results = services.search_persons(pole, q, exclude_ids=[a.person_id for a in attendances]) if q else []
    return render_template(
        "sessions/attendance.html",
        s=session,
        rows=[(a.person, a.status) for a in attendances],
        q=q,
        search_results=results,
        is_future=session.starts_at > utcnow(),
    )


# --- agenda -----------------------------------------------------------------------------------


def _period(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first day, day after last, previous anchor, next anchor) of the week or month."""
    if view == "month":
        first = anchor.replace(day=1)
        days = pycalendar.monthrange(first.year, first.month)[1]
        end = first + timedelta(days=days)
        previous = (first - timedelta(days=1)).replace(day=1)
        return first, end, previous, end
    first = anchor - timedelta(days=anchor.weekday())
    return first, first + timedelta(days=7), first - timedelta(days=7), first + timedelta(days=7)


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """One séance of the agenda, formatted once in the view: the page lists up to a hundred."""

    url: str
    time: str
    title: str
    kind: str
    advisors: str
    attendance: str
    to_fill: bool
    public: bool


def _agenda_days(pole: Pole, rows) -> "OrderedDict[date, list[AgendaEntry]]":
    """The séances (rows of `services.agenda_query`) by local day, ready to print."""
    ids = [row.id for row in rows]
    counts = services.attendance_counts(ids)
    advisors = services.advisor_names(ids)
    detail_url = url_builder("sessions.detail", "session_id")
    kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
    now = utcnow()
    days: OrderedDict[date, list[AgendaEntry]] = OrderedDict()
    for row in rows:
        local = services.to_local(pole, row.starts_at)
        count = counts[row.id]
        past = row.starts_at < now
        days.setdefault(local.date(), []).append(
            AgendaEntry(
                url=detail_url(row.id),
                time=f"{local:%H:%M}",
                title=row.title,
                kind=kinds[row.kind],
                advisors=", ".join(advisors[row.id]),
                attendance=ngettext("%(num)d présent·e", "%(num)d présent·es", count["present"])
                if past
                else ngettext(
                    "%(num)d invité·e", "%(num)d invité·es", count["invited"] + count["excused"]
                ),
                to_fill=past and count["invited"] > 0,
                public=not past and row.is_public,
            )
        )
    return days


@bp.route("/")
@bp.route("/agenda")
@staff_required
def agenda():
    pole = _pole()
    view = request.args.get("view") if request.args.get("view") in ("week", "month") else "week"
    # Malformed or out-of-range days (9999-12-31, 0001-01-01…) show this week, never a 500.
    anchor = parse_day(request.args.get("d")) or _local_today(pole)
    first, end, previous, following = _period(view, anchor)
    advisor_id = _int_or_none(request.args.get("advisor"))
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    thematic_id = _int_or_none(request.args.get("thematic"))
    start_utc, end_utc = services.local_day_bounds(pole, first, end)
    page = paginate(
        services.agenda_query(start_utc, end_utc, advisor_id=advisor_id, kind=kind, thematic_id=thematic_id),
        per_page=AGENDA_PER_PAGE,
        rows=True,
    )
    filters = {"view": view, "advisor": advisor_id or "", "kind": kind or "", "thematic": thematic_id or ""}
    return render_template(
        "sessions/agenda.html",
        view=view,
        first=first,
        last=end - timedelta(days=1),
        previous=previous,
        following=following,
        today=_local_today(pole),
        page=page,
        days=_agenda_days(pole, page.items),
        filters=filters,
        advisors=services.staff_users(pole),
        thematics=services.pole_thematics(pole),
        unfilled=services.unfilled_sessions(pole, advisor_id=advisor_id),
    )


def _home_context() -> dict:
    advisor_id = current_user.id if current_user.role == ADVISOR else None
    return {"unfilled": services.unfilled_sessions(current_user.pole, advisor_id=advisor_id, limit=10)}


HOME_SECTIONS.append((STAFF, "sessions/_home_unfilled.html", _home_context))


# --- regularity and attendance history (partials the collective/person pages can include) -----


def regularity_context(collective: Collective) -> dict:
    return {"regularity": services.regularity_for_collective(collective)}


def collective_sessions_context(collective: Collective) -> dict:
    return {"collective": collective, "sessions": services.recent_collective_sessions(collective)}


def person_attendance_context(person: Person) -> dict:
    return {
        "person": person,
        "history": paginate(services.person_attendance_query(person), per_page=50),
        "totals": services.person_attendance_totals(person),
    }


@bp.route("/collectives/<int:collective_id>/regularite")
@staff_required
def collective_regularity(collective_id: int):
    collective = get_or_404(Collective, collective_id)
    return render_template(
        "sessions/regularity.html", collective=collective, **regularity_context(collective)
    )


@bp.route("/personnes/<int:person_id>/presences")
@staff_required
def person_attendance(person_id: int):
    person = get_or_404(Person, person_id)
    return render_template("sessions/person_attendance.html", **person_attendance_context(person))


# --- sign-in sheet ----------------------------------------------------------------------------


def _signin_html(session: AccompanimentSession, for_pdf: bool) -> str:
    return render_template(
        "sessions/signin_sheet.html",
        s=session,
        pole=_pole(),
        attendances=_sorted_attendances(session),
        blank_rows=range(SIGNIN_BLANK_ROWS),
        for_pdf=for_pdf,
    )


@bp.route("/<int:session_id>/emargement")
@staff_required
def signin_sheet_html(session_id: int):
    return _signin_html(_load_session(session_id), for_pdf=False)


@bp.route("/<int:session_id>/emargement.pdf")
@staff_required
def signin_sheet(session_id: int):
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    session = _load_session(session_id)
    html = _signin_html(session, for_pdf=True)
    static_root = current_app.static_folder.rstrip("/") + "/"
    # Only local files (the app's static folder) are read: no network access while rendering.
    pdf = HTML(
        string=html, base_url=static_root, url_fetcher=URLFetcher(allowed_protocols=("file",))
    ).write_pdf()
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    day = services.to_local(_pole(), session.starts_at).date().isoformat()
    response.headers["Content-Disposition"] = f'inline; filename="emargement-{day}-{session.id}.pdf"'
    return response


# --- funding programmes (admin) ---------------------------------------------------------------


@bp.route("/programmes", methods=["GET", "POST"])
@admin_required
def programmes():
    pole = _pole()
    form = ProgrammeForm()
    if form.validate_on_submit():
        try:
            services.create_programme(pole, form.name.data)
        except services.SessionError as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Programme ajouté."), "success")
            return redirect(url_for("sessions.programmes"))
    return render_template(
        "sessions/programmes.html", form=form, programmes=services.funding_programmes(pole)
    )


@bp.route("/programmes/<int:programme_id>/rename", methods=["POST"])
@admin_required
def rename_programme(programme_id: int):
    programme = get_or_404(FundingProgramme, programme_id)
    try:
        services.rename_programme(programme, request.form.get("name", ""))
    except services.SessionError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Programme renommé."), "success")
    return redirect(url_for("sessions.programmes"))


@bp.route("/programmes/<int:programme_id>/active", methods=["POST"])
@admin_required
def toggle_programme(programme_id: int):
    programme = get_or_404(FundingProgramme, programme_id)
    services.set_programme_active(programme, not programme.active)
    db.session.commit()
    flash(_("Programme réactivé.") if programme.active else _("Programme désactivé."), "success")
    return redirect(url_for("sessions.programmes"))


# --- calendar feed ----------------------------------------------------------------------------


@bp.route("/agenda/abonnement")
@roles_required(*STAFF, HOLDER)
def calendar():
    feed = services.calendar_feed(current_user)
    url = absolute_url("sessions.ical_feed", token=feed.token) if feed else None
    return render_template("sessions/calendar.html", feed_url=url)


@bp.route("/agenda/abonnement/regenerer", methods=["POST"])
@roles_required(*STAFF, HOLDER)
def regenerate_calendar():
    services.regenerate_calendar_feed(current_user)
    db.session.commit()
    flash(_("Nouvelle adresse d'abonnement créée : l'ancienne ne fonctionne plus."), "success")
    return redirect(url_for("sessions.calendar"))


@bp.route("/agenda/abonnement/revoquer", methods=["POST"])
@roles_required(*STAFF, HOLDER)
def revoke_calendar():
    services.revoke_calendar_feed(current_user)
    db.session.commit()
    flash(_("Abonnement révoqué."), "success")
    return redirect(url_for("sessions.calendar"))


@bp.route("/ical/<token>.ics")
def ical_feed(token: str):
    user = services.user_for_feed_token(token)
    if user is None:
        abort(404)
    pole = db.session.get(Pole, user.pole_id)
    set_pole_scope(pole.id)
    if user.role == HOLDER:
        from app.portal.services import holder_scope

        body = services.build_calendar(
            user,
            pole,
            lambda s: absolute_url("portal.sessions"),
            session_ids=holder_scope(user).session_ids(),
        )
    else:
        body = services.build_calendar(
            user, pole, lambda s: absolute_url("sessions.detail", session_id=s.id)
        )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- public workshops (no login) --------------------------------------------------------------


def _public_pole(pole_slug: str) -> Pole:
    pole = db.session.scalar(select(Pole).where(Pole.slug == pole_slug))
    if pole is None:
        abort(404)
    set_pole_scope(pole.id)  # an anonymous request sees nothing otherwise
    return pole


def public_workshops(pole_slug: str):
    pole = _public_pole(pole_slug)
    workshops = db.session.scalars(services.published_upcoming_query(pole).limit(200)).all()
    taken = services.seats_taken([w.id for w in workshops])
    return render_template(
        "sessions/public_list.html",
        pole=pole,
        workshops=workshops,
        taken=taken,
        is_full=services.is_full,
        local=lambda value: services.to_local(pole, value),
    )


def public_register(pole_slug: str, session_id: int):
    pole = _public_pole(pole_slug)
    workshop = db.session.scalar(
        services.published_upcoming_query(pole).where(AccompanimentSession.id == session_id)
    )
    if workshop is None:
        abort(404)
    form = PublicRegistrationForm()
    # Seats count confirmed registrations only (attendances); pending ones hold none.
    full = services.is_full(workshop, services.seats_taken([workshop.id])[workshop.id])
    if not full and form.validate_on_submit():
        if not form.website.data:  # the honeypot: a script filled it, store and send nothing
            services.request_public_registration(
                workshop, form.first_name.data, form.last_name.data, form.email.data
            )
            db.session.commit()
        # One answer whatever the address (new, known, already registered) and for scripts.
        flash(
            _(
                "Merci ! Un e-mail vient d'être envoyé à l'adresse indiquée : cliquez sur le lien "
                "qu'il contient dans les 48 heures pour confirmer votre inscription."
            ),
            "success",
        )
        return redirect(url_for("sessions.public_register", pole_slug=pole.slug, session_id=workshop.id))
    return render_template(
        "sessions/public_register.html",
        pole=pole,
        w=workshop,
        form=form,
        full=full,
        local=lambda value: services.to_local(pole, value),
    )


LINK_PROBLEMS = {
    "unknown": (
        404,
        _l("Ce lien n'est pas valide : vérifiez qu'il est complet, ou inscrivez-vous à nouveau."),
    ),
    "expired": (
        410,
        _l("Ce lien de confirmation a expiré (il était valable 48 heures) : inscrivez-vous à nouveau."),
    ),
    "used": (410, _l("Ce lien de confirmation a déjà servi : votre inscription est confirmée.")),
    "revoked": (410, _l("Ce lien de confirmation n'est plus valable : inscrivez-vous à nouveau.")),
}


def confirm_registration(pole_slug: str, token: str):
    """The link mailed to a public registrant: GET shows a button, POST confirms.

    Confirming on POST only: mail scanners that open links must not use up the single-use link.
    """
    pole = _public_pole(pole_slug)
    check = check_link(token, services.CONFIRM_PURPOSE)
    pending = services.pending_for_link(check.link) if check.link is not None else None
    problem = check.problem
    if check.link is not None and (check.link.pole_id != pole.id or pending is None):
        problem = "unknown"
    workshop = db.session.get(AccompanimentSession, pending.session_id) if pending is not None else None
    error = None
    if problem is not None:
        status, message = LINK_PROBLEMS[problem]
        return render_template("sessions/public_confirm.html", pole=pole, w=None, error=str(message)), status
    form = ConfirmRegistrationForm()
    if form.validate_on_submit():
        try:
            services.confirm_public_registration(check.link, pending)
        except services.ConfirmationError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            return render_template("sessions/public_confirm.html", pole=pole, w=workshop, confirmed=True)
    return render_template(
        "sessions/public_confirm.html",
        pole=pole,
        w=workshop,
        form=form,
        error=error,
        local=lambda value: services.to_local(pole, value),
    )


def _public_limit() -> str:
    return current_app.config.get("PUBLIC_REGISTRATION_RATE_LIMIT", "5 per minute")


public_register = limiter.limit(_public_limit, methods=["POST"])(public_register)
confirm_registration = limiter.limit(_public_limit, methods=["POST"])(confirm_registration)


@bp.record_once
def _register_anonymiser(_state):
    """Anonymisation deletes the person's public registrations (registered once every module
    is imported: app.privacy imports half the app)."""
    from app.privacy.services import ANONYMISERS

    if services.forget_pending_registrations not in ANONYMISERS:
        ANONYMISERS.append(services.forget_pending_registrations)


@bp.record_once
def _register_public_routes(state):
    """The public pages live outside /sessions: /p/<pole>/ateliers."""
    state.app.add_url_rule(
        "/p/<pole_slug>/ateliers", endpoint="sessions.public_workshops", view_func=public_workshops
    )
    state.app.add_url_rule(
        "/p/<pole_slug>/ateliers/<int:session_id>",
        endpoint="sessions.public_register",
        view_func=public_register,
        methods=["GET", "POST"],
    )
    state.app.add_url_rule(
        "/p/<pole_slug>/ateliers/confirmation/<token>",
        endpoint="sessions.confirm_registration",
        view_func=confirm_registration,
        methods=["GET", "POST"],
    )


register_section("collective", "sessions/_collective_sessions.html", collective_sessions_context, order=25)
register_section("collective", "sessions/_regularity_section.html", regularity_context, order=30)
register_section("person", "sessions/_person_attendance_section.html", person_attendance_context, order=40)
