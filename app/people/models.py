"""Person: an individual, porteur·euse de projet or member of a collective."""

from datetime import date, datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin, UTCDateTime
from app.extensions import db

GENDERS = ("femme", "homme", "autre")


class Person(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("pole_id", "email"),
        Index("ix_persons_pole_names", "pole_id", "last_name", "first_name"),
    )

    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    # Accent- and case-folded "last first email commune", for search on both databases.
    search_text: Mapped[str] = mapped_column(String(600), default="", index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    commune: Mapped[str | None] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(16))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    situation: Mapped[str | None] = mapped_column(String(200))
    first_contact_on: Mapped[date | None]
    privacy_notice_given_on: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.full_name
