"""Forms of the privacy pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.auth.models import User


class AuditFilterForm(FlaskForm):
    """Filters of the audit journal (read from the query string, hence no CSRF token)."""

    class Meta:
        csrf = False

    user = SelectField(_l("Utilisateur·rice"), coerce=str, default="", validators=[Optional()])
    action = StringField(
        _l("Action"),
        validators=[Optional()],
        description=_l("Début du code : login, person…"),
    )
    target_type = SelectField(_l("Type d'enregistrement"), coerce=str, default="", validators=[Optional()])
    target_id = IntegerField(
        _l("N° d'enregistrement"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    date_from = DateField(_l("Du"), validators=[Optional()])
    date_to = DateField(_l("Au"), validators=[Optional()])

    def __init__(self, users: list[User], target_types: list[str], **kwargs):
        super().__init__(**kwargs)
        self.user.choices = [("", _l("Toutes et tous"))] + [(str(u.id), u.display_name) for u in users]
        self.target_type.choices = [("", _l("Tous"))] + [(t, t) for t in target_types]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("La date de fin précède la date de début."))
