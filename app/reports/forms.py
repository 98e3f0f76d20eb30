"""Report filter forms (GET forms: no CSRF token, choices scoped to the pole)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from app.auth.models import User
from app.core.permissions import STAFF
from app.extensions import db
from app.pathways.models import Stage
from app.poles.models import FundingProgramme, Pole


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


def programme_choices(pole: Pole) -> list[tuple[str, str]]:
    programmes = db.session.scalars(
        select(FundingProgramme).where(FundingProgramme.pole_id == pole.id).order_by(FundingProgramme.name)
    )
    return [("", str(_l("Tous les programmes")))] + [(str(p.id), p.name) for p in programmes]


def advisor_choices(pole: Pole) -> list[tuple[str, str]]:
    users = db.session.scalars(
        select(User).where(User.pole_id == pole.id, User.role.in_(STAFF)).order_by(User.full_name, User.email)
    )
    return [("", str(_l("Toute l'équipe")))] + [(str(u.id), u.display_name) for u in users]


class MonthlyForm(_GetForm):
    month = StringField(
        _l("Mois"),
        validators=[Optional()],
        render_kw={"type": "month", "placeholder": "AAAA-MM"},
        description=_l("Format AAAA-MM, par exemple 2026-10."),
    )
    programme = SelectField(_l("Programme de financement"), validators=[Optional()])
    advisor = SelectField(_l("Accompagnateur·rice"), validators=[Optional()])

    def __init__(self, pole: Pole, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme.choices = programme_choices(pole)
        self.advisor.choices = advisor_choices(pole)


class IndicatorsForm(_GetForm):
    start = StringField(_l("Du"), validators=[Optional()], render_kw={"type": "date"})
    end = StringField(_l("Au"), validators=[Optional()], render_kw={"type": "date"})
    stage = SelectField(_l("Étape qui marque un projet structuré"), validators=[Optional()])
    programme = SelectField(_l("Programme de financement"), validators=[Optional()])
    advisor = SelectField(_l("Accompagnateur·rice"), validators=[Optional()])

    def __init__(self, pole: Pole, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme.choices = programme_choices(pole)
        self.advisor.choices = advisor_choices(pole)
        stages = db.session.scalars(
            select(Stage)
            .where(Stage.pole_id == pole.id, Stage.active.is_(True))
            .order_by(Stage.position, Stage.name)
        )
        self.stage.choices = [("", str(_l("Choisir une étape")))] + [(str(s.id), s.name) for s in stages]


class RegionalForm(_GetForm):
    month = StringField(
        _l("Mois"),
        validators=[Optional()],
        render_kw={"type": "month", "placeholder": "AAAA-MM"},
        description=_l("Format AAAA-MM, par exemple 2026-10."),
    )
