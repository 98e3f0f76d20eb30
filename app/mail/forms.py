"""Mail settings of a pole."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange


class MailSettingsForm(FlaskForm):
    session_reminder_days = IntegerField(
        _l("Rappel des séances aux participant·es, jours avant"),
        validators=[
            InputRequired(_l("Indiquez un nombre de jours (0 pour ne pas envoyer de rappel).")),
            NumberRange(0, 30, _l("Entre 0 et 30 jours.")),
        ],
        description=_l("0 : pas de rappel. Les personnes peuvent se désinscrire depuis le lien du courriel."),
    )
    monthly_report_day = IntegerField(
        _l("Jour du mois de l'envoi du rapport mensuel aux chargé·es de mission"),
        validators=[
            InputRequired(_l("Indiquez un jour du mois (0 pour ne pas envoyer le rapport).")),
            NumberRange(0, 28, _l("Entre 1 et 28 (0 : pas d'envoi).")),
        ],
        description=_l("Le rapport du mois précédent, en PDF, avec le lien vers la page. 0 : pas d'envoi."),
    )
