"""Referrals (orientations) to partner structures and their status history."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.collectives.models import Collective
from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin, UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Person
from app.poles.models import Thematic
from app.structures.models import Structure

# Keys are the contract of formats/report-monthly.md (`referrals.by_status`).
STATUSES = ("proposed", "sent", "accepted", "completed", "declined", "no_follow_up")
OPEN_STATUSES = ("proposed", "sent", "accepted")
TRANSITIONS = {
    "proposed": ("sent", "no_follow_up"),
    "sent": ("accepted", "declined", "no_follow_up"),
    "accepted": ("completed", "declined", "no_follow_up"),
    "completed": (),
    "declined": (),
    "no_follow_up": (),
}
DECLINE_REASONS = (
    "hors_perimetre",
    "projet_pas_mur",
    "pas_de_disponibilite",
    "beneficiaire_injoignable",
    "autre",
)

STATUS_LABELS = {
    "proposed": _l("Proposée"),
    "sent": _l("Envoyée"),
    "accepted": _l("Acceptée"),
    "completed": _l("Réalisée"),
    "declined": _l("Refusée"),
    "no_follow_up": _l("Sans suite"),
}
DECLINE_REASON_LABELS = {
    "hors_perimetre": _l("Hors du périmètre de la structure"),
    "projet_pas_mur": _l("Projet pas encore assez mûr"),
    "pas_de_disponibilite": _l("Pas de disponibilité"),
    "beneficiaire_injoignable": _l("Bénéficiaire injoignable"),
    "autre": _l("Autre motif"),
}

referral_thematics = Table(
    "referral_thematics",
    db.metadata,
    Column("referral_id", ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True),
    Column("thematic_id", ForeignKey("thematics.id", ondelete="CASCADE"), primary_key=True),
)


class Referral(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_pole_referred", "pole_id", "referred_on"),
        Index("ix_referrals_pole_status", "pole_id", "status"),
    )

    accompaniment_id: Mapped[int | None] = mapped_column(
        ForeignKey("accompaniments.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="RESTRICT"), index=True)
    collective_id: Mapped[int | None] = mapped_column(
        ForeignKey("collectives.id", ondelete="RESTRICT"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    referred_on: Mapped[date]
    referred_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    consent_to_share: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    follow_up_on: Mapped[date | None]
    sent_on: Mapped[date | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(String(32))

    partner: Mapped[Structure] = relationship()
    person: Mapped[Person | None] = relationship()
    collective: Mapped[Collective | None] = relationship()
    accompaniment = relationship("Accompaniment")
    referred_by = relationship("User", foreign_keys=[referred_by_id])
    thematics: Mapped[list[Thematic]] = relationship(secondary=referral_thematics, order_by=Thematic.position)
    history: Mapped[list["ReferralStatusChange"]] = relationship(
        back_populates="referral",
        order_by="(ReferralStatusChange.changed_on, ReferralStatusChange.id)",
        cascade="all, delete-orphan",
    )

    @property
    def beneficiary_label(self) -> str:
        if self.person is not None:
            return self.person.full_name
        return self.collective.name if self.collective is not None else ""


class ReferralStatusChange(IdMixin, PoleScopedMixin, db.Model):
    """One entry of a referral's history. An entry whose status equals the previous entry's
    status is a comment (the status did not change)."""

    __tablename__ = "referral_status_changes"
    __table_args__ = (Index("ix_referral_changes_referral_on", "referral_id", "changed_on"),)

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    changed_on: Mapped[date] = mapped_column(index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="history")
    by = relationship("User")
