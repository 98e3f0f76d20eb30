"""Accompaniment dossiers, their stage transitions and status changes."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.collectives.models import Collective
from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin, UTCDateTime, utcnow
from app.extensions import db
from app.pathways.models import PathwayTemplate, Stage
from app.people.models import Person
from app.poles.models import FundingProgramme, Thematic

STATUSES = ("active", "suspended", "closed", "abandoned")
MODALITIES = ("formation_complete", "accompagnateur_referent", "aide_ponctuelle")
LEGAL_FORMS = ("association", "scop", "scic", "cae", "sas_ess", "autre")

accompaniment_thematics = Table(
    "accompaniment_thematics",
    db.metadata,
    Column("accompaniment_id", ForeignKey("accompaniments.id", ondelete="CASCADE"), primary_key=True),
    Column("thematic_id", ForeignKey("thematics.id", ondelete="CASCADE"), primary_key=True),
)


class Accompaniment(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "accompaniments"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (collective_id IS NULL)", name="one_beneficiary"),
        Index("ix_accompaniments_pole_status", "pole_id", "status"),
    )

    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="RESTRICT"), index=True)
    collective_id: Mapped[int | None] = mapped_column(
        ForeignKey("collectives.id", ondelete="RESTRICT"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(String(120))
    intended_legal_form: Mapped[str | None] = mapped_column(String(32))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("pathway_templates.id", ondelete="RESTRICT"), index=True
    )
    current_stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("stages.id", ondelete="RESTRICT"), index=True
    )
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    funding_programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("funding_programmes.id", ondelete="SET NULL"), index=True
    )
    modality: Mapped[str | None] = mapped_column(String(32))
    objectives: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))
    end_review: Mapped[str | None] = mapped_column(Text)
    financing_obtained: Mapped[bool] = mapped_column(Boolean, default=False)
    financing_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    person: Mapped[Person | None] = relationship()
    collective: Mapped[Collective | None] = relationship()
    template: Mapped[PathwayTemplate | None] = relationship()
    current_stage: Mapped[Stage | None] = relationship()
    referent = relationship("User", foreign_keys=[referent_id])
    funding_programme: Mapped[FundingProgramme | None] = relationship()
    thematics: Mapped[list[Thematic]] = relationship(
        secondary=accompaniment_thematics, order_by=Thematic.position
    )

    @property
    def beneficiary_label(self) -> str:
        if self.person is not None:
            return self.person.full_name
        return self.collective.name if self.collective is not None else ""

    @property
    def label(self) -> str:
        """The one way a dossier is named in lists and choices: « Projet — Personne ou collectif —
        n° 15 ». The number keeps two dossiers of the same person and title apart."""
        return f"{self.title} — {self.beneficiary_label} — n° {self.id}"

    @property
    def is_collective(self) -> bool:
        return self.collective_id is not None


class StageTransition(IdMixin, PoleScopedMixin, db.Model):
    __tablename__ = "stage_transitions"

    accompaniment_id: Mapped[int] = mapped_column(
        ForeignKey("accompaniments.id", ondelete="CASCADE"), index=True
    )
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="RESTRICT"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id", ondelete="RESTRICT"))
    transitioned_on: Mapped[date]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage] = relationship(foreign_keys=[to_stage_id])
    by = relationship("User")


class AccompanimentStatusChange(IdMixin, PoleScopedMixin, db.Model):
    """Every status change of a dossier (opening, suspension, closing, reopening)."""

    __tablename__ = "accompaniment_status_changes"

    accompaniment_id: Mapped[int] = mapped_column(
        ForeignKey("accompaniments.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    changed_on: Mapped[date]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by = relationship("User")
