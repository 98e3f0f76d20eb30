"""Monthly e-mails: the previous month's report to the pole's admins, on the pole's chosen day.

Run daily (`flask mail monthly`, part of `flask mail daily`): on or after the pole's
`monthly_report_day` (0 turns it off), each active admin gets the previous month's report as a
PDF with a link to its page. A `MonthlyMailing` row per (pole, kind, month) makes it idempotent:
a second run the same day, or the next days, sends nothing more.
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


def previous_month(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


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
    if not force and (not pole.monthly_report_day or today.day < pole.monthly_report_day):
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
