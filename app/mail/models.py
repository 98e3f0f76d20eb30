"""The outbox and the records of what was sent once (séance reminders, monthly e-mails)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, PoleScopedMixin, UTCDateTime, utcnow
from app.extensions import db

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(IdMixin, db.Model):
    """One e-mail, written in the transaction that causes it and sent later by `flask mail send`.

    Not pole-scoped: the worker reads every pole's rows; `pole_id` says whose it is (None for
    mails that belong to no pole, e.g. a regional coordinator's password reset)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    pole_id: Mapped[int | None] = mapped_column(ForeignKey("poles.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="other")
    recipient: Mapped[str] = mapped_column(String(254))
    cc: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list["OutboxAttachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )


class OutboxAttachment(IdMixin, db.Model):
    __tablename__ = "outbox_attachments"

    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")


class SessionReminder(IdMixin, PoleScopedMixin, db.Model):
    """The calendar invitation a participant was sent for a séance, so each goes once.

    It keeps what the invitation said (start, place, title) to notice a moved séance, and the
    iCalendar SEQUENCE last sent. `session_id` becomes NULL when the séance is deleted: the
    next run then sends the cancellation from what is kept here. The address is not kept (it
    is read from the person at each sending): nothing personal stays here."""

    __tablename__ = "session_reminders"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        # The daily run reads a pole's reminders of the last weeks and to come.
        Index("ix_session_reminders_pole_starts", "pole_id", "starts_at"),
    )

    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    uid: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    first_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session = relationship("AccompanimentSession")
    person = relationship("Person")


class ReminderOptOut(IdMixin, PoleScopedMixin, db.Model):
    """A person who asked, from the link in a reminder, not to receive séance reminders."""

    __tablename__ = "reminder_opt_outs"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), unique=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonthlyMailing(IdMixin, PoleScopedMixin, db.Model):
    """A monthly e-mail sent for one pole and month (`kind`: admin_report, partner_digest…)."""

    __tablename__ = "monthly_mailings"
    __table_args__ = (UniqueConstraint("pole_id", "kind", "month", "recipient_key"),)

    kind: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))
    # Whom it went to: "" for the whole pole's admins, a structure id for a partner's digest.
    recipient_key: Mapped[str] = mapped_column(String(40), default="")
    sent_on: Mapped[date]
    messages: Mapped[int] = mapped_column(Integer, default=0)
