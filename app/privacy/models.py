"""The register of RGPD requests received from persons (access, rectification, erasure, opposition)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin
from app.extensions import db
from app.people.models import Person

REQUEST_KINDS = ("access", "rectification", "erasure", "opposition")
REQUEST_KIND_LABELS = {
    "access": _l("Accès (et portabilité)"),
    "rectification": _l("Rectification"),
    "erasure": _l("Effacement"),
    "opposition": _l("Opposition"),
}


class PrivacyRequest(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    """A request by a person exercising a right; answered within one month of receipt."""

    __tablename__ = "privacy_requests"
    __table_args__ = (Index("ix_privacy_requests_pole_received", "pole_id", "received_on"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    received_on: Mapped[date]
    handled_on: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship()
    handled_by = relationship("User", foreign_keys=[handled_by_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def kind_label(self) -> str:
        return str(REQUEST_KIND_LABELS.get(self.kind, self.kind))

    @property
    def is_open(self) -> bool:
        return self.handled_on is None
