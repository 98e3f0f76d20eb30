"""Séances and attendance.

The model is `AccompanimentSession` because `Session` clashes with SQLAlchemy's.
"""

from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin, UTCDateTime
from app.extensions import db
from app.people.models import Person
from app.poles.models import FundingProgramme, Thematic

# Keys are the contract of formats/report-monthly.md (`sessions.by_kind`).
KINDS = ("individual", "workshop", "training", "governance", "permanence", "network")
PUBLISHABLE_KINDS = ("workshop", "training", "network")
# In the order the attendance forms show them: the usual answer first, « invité·e » (not yet
# answered) last.
ATTENDANCE_STATUSES = ("present", "excused", "absent", "invited")

session_advisors = Table(
    "session_advisors",
    db.metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)
session_accompaniments = Table(
    "session_accompaniments",
    db.metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "accompaniment_id",
        ForeignKey("accompaniments.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
session_thematics = Table(
    "session_thematics",
    db.metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("thematic_id", ForeignKey("thematics.id", ondelete="CASCADE"), primary_key=True),
)


class AccompanimentSession(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_pole_starts", "pole_id", "starts_at"),)

    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    place: Mapped[str | None] = mapped_column(String(200))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    funding_programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("funding_programmes.id", ondelete="SET NULL"), index=True
    )
    collective_id: Mapped[int | None] = mapped_column(
        ForeignKey("collectives.id", ondelete="SET NULL"), index=True
    )
    shared_summary: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    private_notes: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int | None] = mapped_column(Integer)
    public_description: Mapped[str | None] = mapped_column(Text)

    funding_programme: Mapped[FundingProgramme | None] = relationship()
    advisors = relationship("User", secondary=session_advisors)
    accompaniments = relationship("Accompaniment", secondary=session_accompaniments)
    thematics: Mapped[list[Thematic]] = relationship(secondary=session_thematics, order_by=Thematic.position)
    attendances: Mapped[list["Attendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Attendance(IdMixin, PoleScopedMixin, db.Model):
    """One person at one séance."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        # The "séances to fill in" lists (home, agenda) read only a pole's `invited` rows.
        Index("ix_attendances_pole_status_session", "pole_id", "status", "session_id"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="invited")
    registered_publicly: Mapped[bool] = mapped_column(Boolean, default=False)

    session: Mapped[AccompanimentSession] = relationship(back_populates="attendances")
    person: Mapped[Person] = relationship()


class PendingRegistration(IdMixin, PoleScopedMixin, db.Model):
    """A public registration waiting for its e-mail to be confirmed (issue 19 point 6).

    Nothing is written to persons or attendances before the person follows the single-use
    link mailed to `email`; unconfirmed rows expire after 48 h and are purged
    (`flask sessions purge-registrations`, and on the fly at each new registration).
    """

    __tablename__ = "pending_registrations"
    __table_args__ = (Index("ix_pending_registrations_session_email", "session_id", "email"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)  # the privacy notice was accepted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))


class CalendarFeed(IdMixin, TimestampMixin, db.Model):
    """A staff user's private iCalendar feed: the secret token in its URL.

    Not pole-scoped: the feed is read without login, by token, before any pole is known.
    Revoking deletes the row; regenerating replaces the token.
    """

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)

    user = relationship("User")
