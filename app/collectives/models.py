"""Collectives and memberships."""

from datetime import date

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin
from app.extensions import db
from app.people.models import Person
from app.structures.models import Structure

COLLECTIVE_KINDS = ("multi_structures", "habitants", "mixte")
MEMBER_ROLES = ("membre", "referent", "elu", "salarie", "benevole", "habitant")


class Collective(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "collectives"

    name: Mapped[str] = mapped_column(String(200))
    search_text: Mapped[str] = mapped_column(String(600), default="", index=True)
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="mixte")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="collective", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class Membership(IdMixin, PoleScopedMixin, db.Model):
    """A person in a collective, optionally representing a structure."""

    __tablename__ = "memberships"

    collective_id: Mapped[int] = mapped_column(ForeignKey("collectives.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    structure_id: Mapped[int | None] = mapped_column(
        ForeignKey("structures.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(64), default="membre")
    joined_on: Mapped[date | None]
    left_on: Mapped[date | None]

    collective: Mapped[Collective] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship()
    structure: Mapped[Structure | None] = relationship()

    def is_current(self, on: date | None = None) -> bool:
        on = on or date.today()
        return (self.joined_on is None or self.joined_on <= on) and (
            self.left_on is None or self.left_on > on
        )
