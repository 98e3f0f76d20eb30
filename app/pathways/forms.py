"""Forms for parcours templates and stages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class TemplateForm(FlaskForm):
    name = StringField(_l("Nom du modèle"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class NewTemplateForm(TemplateForm):
    with_default_stages = BooleanField(
        _l("Reprendre les étapes du parcours par défaut (Accueil → Suivi)"), default=True
    )


class StageForm(FlaskForm):
    # Own ids: the template page shows this form next to TemplateForm (same field names), and two
    # elements with id="name" would leave one label pointing at the wrong field (RGAA 8.2, 11.1).
    name = StringField(_l("Nom de l'étape"), validators=[DataRequired(), Length(max=120)], id="stage-name")
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], id="stage-description"
    )
    expected_duration_days = IntegerField(
        _l("Durée prévue (jours)"),
        id="stage-expected_duration_days",
        validators=[
            Optional(),
            NumberRange(min=0, max=3650, message=_l("Indiquez un nombre de jours entre 0 et 3650.")),
        ],
    )
