"""Referral (orientation) operations: create, move through the workflow, chase, notify.

They flush; the caller commits.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import User
from app.auth.services import _external_url, invite_user
from app.collectives.models import Collective, Membership
from app.core.audit import record_audit
from app.core.dates import pole_today  # noqa: F401  (re-exported)
from app.core.links import SignedLink, issue_link, revoke_links
from app.core.mail import render_mail, send_mail
from app.core.permissions import PARTNER
from app.core.urls import absolute_url
from app.extensions import db
from app.people.models import Person
from app.poles.models import Pole, Thematic
from app.referrals.models import (
    ANSWER_STATUSES,
    DECLINE_REASON_NEEDS_DETAIL,
    DECLINE_REASONS,
    OPEN_STATUSES,
    PARTNER_TRANSITIONS,
    STATUS_LABELS,
    SYSTEM_STATUSES,
    TRANSITIONS,
    Referral,
    ReferralReminder,
    ReferralStatusChange,
)
from app.structures.models import Structure, structure_thematics

# Every status a partner may ever set (its form offers those of PARTNER_TRANSITIONS).
PARTNER_STATUSES = tuple(sorted({s for targets in PARTNER_TRANSITIONS.values() for s in targets}))
# The signed link e-mailed to the partner's referent (app.core.links).
ANSWER_LINK_PURPOSE = "referral_answer"
ANSWER_LINK_DAYS = 30


class ReferralError(ValueError):
    """A business rule refused the operation; the message is French and shown as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _pole_of(referral: Referral) -> Pole:
    return db.session.get(Pole, referral.pole_id)


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- Partners -------------------------------------------------------------------------------


def partners_query(pole_id: int):
    return select(Structure).where(
        Structure.pole_id == pole_id, Structure.is_partner.is_(True), Structure.archived.is_(False)
    )


def rank_partners(pole_id: int, thematic_ids: list[int]) -> list[tuple[Structure, int]]:
    """The pole's partners with how many of `thematic_ids` each offers, best match first."""
    shared = func.count(structure_thematics.c.thematic_id)
    stmt = (
        partners_query(pole_id)
        .add_columns(shared)
        .outerjoin(
            structure_thematics,
            and_(
                structure_thematics.c.structure_id == Structure.id,
                structure_thematics.c.thematic_id.in_(list(thematic_ids)),
            ),
        )
        .group_by(Structure.id)
        .order_by(shared.desc(), Structure.name, Structure.id)
    )
    return [(structure, count) for structure, count in db.session.execute(stmt).all()]


# --- Creation and workflow ------------------------------------------------------------------


def refer_to_partner(
    pole: Pole,
    by: User | None,
    *,
    partner: Structure,
    referred_on: date,
    thematics: list[Thematic] = (),
    reason: str | None = None,
    consent_to_share: bool = False,
    follow_up_on: date | None = None,
    accompaniment=None,
    person: Person | None = None,
    collective: Collective | None = None,
    request=None,
    send_now: bool = False,
    referent_name: str | None = None,
    referent_email: str | None = None,
) -> Referral:
    """Orient a beneficiary (a dossier, a person or a collective) to a partner structure."""
    if accompaniment is not None:
        person, collective = accompaniment.person, accompaniment.collective
    elif request is not None and person is None and collective is None:
        person, collective = request.person, request.collective
    records = (accompaniment, request, person, collective)
    if (person is None) == (collective is None) or any(
        r is not None and r.pole_id != pole.id for r in records
    ):
        raise ReferralError(
            _("Choisissez un bénéficiaire : un dossier, une personne ou un collectif (un seul)."),
            "beneficiary",
        )
    if partner.pole_id != pole.id or not partner.is_partner:
        raise ReferralError(_("Choisissez une structure partenaire du pôle."), "partner_id")
    today = pole_today(pole)
    if referred_on > today:
        raise ReferralError(_("La date de l'orientation ne peut pas être dans le futur."), "referred_on")
    if follow_up_on is None:
        follow_up_on = referred_on + timedelta(days=pole.referral_follow_up_days)
    if follow_up_on < referred_on:
        raise ReferralError(
            _("La date de relance ne peut pas précéder la date de l'orientation."), "follow_up_on"
        )
    referral = Referral(
        pole_id=pole.id,
        accompaniment_id=accompaniment.id if accompaniment is not None else None,
        person_id=person.id if person is not None else None,
        collective_id=collective.id if collective is not None else None,
        request_id=request.id if request is not None else None,
        partner=partner,
        partner_id=partner.id,
        reason=(reason or "").strip() or None,
        referred_on=referred_on,
        referred_by_id=by.id if by is not None else None,
        consent_to_share=bool(consent_to_share),
        status="proposed",
        follow_up_on=follow_up_on,
        referent_name=(referent_name or "").strip() or None,
        referent_email=(referent_email or "").strip().lower() or None,
    )
    referral.thematics = list(thematics)
    referral.history.append(
        ReferralStatusChange(
            pole_id=pole.id, status="proposed", changed_on=referred_on, by_id=referral.referred_by_id
        )
    )
    db.session.add(referral)
    if request is not None and request.outcome == "pending":
        # The request's answer is this orientation (DESIGN: outcome "oriented elsewhere").
        request.outcome = "oriented"
        request.outcome_on = referred_on
    db.session.flush()
    record_audit(
        "referral.create",
        referral,
        {
            "partner_id": partner.id,
            "referred_on": referred_on.isoformat(),
            "person_id": referral.person_id,
            "collective_id": referral.collective_id,
            "accompaniment_id": referral.accompaniment_id,
            "consent_to_share": referral.consent_to_share,
        },
    )
    if send_now:
        change_referral_status(referral, "sent", on=referred_on, by=by)
    return referral


def _check_change_date(referral: Referral, on: date, today: date) -> None:
    if on is None:
        raise ReferralError(_("Indiquez la date du changement."), "changed_on")
    if on > today:
        raise ReferralError(_("La date ne peut pas être dans le futur."), "changed_on")
    if on < referral.referred_on:
        raise ReferralError(
            _(
                "La date ne peut pas précéder la date de l'orientation (%(day)s).",
                day=_fr(referral.referred_on),
            ),
            "changed_on",
        )
    last_change = _last_status_change(referral)
    if last_change is not None and on < last_change.changed_on:
        raise ReferralError(
            _(
                "La date ne peut pas précéder le changement précédent (%(day)s).",
                day=_fr(last_change.changed_on),
            ),
            "changed_on",
        )


def allowed_statuses(referral: Referral, *, partner_side: bool) -> tuple[str, ...]:
    """The statuses `referral` may move to: for the pole's staff, or for the partner (its
    account or the e-mailed link). The system statuses (expired) are never offered."""
    table = PARTNER_TRANSITIONS if partner_side else TRANSITIONS
    return tuple(s for s in table.get(referral.status, ()) if s not in SYSTEM_STATUSES)


def _refuse_transition(old: str, new: str) -> ReferralError:
    return ReferralError(
        _(
            "Impossible de passer une orientation « %(old)s » au statut « %(new)s ».",
            old=STATUS_LABELS.get(old, old),
            new=STATUS_LABELS.get(new, new),
        ),
        "status",
    )


def _last_status_change(referral: Referral) -> ReferralStatusChange | None:
    """The latest history entry that changed the status: comments (entries repeating the
    status) do not move the earliest date of the next change."""
    last, previous_status = None, None
    in_order = sorted(referral.history, key=lambda e: (e.changed_on, e.id is None, e.id or 0))
    for entry in in_order:
        if last is None or entry.status != previous_status:
            last = entry
        previous_status = entry.status
    return last


def change_referral_status(
    referral: Referral,
    status: str,
    *,
    on: date,
    by: User | None,
    comment: str | None = None,
    outcome: str | None = None,
    decline_reason: str | None = None,
    decline_detail: str | None = None,
    allowed: tuple[str, ...] | None = None,
    notify: bool = True,
    link: SignedLink | None = None,
) -> ReferralStatusChange:
    """Move a referral to `status` on day `on` (back-dating allowed), recording the change.

    The partner's side — a partner user as `by`, or the referent's e-mailed `link` — may only
    make the partner's transitions (PARTNER_TRANSITIONS), on its own structure's orientations,
    whatever a form offered; `allowed` narrows further. `notify` e-mails the partner when sent."""
    old = referral.status
    partner_side = link is not None or (by is not None and by.role == PARTNER)
    if by is not None and by.role == PARTNER and by.structure_id != referral.partner_id:
        raise ReferralError(_("Cette orientation n'est pas adressée à votre structure."), "status")
    if link is not None and (
        link.purpose != ANSWER_LINK_PURPOSE
        or link.target_type != "Referral"
        or link.target_id != referral.id
        or link.revoked_at is not None
    ):
        raise ReferralError(_("Ce lien ne permet pas de répondre à cette orientation."), "status")
    if status not in allowed_statuses(referral, partner_side=partner_side) or (
        allowed is not None and status not in allowed
    ):
        raise _refuse_transition(old, status)
    pole = _pole_of(referral)
    _check_change_date(referral, on, pole_today(pole))
    if status == "declined":
        if decline_reason not in DECLINE_REASONS:
            raise ReferralError(_("Indiquez le motif du refus."), "decline_reason")
        decline_detail = (decline_detail or "").strip() or None
        if decline_reason in DECLINE_REASON_NEEDS_DETAIL and not decline_detail:
            raise ReferralError(_("Précisez le motif « Autre »."), "decline_detail")
    answered_by = None
    if link is not None:
        answered_by = _("%(who)s (lien e-mail)", who=_referent_label_for(referral, link))
    return _record_status(
        referral,
        status,
        on=on,
        by=by,
        comment=comment,
        outcome=outcome,
        decline_reason=decline_reason,
        decline_detail=decline_detail,
        answered_by=answered_by,
        notify=notify,
        audit={"via": "link", "link_id": link.id} if link is not None else None,
    )


def _referent_label_for(referral: Referral, link: SignedLink) -> str:
    if referral.referent_address == link.recipient and referral.referent_label:
        return referral.referent_label
    return link.recipient


def _record_status(
    referral: Referral,
    status: str,
    *,
    on: date,
    by: User | None,
    comment: str | None = None,
    outcome: str | None = None,
    decline_reason: str | None = None,
    decline_detail: str | None = None,
    answered_by: str | None = None,
    notify: bool = True,
    audit: dict | None = None,
) -> ReferralStatusChange:
    """Apply a checked change: the referral's fields, a history row, the journal, the e-mail."""
    old = referral.status
    pole = _pole_of(referral)
    referral.status = status
    if status == "sent":
        referral.sent_on = on
    if status in ("sent", "under_review", "accepted"):
        # The next chase comes the pole's follow-up delay after this step, not before.
        next_follow_up = on + timedelta(days=pole.referral_follow_up_days)
        referral.follow_up_on = max(referral.follow_up_on or next_follow_up, next_follow_up)
    if status == "declined":
        referral.decline_reason = decline_reason
        referral.decline_detail = decline_detail
    if outcome and outcome.strip():
        referral.outcome = outcome.strip()
    change = ReferralStatusChange(
        pole_id=referral.pole_id,
        status=status,
        changed_on=on,
        by_id=by.id if by is not None else None,
        answered_by=answered_by,
        comment=(comment or "").strip() or None,
    )
    for later in referral.history:
        if later.changed_on > on:  # comments posted after the back-dated change: keep them
            later.status = status  # comments (same status as the entry before them)
    referral.history.append(change)
    db.session.flush()
    record_audit(
        "referral.status",
        referral,
        {
            "status": [old, status],
            "changed_on": on.isoformat(),
            "decline_reason": decline_reason,
            **(audit or {}),
        },
        pole_id=referral.pole_id,
    )
    if status == "sent" and notify:
        notify_partner(referral)
    return change


def comment_referral(referral: Referral, *, by: User | None, comment: str) -> ReferralStatusChange:
    """Add a comment to the history (an entry that keeps the current status)."""
    comment = (comment or "").strip()
    if not comment:
        raise ReferralError(_("Le commentaire est vide."), "comment")
    change = ReferralStatusChange(
        pole_id=referral.pole_id,
        status=referral.status,
        changed_on=pole_today(_pole_of(referral)),
        by_id=by.id if by is not None else None,
        comment=comment,
    )
    referral.history.append(change)
    db.session.flush()
    record_audit("referral.comment", referral, {"comment": comment})
    return change


def postpone_follow_up(referral: Referral, follow_up_on: date) -> None:
    """Set the next date the referral must be chased."""
    if referral.status not in OPEN_STATUSES:
        raise ReferralError(_("Cette orientation est close : plus de relance à prévoir."), "follow_up_on")
    if follow_up_on is None or follow_up_on < referral.referred_on:
        raise ReferralError(
            _("La date de relance ne peut pas précéder la date de l'orientation."), "follow_up_on"
        )
    old = referral.follow_up_on
    referral.follow_up_on = follow_up_on
    db.session.flush()
    record_audit(
        "referral.follow_up",
        referral,
        {"follow_up_on": [old.isoformat() if old else None, follow_up_on.isoformat()]},
    )


# --- Contact details and the partner's email ------------------------------------------------


def beneficiary_contact(referral: Referral) -> dict | None:
    """Email and phone the partner may see: only with consent; for a collective, its referent."""
    if not referral.consent_to_share:
        return None
    if referral.person is not None:
        p = referral.person
        return {"name": p.full_name, "email": p.email, "phone": p.phone}
    if referral.collective is not None:
        members = db.session.scalars(
            select(Membership)
            .where(Membership.collective_id == referral.collective_id)
            .options(joinedload(Membership.person))
            .order_by(Membership.id)
        ).all()
        current = [m for m in members if m.is_current() and m.person is not None]
        current.sort(key=lambda m: (m.role != "referent", not m.person.email, m.id))
        if current:
            p = current[0].person
            return {"name": p.full_name, "email": p.email, "phone": p.phone}
    return {"name": referral.beneficiary_label, "email": None, "phone": None}


def partner_users(structure_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.structure_id == structure_id, User.role == PARTNER, User.active.is_(True))
            .order_by(User.email)
        )
    )


def _summary(referral: Referral, pole: Pole) -> dict:
    """What an e-mail may say of the orientation (mail/_referral_summary.txt): the beneficiary's
    first name only unless the person consented to share their details (then the full name;
    contact details stay on the page behind the link), the thematics and the advisor's message."""
    if referral.person is not None:
        name = referral.person.full_name if referral.consent_to_share else referral.person.first_name
    else:
        name = referral.beneficiary_label
    advisor = referral.referred_by
    return {
        "name": name,
        "consent": bool(referral.consent_to_share),
        "thematics": [t.name for t in referral.thematics],
        "reason": referral.reason,
        "reason_author": advisor.display_name if advisor else pole.name,
    }


def answer_url(
    referral: Referral, recipient: str | None = None, *, revoke_previous: bool = False
) -> str | None:
    """The answer page's address for the referral's referent (None without a referent e-mail).

    Only a hash of each token is stored, so an earlier link's address cannot be rebuilt: this
    issues a new link for the same referent (valid ANSWER_LINK_DAYS days) and, unless
    `revoke_previous`, leaves the earlier ones working — a reminder or the monthly e-mail
    does not break the link of the first e-mail. `outbox`'s monthly partner e-mail uses it."""
    recipient = recipient or referral.referent_address
    if not recipient:
        return None
    token = issue_link(
        pole_id=referral.pole_id,
        purpose=ANSWER_LINK_PURPOSE,
        target=referral,
        recipient=recipient,
        valid_for=timedelta(days=ANSWER_LINK_DAYS),
        revoke_previous=revoke_previous,
    )
    return absolute_url("referrals.answer", token=token)


def open_referrals_for_partner(structure: Structure) -> list[Referral]:
    """The orientations sent to `structure` still waiting for its answer or its outcome
    (sent, à l'étude, prise en charge), oldest first — for the partner's monthly e-mail."""
    return list(
        db.session.scalars(
            select(Referral)
            .where(
                Referral.pole_id == structure.pole_id,
                Referral.partner_id == structure.id,
                Referral.status.in_(("sent", "under_review", "accepted")),
            )
            .options(*_listing_options())
            .order_by(Referral.sent_on, Referral.id)
            .execution_options(all_poles=True)
        )
    )


def notify_partner(referral: Referral) -> list[str]:
    """E-mail a sent referral: to its referent with a new answer link (revoking the previous
    ones), and to the partner's account holders with a link to their page."""
    partner = referral.partner or db.session.get(Structure, referral.partner_id)
    pole = _pole_of(referral)
    subject = _("Nouvelle orientation de %(pole)s", pole=pole.name)
    summary = _summary(referral, pole)
    recipients: list[str] = []
    referent = referral.referent_address
    if referent:
        link = answer_url(referral, referent, revoke_previous=True)
        text, html = render_mail(
            "referral_sent", pole=pole, summary=summary, by_account=False, link=link, days=ANSWER_LINK_DAYS
        )
        send_mail(referent, subject, text, html=html, pole_id=referral.pole_id, kind="referral_sent")
        recipients.append(referent)
    account_link = absolute_url("referrals.partner_detail", referral_id=referral.id)
    for user in partner_users(partner.id):
        if user.email.lower() in recipients:
            continue
        text, html = render_mail(
            "referral_sent", pole=pole, summary=summary, by_account=True, link=account_link
        )
        send_mail(user.email, subject, text, html=html, pole_id=referral.pole_id, kind="referral_sent")
        recipients.append(user.email.lower())
    if recipients:
        record_audit("referral.notified", referral, {"recipients": len(recipients)}, pole_id=referral.pole_id)
    return recipients


def resend_to_partner(
    referral: Referral, *, referent_name: str | None, referent_email: str | None
) -> list[str]:
    """Send an orientation again (to a new referent, or the same): the previous links stop."""
    if referral.status not in ("sent", "under_review", "accepted", "expired"):
        raise ReferralError(
            _("Seule une orientation envoyée peut être renvoyée au partenaire."), "referent_email"
        )
    referral.referent_name = (referent_name or "").strip() or None
    referral.referent_email = (referent_email or "").strip().lower() or None
    if not referral.referent_address:
        raise ReferralError(
            _("Indiquez l'e-mail du ou de la référent·e : la structure n'a pas d'e-mail de contact."),
            "referent_email",
        )
    db.session.flush()
    return notify_partner(referral)


def revoke_answer_links(referral: Referral) -> int:
    count = revoke_links(purpose=ANSWER_LINK_PURPOSE, target=referral)
    record_audit("referral.links_revoked", referral, {"count": count}, pole_id=referral.pole_id)
    db.session.flush()
    return count


def invite_partner(pole: Pole, structure: Structure, email: str, full_name: str = "") -> User:
    """Open a partner account linked to `structure` and email its invitation."""
    if structure.pole_id != pole.id or not structure.is_partner:
        raise ReferralError(_("Choisissez une structure partenaire du pôle."), "structure_id")
    user, _link = invite_user(email, PARTNER, pole, full_name=full_name)
    user.structure_id = structure.id
    db.session.flush()
    record_audit("user.partner_link", user, {"structure_id": structure.id}, pole_id=pole.id)
    return user


# --- Chasing --------------------------------------------------------------------------------


def _listing_options():
    return (
        joinedload(Referral.partner),
        joinedload(Referral.person),
        joinedload(Referral.collective),
        joinedload(Referral.referred_by),
        selectinload(Referral.thematics),
    )


@dataclass
class ChaseLists:
    """Referrals to chase (`due`) and to close (`to_close`): `Referral`s, or `ChaseRow`s for the page."""

    due: list = field(default_factory=list)
    to_close: list = field(default_factory=list)
    due_total: int = 0
    to_close_total: int = 0


def no_answer_cutoff(pole: Pole, today: date) -> date:
    return today - timedelta(days=pole.referral_no_answer_days)


def _chase_conditions(pole: Pole, today: date):
    """(due, to_close): follow-up date come; sent and unanswered for referral_no_answer_days."""
    to_close = and_(
        Referral.pole_id == pole.id,
        Referral.status == "sent",
        Referral.sent_on <= no_answer_cutoff(pole, today),
    )
    due = and_(
        Referral.pole_id == pole.id,
        Referral.status.in_(OPEN_STATUSES),
        Referral.follow_up_on <= today,
        ~to_close,
    )
    return due, to_close


def referrals_to_chase(pole: Pole, today: date | None = None) -> ChaseLists:
    """Open referrals whose follow-up date has come, and sent ones left unanswered too long."""
    today = today or pole_today(pole)
    due, to_close = _chase_conditions(pole, today)
    base = select(Referral).options(*_listing_options())
    lists = ChaseLists(
        due=list(db.session.scalars(base.where(due).order_by(Referral.follow_up_on, Referral.id))),
        to_close=list(db.session.scalars(base.where(to_close).order_by(Referral.sent_on, Referral.id))),
    )
    lists.due_total, lists.to_close_total = len(lists.due), len(lists.to_close)
    return lists


@dataclass(frozen=True, slots=True)
class ChaseRow:
    """One line of the « à relancer » page: the columns it shows, without ORM objects."""

    id: int
    beneficiary: str
    partner_name: str
    partner_phone: str | None
    status: str
    referred_on: date
    follow_up_on: date | None
    sent_on: date | None
    referred_by: str | None


def _chase_rows(condition, order_by, limit: int) -> list[ChaseRow]:
    stmt = (
        select(
            Referral.id,
            Referral.status,
            Referral.referred_on,
            Referral.follow_up_on,
            Referral.sent_on,
            Person.first_name,
            Person.last_name,
            Collective.name.label("collective"),
            Structure.name.label("partner_name"),
            Structure.contact_phone.label("partner_phone"),
            User.full_name.label("by_name"),
            User.email.label("by_email"),
        )
        .join(Structure, Structure.id == Referral.partner_id)
        .outerjoin(Person, Person.id == Referral.person_id)
        .outerjoin(Collective, Collective.id == Referral.collective_id)
        .outerjoin(User, User.id == Referral.referred_by_id)
        .where(condition)
        .order_by(order_by, Referral.id)
        .limit(limit)
    )
    return [
        ChaseRow(
            id=r.id,
            # The same labels as Referral.beneficiary_label and User.display_name.
            beneficiary=f"{r.first_name} {r.last_name}".strip()
            if r.first_name is not None
            else r.collective or "",
            partner_name=r.partner_name,
            partner_phone=r.partner_phone,
            status=r.status,
            referred_on=r.referred_on,
            follow_up_on=r.follow_up_on,
            sent_on=r.sent_on,
            referred_by=r.by_name or r.by_email,
        )
        for r in db.session.execute(stmt)
    ]


def chase_page(pole: Pole, limit: int, today: date | None = None) -> ChaseLists:
    """The « à relancer » page: the oldest `limit` rows of each list (as `ChaseRow`s, read in
    one query per list: at scale the ORM objects cost more than the SQL) and both totals."""
    today = today or pole_today(pole)
    due, to_close = _chase_conditions(pole, today)
    lists = ChaseLists(
        due=_chase_rows(due, Referral.follow_up_on, limit),
        to_close=_chase_rows(to_close, Referral.sent_on, limit),
    )
    lists.due_total, lists.to_close_total = chase_counts(pole, today)
    return lists


def chase_counts(pole: Pole, today: date | None = None) -> tuple[int, int]:
    """How many referrals are due for chasing, and how many are proposed for closing."""
    due, to_close = _chase_conditions(pole, today or pole_today(pole))
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((due, 1), else_=0)), 0),
            func.coalesce(func.sum(case((to_close, 1), else_=0)), 0),
        ).where(Referral.pole_id == pole.id, Referral.status.in_(OPEN_STATUSES))
    ).one()
    return int(row[0]), int(row[1])


def close_without_follow_up(referral: Referral, *, by: User | None, today: date) -> ReferralStatusChange:
    return change_referral_status(
        referral,
        "no_follow_up",
        on=today,
        by=by,
        comment=_("Sans réponse du partenaire : orientation close sans suite."),
    )


def send_reminders(pole: Pole, today: date | None = None) -> tuple[int, ChaseLists]:
    """Email each advisor a digest of their referrals to chase; return (emails sent, lists)."""
    today = today or pole_today(pole)
    lists = referrals_to_chase(pole, today)
    by_advisor: dict[int, ChaseLists] = defaultdict(ChaseLists)
    for referral in lists.due:
        if referral.referred_by_id:
            by_advisor[referral.referred_by_id].due.append(referral)
    for referral in lists.to_close:
        if referral.referred_by_id:
            by_advisor[referral.referred_by_id].to_close.append(referral)
    sent = 0
    for advisor_id, mine in by_advisor.items():
        advisor = db.session.get(User, advisor_id)
        if advisor is None or not advisor.active or advisor.pole_id != pole.id:
            continue
        text, html = render_mail(
            "referral_digest",
            pole=pole,
            due=[_digest_item(r) for r in mine.due],
            to_close=[_digest_item(r) for r in mine.to_close],
            no_answer_days=pole.referral_no_answer_days,
            link=_external_url("referrals.to_chase"),
        )
        send_mail(
            advisor.email,
            _("Orientations à relancer — %(pole)s", pole=pole.name),
            text,
            html=html,
            pole_id=pole.id,
            kind="referral_digest",
        )
        sent += 1
    return sent, lists


def _digest_item(referral: Referral) -> dict:
    """One line of the advisors' digest (mail/referral_digest.txt)."""
    return {
        "who": referral.beneficiary_label,
        "partner": referral.partner.name,
        "status": STATUS_LABELS[referral.status],
        "since": _fr(referral.history[-1].changed_on if referral.history else referral.referred_on),
        "due": _fr(referral.follow_up_on) if referral.follow_up_on else "—",
        "link": _external_url("referrals.detail", referral_id=referral.id),
    }


# --- The daily command: reminders to the partner, expiry -----------------------------------


@dataclass
class DailyResult:
    first_reminders: int = 0
    second_reminders: int = 0
    expired: int = 0
    emails: int = 0


def _answered_or_closed():
    """EXISTS: a history row of the referral with an answer or a closing status."""
    return (
        select(ReferralStatusChange.id)
        .where(
            ReferralStatusChange.referral_id == Referral.id,
            ReferralStatusChange.status.in_((*ANSWER_STATUSES, "no_follow_up", "expired")),
        )
        .correlate(Referral)
        .exists()
    )


def _waiting_for_answer(pole: Pole):
    """Referrals of the pole sent and never answered, according to their history: an imported
    history that says the partner answered is left alone even if its status says "sent"."""
    return select(Referral).where(
        Referral.pole_id == pole.id,
        Referral.status == "sent",
        Referral.sent_on.is_not(None),
        ~_answered_or_closed(),
    )


def _reminder_mail(referral: Referral, pole: Pole, number: int, days: int) -> tuple[str, str, str | None]:
    """Subject, text and HTML (None without an .html template) of reminder `number`."""
    subject = _("Relance : orientation de %(pole)s sans réponse", pole=pole.name)
    url = answer_url(referral)
    text, html = render_mail(
        "referral_reminder",
        pole=pole,
        summary=_summary(referral, pole),
        sent_on=_fr(referral.sent_on),
        days=days,
        number=number,
        no_answer_days=pole.referral_no_answer_days,
        by_account=url is None,
        link=url or absolute_url("referrals.partner_detail", referral_id=referral.id),
    )
    return subject, text, html


def _send_reminder(referral: Referral, pole: Pole, number: int, today: date) -> int:
    """E-mail reminder `number` to the partner (the advisor copied on the second) and record it."""
    recipients = []
    if referral.referent_address:
        recipients.append(referral.referent_address)
    recipients += [
        u.email.lower() for u in partner_users(referral.partner_id) if u.email.lower() not in recipients
    ]
    if not recipients:
        return 0
    days = (today - referral.sent_on).days
    subject, body, html = _reminder_mail(referral, pole, number, days)
    for to in recipients:
        send_mail(to, subject, body, html=html, pole_id=referral.pole_id, kind="referral_reminder")
    sent = len(recipients)
    advisor = referral.referred_by
    if number == 2 and advisor is not None and advisor.active and advisor.email.lower() not in recipients:
        copy, copy_html = render_mail(
            "referral_reminder_copy",
            partner_name=referral.partner.name,
            link=absolute_url("referrals.detail", referral_id=referral.id),
            body=body,
        )
        send_mail(
            advisor.email,
            _("Copie : %(subject)s", subject=subject),
            copy,
            html=copy_html,
            pole_id=referral.pole_id,
            kind="referral_reminder",
        )
        sent += 1
    db.session.add(
        ReferralReminder(
            pole_id=referral.pole_id,
            referral_id=referral.id,
            number=number,
            sent_on=today,
            recipients=", ".join(recipients),
        )
    )
    db.session.flush()
    record_audit(
        "referral.reminder",
        referral,
        {"number": number, "recipients": len(recipients)},
        pole_id=referral.pole_id,
    )
    return sent


def expire_referral(referral: Referral, today: date) -> ReferralStatusChange:
    """Record that the partner never answered: an `expired` entry dated `today`."""
    if referral.status != "sent":
        raise _refuse_transition(referral.status, "expired")
    pole = _pole_of(referral)
    return _record_status(
        referral,
        "expired",
        on=today,
        by=None,
        comment=_(
            "Sans réponse du partenaire %(days)d jours après l'envoi.", days=pole.referral_no_answer_days
        ),
        audit={"via": "daily"},
    )


def run_daily(pole: Pole, today: date | None = None) -> DailyResult:
    """Remind partners at the pole's reminder days and expire what stays unanswered.

    Each step is recorded (ReferralReminder rows, `expired` history rows), so running the
    command twice the same day, or missing a day, never sends a reminder twice."""
    today = today or pole_today(pole)
    result = DailyResult()
    first, second = pole.referral_first_reminder_days, pole.referral_second_reminder_days
    expiry = pole.referral_no_answer_days
    waiting = db.session.scalars(
        _waiting_for_answer(pole)
        .options(*_listing_options(), selectinload(Referral.reminders))
        .order_by(Referral.sent_on, Referral.id)
    ).all()
    for referral in waiting:
        age = (today - referral.sent_on).days
        done = {r.number for r in referral.reminders}
        if age >= expiry:
            expire_referral(referral, today)
            result.expired += 1
        elif age >= second and 2 not in done:
            sent = _send_reminder(referral, pole, 2, today)
            result.second_reminders += bool(sent)
            result.emails += sent
        elif first <= age < second and 1 not in done:
            sent = _send_reminder(referral, pole, 1, today)
            result.first_reminders += bool(sent)
            result.emails += sent
    return result


# --- Elsewhere in the app: dossier timeline, partner directory page -------------------------


def referral_timeline_entries(accompaniment) -> list[tuple[date, str, str, object]]:
    """Timeline entries of a dossier: each referral, then each later change of its status."""
    referrals = db.session.scalars(
        select(Referral)
        .where(Referral.accompaniment_id == accompaniment.id, Referral.pole_id == accompaniment.pole_id)
        .options(
            joinedload(Referral.partner),
            selectinload(Referral.history).joinedload(ReferralStatusChange.by),
        )
    ).all()
    entries: list[tuple[date, str, str, object]] = []
    for referral in referrals:
        entries.append((referral.referred_on, "referral", "referrals/_timeline_entry.html", referral))
        for change in referral.history[1:]:
            entries.append((change.changed_on, "referral", "referrals/_timeline_entry.html", change))
    return entries


def partner_stats(structure: Structure, today: date | None = None) -> dict[str, int]:
    """Orientations sent to `structure` over the last 12 months: received, accepted, completed.

    Counted by current status: "accepted" includes those since completed."""
    today = today or pole_today(db.session.get(Pole, structure.pole_id))
    since = today - timedelta(days=365)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((Referral.status != "proposed", 1), else_=0)), 0),
            func.coalesce(func.sum(case((Referral.status.in_(("accepted", "completed")), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Referral.status == "completed", 1), else_=0)), 0),
        ).where(
            Referral.pole_id == structure.pole_id,
            Referral.partner_id == structure.id,
            Referral.referred_on > since,
        )
    ).one()
    return {"received": int(row[0]), "accepted": int(row[1]), "completed": int(row[2])}
