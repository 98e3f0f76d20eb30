"""The outbox: e-mails are rows written in the caller's transaction, sent later by a worker.

Nothing is sent from inside a request: `send_mail` adds an `OutboxMessage` (the mail leaves only
if the change that caused it is committed), and `flask mail send` drains the due rows. On
PostgreSQL a worker claims a small batch with `SELECT … FOR UPDATE SKIP LOCKED` and moves
their next attempt past a lease before committing, so several workers on several servers never
take the same row; each message's outcome is then committed on its own. SQLite runs one worker.
A failed attempt is retried with exponential back-off until MAIL_MAX_ATTEMPTS, then the row is
marked failed (listed on the admins' « Courriels » page and by `flask mail status`).
"""

import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import delete, func, select

from app.core.models import utcnow
from app.extensions import db
from app.mail.models import OutboxAttachment, OutboxMessage

log = logging.getLogger(__name__)

# A claimed row is not due again before this delay: longer than one batch's SMTP timeouts.
CLAIM_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime_type: str  # may carry parameters: "text/calendar; method=REQUEST"
    content: bytes


def render_mail(template: str, **context) -> tuple[str, str | None]:
    """The plain-text body (`mail/<template>.txt`) and, when it exists, the HTML one (`.html`)."""
    text = render_template(f"mail/{template}.txt", **context)
    try:
        html = render_template(f"mail/{template}.html", **context)
    except TemplateNotFound:
        html = None
    return text, html


def send_mail(
    to: str,
    subject: str,
    body: str,
    *,
    html: str | None = None,
    attachments: Iterable[Attachment | tuple[str, str, bytes]] = (),
    pole_id: int | None = None,
    kind: str = "other",
    cc: str | None = None,
) -> OutboxMessage:
    """Queue an e-mail in the current transaction (flushed, never committed here)."""
    message = OutboxMessage(
        pole_id=pole_id,
        kind=kind[:40],
        recipient=to.strip(),
        cc=cc.strip() if cc else None,
        subject=" ".join(subject.split())[:300],
        body_text=body,
        body_html=html,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    for item in attachments:
        item = item if isinstance(item, Attachment) else Attachment(*item)
        message.attachments.append(
            OutboxAttachment(filename=item.filename, mime_type=item.mime_type, content=item.content)
        )
    db.session.add(message)
    db.session.flush()
    app = current_app
    if app.testing:
        # Tests read the mails a request queued through the `outbox` fixture.
        app.extensions.setdefault("mail_outbox", []).append(build_message(message))
    if not app.config.get("MAIL_SERVER"):
        app.logger.info("Mail queued #%s (no SMTP configured) to %s: %s\n%s", message.id, to, subject, body)
    return message


def build_message(message: OutboxMessage) -> EmailMessage:
    """The MIME message for a row: plain text, optional HTML alternative, attachments."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = message.recipient
    if message.cc:
        msg["Cc"] = message.cc
    msg["Subject"] = message.subject
    sender_domain = cfg["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=sender_domain)
    msg.set_content(message.body_text)
    if message.body_html:
        msg.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments:
        mime, *params = (part.strip() for part in attachment.mime_type.split(";"))
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
            params=dict(p.split("=", 1) for p in params if "=" in p),
        )
    return msg


def deliver(msg: EmailMessage) -> None:
    """Hand one message to the SMTP server (MAIL_* settings), or to the log without one.

    Raises OSError or smtplib.SMTPException when the server cannot take it."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        current_app.logger.info(
            "Mail (no SMTP configured) to %s: %s\n%s", msg["To"], msg["Subject"], _text_part(msg)
        )
        return
    timeout = cfg.get("MAIL_TIMEOUT_SECONDS", 15)
    if cfg["MAIL_USE_SSL"]:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout)
        if cfg["MAIL_USE_TLS"]:
            server.starttls(context=ssl.create_default_context())
    with server:
        if cfg["MAIL_USERNAME"]:
            server.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        server.send_message(msg)


def _text_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the `attempts`-th failed attempt: base, 2×base, 4×base… capped."""
    cfg = current_app.config
    base = cfg.get("MAIL_RETRY_BASE_SECONDS", 60)
    cap = cfg.get("MAIL_RETRY_MAX_SECONDS", 6 * 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _permanent(exc: Exception) -> bool:
    """A refusal that retrying cannot cure: every recipient refused with a 5xx code."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    return False


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: "DrainResult") -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.errors += other.errors


def claim_due(limit: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Claim up to `limit` due rows for this worker and commit the claim.

    The claim counts the attempt and moves `next_attempt_at` past a lease, so another worker's
    query no longer finds the rows even after this transaction ends. On PostgreSQL, rows being
    claimed by another worker at the same moment are skipped, not waited for."""
    now = now or utcnow()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    messages = list(db.session.scalars(query))
    for message in messages:
        message.attempts = (message.attempts or 0) + 1
        message.next_attempt_at = now + CLAIM_LEASE
    db.session.commit()
    return messages


def _send_one(message: OutboxMessage, result: DrainResult) -> None:
    try:
        deliver(build_message(message))
    except Exception as exc:  # a worker must survive any one bad message (SMTP, network, bad header)
        if not isinstance(exc, OSError | smtplib.SMTPException):
            log.exception("Mail #%s could not be built or sent", message.id)
        now = utcnow()
        error = f"{type(exc).__name__}: {exc}"[:1000]
        message.last_error = error
        max_attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", 10)
        if _permanent(exc) or message.attempts >= max_attempts:
            message.status = "failed"
            result.failed += 1
            log.warning(
                "Mail #%s to %s given up after %s attempt(s): %s",
                message.id,
                message.recipient,
                message.attempts,
                error,
            )
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
            result.retried += 1
            log.warning(
                "Mail #%s to %s not sent (attempt %s), retry at %s: %s",
                message.id,
                message.recipient,
                message.attempts,
                message.next_attempt_at.isoformat(),
                error,
            )
        result.errors.append(f"#{message.id} {message.recipient}: {error}")
    else:
        message.status = "sent"
        message.sent_at = utcnow()
        message.last_error = None
        result.sent += 1
    db.session.commit()


def send_due(
    batch_size: int | None = None, max_batches: int | None = None, stop: Callable[[], bool] = lambda: False
) -> DrainResult:
    """Send every message due now, batch after batch; each message's outcome committed alone.

    `stop()` is asked between messages (SIGTERM): the claimed rest waits for its lease to end."""
    batch_size = batch_size or current_app.config.get("MAIL_BATCH_SIZE", 20)
    result = DrainResult()
    batches = 0
    while (max_batches is None or batches < max_batches) and not stop():
        messages = claim_due(batch_size)
        if not messages:
            break
        batches += 1
        for index, message in enumerate(messages):
            if stop():
                _release(messages[index:])
                return result
            _send_one(message, result)
    return result


def _release(messages: list[OutboxMessage]) -> None:
    """Give claimed, unsent messages back (due now, the claimed attempt not counted)."""
    for message in messages:
        message.attempts = max(0, message.attempts - 1)
        message.next_attempt_at = utcnow()
    db.session.commit()


def purge_sent(days: int) -> int:
    """Delete the sent messages older than `days` days (they hold addresses and links)."""
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.status == "sent", OutboxMessage.sent_at < cutoff)
    )
    return result.rowcount or 0


def outbox_counts(pole_id: int | None = None) -> dict[str, int]:
    """How many messages are pending, sent and failed (for one pole, or all)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if pole_id is not None:
        query = query.where(OutboxMessage.pole_id == pole_id)
    counts = dict.fromkeys(("pending", "sent", "failed"), 0)
    counts.update({status: count for status, count in db.session.execute(query)})
    return counts


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue, due now, with a fresh count of attempts."""
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()


def forget_recipient(email: str) -> int:
    """Delete every queued or sent mail to `email` (anonymisation: they hold the address, and
    often the name, in their body); return how many were deleted."""
    address = (email or "").strip().lower()
    if not address:
        return 0
    result = db.session.execute(delete(OutboxMessage).where(func.lower(OutboxMessage.recipient) == address))
    return result.rowcount or 0


def anonymise_mails(person, pattern) -> int:
    """Anonymisation (registered with app.privacy): delete the mails sent to the person and
    scrub their identity from the other mails of their pole (a partner's orientation mail names
    them); return how many mails were deleted or changed."""
    from app.privacy.services import scrub_text

    count = forget_recipient(person.email) if person.email else 0
    if pattern is None:
        return count
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.pole_id == person.pole_id))
    for message in messages:
        changed = False
        for name in ("subject", "body_text", "body_html"):
            old = getattr(message, name)
            new = scrub_text(old, pattern)
            if new != old:
                setattr(message, name, new)
                changed = True
        count += changed
    return count
