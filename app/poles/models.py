"""The pole (tenant) and its per-pole reference lists."""

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import IdMixin, PoleScopedMixin, TimestampMixin
from app.extensions import db

DEFAULT_THEMATICS = (
    "Gouvernance partagée",
    "Cadre juridique",
    "Montage financier",
    "Modèle économique",
    "Ressources humaines et bénévolat",
    "Communication",
    "Coopération territoriale",
)


class Pole(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "poles"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # Per-pole settings (days); later issues read them.
    stalled_after_days: Mapped[int] = mapped_column(Integer, default=45)
    request_pending_alert_days: Mapped[int] = mapped_column(Integer, default=15)
    referral_follow_up_days: Mapped[int] = mapped_column(Integer, default=10)
    referral_no_answer_days: Mapped[int] = mapped_column(Integer, default=30)
    # Days after sending when the partner is reminded (the advisor copied on the second);
    # after referral_no_answer_days without an answer the orientation expires.
    referral_first_reminder_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    referral_second_reminder_days: Mapped[int] = mapped_column(Integer, default=21, server_default="21")
    mfa_required_for_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # E-mails (app/mail): séance reminders this many days before (0: none); the previous
    # month's report to the admins on this day of the month (0: none).
    session_reminder_days: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    monthly_report_day: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    def __repr__(self) -> str:
        return f"<Pole {self.slug}>"


class Thematic(IdMixin, PoleScopedMixin, db.Model):
    __tablename__ = "thematics"
    __table_args__ = (UniqueConstraint("pole_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name


class FundingProgramme(IdMixin, PoleScopedMixin, db.Model):
    """Who pays for an action (Région, FSE+, agglomération…); reports filter on it."""

    __tablename__ = "funding_programmes"
    __table_args__ = (UniqueConstraint("pole_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name
