"""Pole administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class ThematicForm(FlaskForm):
    name = StringField(_l("Nom de la thématique"), validators=[DataRequired(), Length(max=120)])
