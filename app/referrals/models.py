"""Referrals (orientations) to partner structures and their status history."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.collectives.models import Collective
from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin, UTCDateTime, utcnow
from app.extensions import db
from app.people.models import Person
from app.poles.models import Thematic
from app.structures.models import Structure

# The first six keys are the contract of formats/report-monthly.md (`referrals.by_status`);
# under_review and expired were added after it (keys may be added, never removed).
STATUSES = (
    "proposed",
    "sent",
    "accepted",
    "completed",
    "declined",
    "no_follow_up",
    "under_review",
    "expired",
)
OPEN_STATUSES = ("proposed", "sent", "under_review", "accepted")
# The partner's answers: a first one of these after "sent" is the answer the figures measure.
ANSWER_STATUSES = ("under_review", "accepted", "declined", "completed")
# Set only by the daily command, never from a form.
SYSTEM_STATUSES = ("expired",)

# The workflow, in one place. TRANSITIONS: what the pole's staff may record (an answer given
# by phone included); PARTNER_TRANSITIONS: what the partner may answer, from its account or
# from the e-mailed link — the same service checks both.
TRANSITIONS = {
    "proposed": ("sent", "no_follow_up"),
    "sent": ("under_review", "accepted", "declined", "no_follow_up", "expired"),
    "under_review": ("accepted", "declined", "no_follow_up"),
    "accepted": ("completed", "declined", "no_follow_up"),
    # A late answer after expiry is still recorded (the expiry stays in the history).
    "expired": ("under_review", "accepted", "declined", "no_follow_up"),
    "completed": (),
    "declined": (),
    "no_follow_up": (),
}
PARTNER_TRANSITIONS = {
    "sent": ("under_review", "accepted", "declined"),
    "under_review": ("accepted", "declined"),
    "accepted": ("completed", "no_follow_up"),
    "expired": ("under_review", "accepted", "declined"),
}
assert all(set(v) <= set(TRANSITIONS[k]) for k, v in PARTNER_TRANSITIONS.items())

DECLINE_REASONS = (
    "out_of_scope",
    "not_eligible",
    "already_supported",
    "unreachable",
    "no_capacity",
    "other",
)
# "other" needs a précision (Referral.decline_detail).
DECLINE_REASON_NEEDS_DETAIL = ("other",)

STATUS_LABELS = {
    "proposed": _l("Proposée"),
    "sent": _l("Envoyée"),
    "under_review": _l("À l'étude"),
    "accepted": _l("Prise en charge"),
    "completed": _l("Réalisée"),
    "declined": _l("Refusée"),
    "no_follow_up": _l("Sans suite"),
    "expired": _l("Sans réponse"),
}
DECLINE_REASON_LABELS = {
    "out_of_scope": _l("Hors de notre champ"),
    "not_eligible": _l("Public non éligible"),
    "already_supported": _l("Déjà accompagné"),
    "unreachable": _l("Injoignable"),
    "no_capacity": _l("Capacité atteinte"),
    "other": _l("Autre"),
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
    decline_detail: Mapped[str | None] = mapped_column(Text)
    # Who at the partner receives the orientation and its answer link; empty: the
    # structure's contact e-mail (Structure.contact_email).
    referent_name: Mapped[str | None] = mapped_column(String(200))
    referent_email: Mapped[str | None] = mapped_column(String(254))

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
    reminders: Mapped[list["ReferralReminder"]] = relationship(
        order_by="ReferralReminder.number", cascade="all, delete-orphan"
    )

    @property
    def referent_address(self) -> str | None:
        """Where the orientation and its answer link go: the referent chosen, else the
        partner's contact e-mail."""
        chosen = (self.referent_email or "").strip()
        if chosen:
            return chosen.lower()
        contact = (self.partner.contact_email or "").strip() if self.partner is not None else ""
        return contact.lower() or None

    @property
    def referent_label(self) -> str:
        name = (self.referent_name or "").strip()
        if not name and not (self.referent_email or "").strip() and self.partner is not None:
            name = (self.partner.contact_name or "").strip()
        return name or (self.referent_address or "")

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
    # Who answered when it was not a user: « Jeanne Martin (lien e-mail) »; kept as text
    # so the history still says it after the link is gone.
    answered_by: Mapped[str | None] = mapped_column(String(300))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="history")
    by = relationship("User")


class ReferralReminder(IdMixin, PoleScopedMixin, db.Model):
    """A reminder e-mailed to the partner about an unanswered orientation (1st: day 7, 2nd:
    day 21 by default). One row per (referral, number): the daily command never sends twice."""

    __tablename__ = "referral_reminders"
    __table_args__ = (UniqueConstraint("referral_id", "number"),)

    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sent_on: Mapped[date]
    recipients: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
