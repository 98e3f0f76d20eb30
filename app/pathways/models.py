"""Parcours templates and their ordered stages."""

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin
from app.extensions import db

DEFAULT_STAGES = (
    ("Accueil", "Premier rendez-vous : comprendre le projet et la demande."),
    ("Diagnostic partagé", "Faire le point ensemble sur le projet, ses forces et ses besoins."),
    ("Émergence", "Préciser l'idée, le besoin du territoire et les premiers partenaires."),
    ("Structuration", "Gouvernance, modèle économique, forme juridique, financements."),
    ("Lancement", "Création de la structure et démarrage de l'activité."),
    ("Suivi", "Suivi après le lancement et consolidation."),
)


class PathwayTemplate(IdMixin, PoleScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "pathway_templates"

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    stages: Mapped[list["Stage"]] = relationship(
        back_populates="template", order_by="Stage.position", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class Stage(IdMixin, PoleScopedMixin, db.Model):
    __tablename__ = "stages"

    template_id: Mapped[int] = mapped_column(
        ForeignKey("pathway_templates.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    expected_duration_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    template: Mapped[PathwayTemplate] = relationship(back_populates="stages")

    def __str__(self) -> str:
        return self.name
