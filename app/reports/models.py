"""Precomputed monthly figures: a cache of per-month aggregates, kept correct under edits.

Reports over long periods (funder indicators over 12 months, the regional year to date) add
up per-month figures instead of re-reading every attendance of the period. Each row belongs
to a (pole, month) — the month in the pole's time zone, 'YYYY-MM' — and is only used while
that month's state says it was computed at the current version (see app.reports.figures).

Not pole-scoped models: reports name their pole explicitly and run with `all_poles`. No
foreign key but the pole's: the rows are derived data, rebuilt whenever they are stale.
"""

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

# The state row holding a pole's epoch: changes that touch every month (a membership's
# dates, a dossier's collective…) bump it, which makes all the pole's months stale.
POLE_WIDE = "*"


class MonthlyFigureState(db.Model):
    """Freshness of one (pole, month): writers bump `version`; the figures are current when
    `computed_version == version` and `computed_epoch` equals the pole's epoch row."""

    __tablename__ = "monthly_figure_states"

    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    computed_version: Mapped[int | None] = mapped_column(Integer)
    computed_epoch: Mapped[int | None] = mapped_column(Integer)


class MonthlySessionFigures(db.Model):
    """Séances of one kind held in the month, their minutes and attendance records by status."""

    __tablename__ = "monthly_session_figures"

    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[int] = mapped_column(Integer, default=0)
    excused: Mapped[int] = mapped_column(Integer, default=0)
    absent: Mapped[int] = mapped_column(Integer, default=0)


class MonthlyParticipant(db.Model):
    """A person present at one séance of the pole or more during the month."""

    __tablename__ = "monthly_participants"

    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class MonthlyMemberFigures(db.Model):
    """For one membership: the collective's séances of the month held while a member
    (`eligible`), and those attended (`attended`) — the regularity, month by month."""

    __tablename__ = "monthly_member_figures"

    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collective_id: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer, default=0)
    attended: Mapped[int] = mapped_column(Integer, default=0)
