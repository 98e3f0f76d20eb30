"""Pole administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length


class ThematicForm(FlaskForm):
    name = StringField(_l("Nom de la thématique"), validators=[DataRequired(), Length(max=120)])


class PoleSecurityForm(FlaskForm):
    mfa_required_for_staff = BooleanField(
        _l("Exiger la double authentification pour toute l'équipe (administration et accompagnement)"),
        description=_l(
            "Elle est toujours exigée pour les chargé·es de mission. Les porteurs de projet et les "
            "partenaires peuvent l'activer s'ils le souhaitent."
        ),
    )
