"""Request (sollicitation): a first contact asking for the accompaniment offer."""

from datetime import date

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.collectives.models import Collective
from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin
from app.extensions import db
from app.people.models import Person
from app.poles.models import Thematic
from app.structures.models import Structure

# Keys are the contract of formats/report-monthly.md (`requests.by_channel`).
CHANNELS = ("permanence", "phone", "email", "prescriber", "event", "other")
OUTCOMES = ("pending", "accompaniment", "oriented", "no_follow_up")

request_thematics = Table(
    "request_thematics",
    db.metadata,
    Column("request_id", ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
    Column("thematic_id", ForeignKey("thematics.id", ondelete="CASCADE"), primary_key=True),
)


class Request(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_pole_received", "pole_id", "received_on"),)

    received_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(32))
    prescriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("structures.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    collective_id: Mapped[int | None] = mapped_column(
        ForeignKey("collectives.id", ondelete="SET NULL"), index=True
    )
    contact_text: Mapped[str | None] = mapped_column(String(300))
    need: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32), default="pending", index=True)
    outcome_on: Mapped[date | None]
    received_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    prescriber: Mapped[Structure | None] = relationship()
    person: Mapped[Person | None] = relationship()
    collective: Mapped[Collective | None] = relationship()
    thematics: Mapped[list[Thematic]] = relationship(secondary=request_thematics, order_by=Thematic.position)

    @property
    def contact_label(self) -> str:
        if self.person is not None:
            return self.person.full_name
        if self.collective is not None:
            return self.collective.name
        return self.contact_text or ""
