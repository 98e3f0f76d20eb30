"""Satisfaction answers and skills self-assessments (auto-positionnement)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, PoleScopedMixin, UTCDateTime, utcnow
from app.extensions import db

ROUNDS = ("start", "midway", "end")


class SatisfactionResponse(IdMixin, PoleScopedMixin, db.Model):
    """A 1–5 score about a séance or a whole dossier, given once per person."""

    __tablename__ = "satisfaction_responses"
    __table_args__ = (
        UniqueConstraint("person_id", "session_id"),
        UniqueConstraint("person_id", "accompaniment_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    accompaniment_id: Mapped[int | None] = mapped_column(
        ForeignKey("accompaniments.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SkillAssessment(IdMixin, PoleScopedMixin, db.Model):
    """A self-rated level 1–4 on one thematic, at one round of a dossier."""

    __tablename__ = "skill_assessments"
    __table_args__ = (
        UniqueConstraint("accompaniment_id", "person_id", "thematic_id", "round"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
    )

    accompaniment_id: Mapped[int] = mapped_column(
        ForeignKey("accompaniments.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    thematic_id: Mapped[int] = mapped_column(ForeignKey("thematics.id", ondelete="CASCADE"))
    round: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SkillRound(IdMixin, PoleScopedMixin, db.Model):
    """A self-assessment round an advisor opened on a dossier ("start" is always open)."""

    __tablename__ = "skill_rounds"
    __table_args__ = (UniqueConstraint("accompaniment_id", "round"),)

    accompaniment_id: Mapped[int] = mapped_column(
        ForeignKey("accompaniments.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[str] = mapped_column(String(16))
    opened_on: Mapped[date]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opened_by = relationship("User")
