"""Structures (any organisation) and the partner directory fields."""

from sqlalchemy import JSON, Boolean, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin
from app.extensions import db
from app.poles.models import Thematic

STRUCTURE_KINDS = (
    "association",
    "scop",
    "scic",
    "cae",
    "collectivite",
    "entreprise",
    "reseau",
    "autre",
)
# The "chaîne de l'accompagnement": project stages a partner serves.
PROJECT_STAGES = ("emergence", "creation", "consolidation", "changement_echelle")

structure_thematics = Table(
    "structure_thematics",
    db.metadata,
    Column("structure_id", ForeignKey("structures.id", ondelete="CASCADE"), primary_key=True),
    Column("thematic_id", ForeignKey("thematics.id", ondelete="CASCADE"), primary_key=True),
)


class Structure(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "structures"
    __table_args__ = (UniqueConstraint("pole_id", "siret"),)

    name: Mapped[str] = mapped_column(String(200))
    search_text: Mapped[str] = mapped_column(String(600), default="", index=True)
    kind: Mapped[str] = mapped_column(String(32), default="autre")
    siret: Mapped[str | None] = mapped_column(String(14))
    commune: Mapped[str | None] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    website: Mapped[str | None] = mapped_column(String(300))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    is_partner: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    partner_stages: Mapped[list | None] = mapped_column(JSON)
    territory: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    offer_description: Mapped[str | None] = mapped_column(Text)
    how_to_refer: Mapped[str | None] = mapped_column(Text)

    thematics: Mapped[list[Thematic]] = relationship(
        secondary=structure_thematics, order_by=Thematic.position
    )

    def __str__(self) -> str:
        return self.name
