"""Monthly e-mails, on the pole's chosen day: the previous month's report to the pole's admins,
and to each partner referent the list of their open orientations with their answer links.

Run daily (`flask mail monthly`, part of `flask mail daily`): on or after the pole's
`monthly_report_day` (0 turns both off), each active admin gets the previous month's report as a
PDF with a link to its page, and each partner structure's referents get their digest. A
`MonthlyMailing` row per (pole, kind, month, structure) makes it idempotent: a second run the
same day, or the next days, sends nothing more.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.core.dates import pole_today
from app.core.urls import absolute_url
from app.extensions import db
from app.mail.models import MonthlyMailing
from app.mail.services import Attachment, render_mail, send_mail
from app.poles.models import Pole

ADMIN_REPORT = "admin_report"
PARTNER_DIGEST = "partner_digest"


def previous_month(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _due(pole: Pole, today: date, force: bool) -> bool:
    return force or (bool(pole.monthly_report_day) and today.day >= pole.monthly_report_day)


def _already_sent(pole: Pole, kind: str, month: str, recipient_key: str = "") -> bool:
    return (
        db.session.scalar(
            select(MonthlyMailing.id).where(
                MonthlyMailing.pole_id == pole.id,
                MonthlyMailing.kind == kind,
                MonthlyMailing.month == month,
                MonthlyMailing.recipient_key == recipient_key,
            )
        )
        is not None
    )


def send_monthly_report(pole: Pole, today: date | None = None, *, force: bool = False) -> int:
    """Queue the previous month's report to the pole's admins when due; return the mails queued."""
    from app.reports import formats
    from app.reports.formats import month_label
    from app.reports.services import monthly_report

    today = today or pole_today(pole)
    if not _due(pole, today, force):
        return 0
    month = previous_month(today)
    if _already_sent(pole, ADMIN_REPORT, month):
        return 0
    admins = db.session.scalars(
        select(User)
        .where(User.pole_id == pole.id, User.role == "admin", User.active.is_(True))
        .order_by(User.id)
    ).all()
    report = monthly_report(pole, month)
    pdf = formats.monthly_pdf(report)
    label = month_label(month)
    link = absolute_url("reports.monthly", month=month)
    text, html = render_mail("monthly_report", pole=pole, month_label=label, link=link)
    subject = _("Rapport mensuel de %(month)s — %(pole)s", month=label, pole=pole.name)
    attachment = Attachment(f"rapport-mensuel-{pole.slug}-{month}.pdf", "application/pdf", pdf)
    for admin in admins:
        send_mail(
            admin.email,
            subject,
            text,
            html=html,
            attachments=[attachment],
            pole_id=pole.id,
            kind=ADMIN_REPORT,
        )
    db.session.add(
        MonthlyMailing(
            pole_id=pole.id,
            kind=ADMIN_REPORT,
            month=month,
            recipient_key="",
            sent_on=today,
            messages=len(admins),
        )
    )
    db.session.flush()
    return len(admins)


def _beneficiary(referral) -> str:
    """What an e-mail may say of the beneficiary: the first name only without consent."""
    if referral.person is not None:
        return referral.person.full_name if referral.consent_to_share else referral.person.first_name
    return referral.beneficiary_label


def _referent_address(referral) -> str | None:
    """The referent chosen on the orientation, else the partner's contact e-mail."""
    if hasattr(type(referral), "referent_address"):
        return referral.referent_address
    return (referral.partner.contact_email or "").strip().lower() or None


def send_partner_digests(pole: Pole, today: date | None = None, *, force: bool = False) -> int:
    """Queue each partner referent's monthly list of open orientations; return the mails queued."""
    from app.referrals import services as referral_services
    from app.referrals.models import STATUS_LABELS
    from app.structures.models import Structure

    today = today or pole_today(pole)
    if not _due(pole, today, force):
        return 0
    open_referrals, answer_url = referral_services.open_referrals_for_partner, referral_services.answer_url
    month = f"{today.year:04d}-{today.month:02d}"
    structures = db.session.scalars(
        select(Structure)
        .where(Structure.pole_id == pole.id, Structure.is_partner.is_(True))
        .order_by(Structure.name, Structure.id)
    ).all()
    sent = 0
    for structure in structures:
        if _already_sent(pole, PARTNER_DIGEST, month, str(structure.id)):
            continue
        by_address: dict[str, list] = {}
        for referral in open_referrals(structure):
            address = _referent_address(referral)
            if address:
                by_address.setdefault(address, []).append(referral)
        for address, referrals in by_address.items():
            items = [
                {
                    "beneficiary": _beneficiary(referral),
                    "sent_on": referral.sent_on or referral.referred_on,
                    "status": STATUS_LABELS.get(referral.status, referral.status),
                    "thematics": ", ".join(t.name for t in referral.thematics),
                    "link": answer_url(referral, address),
                }
                for referral in referrals
            ]
            text, html = render_mail("partner_digest", pole=pole, structure=structure, items=items)
            subject = _(
                "%(pole)s : vos orientations en cours (%(count)d)", pole=pole.name, count=len(items)
            )
            send_mail(address, subject, text, html=html, pole_id=pole.id, kind=PARTNER_DIGEST)
            sent += 1
        if by_address:
            db.session.add(
                MonthlyMailing(
                    pole_id=pole.id,
                    kind=PARTNER_DIGEST,
                    month=month,
                    recipient_key=str(structure.id),
                    sent_on=today,
                    messages=len(by_address),
                )
            )
    db.session.flush()
    return sent
