"""Forms of the privacy pages."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.auth.models import User
from app.core.dates import DateField
from app.privacy.models import REQUEST_KIND_LABELS


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


class AnonymiseForm(FlaskForm):
    """Confirmation of an irreversible anonymisation."""

    confirm = BooleanField(
        _l("J'ai compris que l'anonymisation est définitive et ne peut pas être annulée."),
        validators=[DataRequired(_l("Cochez la case pour confirmer."))],
    )


class PrivacyRequestForm(FlaskForm):
    """A request received from a person (register of RGPD requests)."""

    kind = SelectField(
        _l("Type de demande"),
        choices=[(k, v) for k, v in REQUEST_KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    received_on = DateField(_l("Reçue le"), validators=[DataRequired(_l("Indiquez la date de réception."))])
    notes = TextAreaField(
        _l("Notes"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Canal, pièces reçues, réponse apportée… Pas de donnée de santé."),
    )

    def validate_received_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("La date de réception ne peut pas être dans le futur."))


class HandleRequestForm(FlaskForm):
    """Marking a request as answered."""

    handled_on = DateField(_l("Traitée le"), validators=[DataRequired(_l("Indiquez la date de traitement."))])
    notes = TextAreaField(_l("Réponse apportée (facultatif)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, received_on: date, **kwargs):
        super().__init__(**kwargs)
        self.received_on = received_on

    def validate_handled_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("La date de traitement ne peut pas être dans le futur."))
        if field.data and field.data < self.received_on:
            raise ValidationError(_l("La date de traitement précède la date de réception."))
