"""Orientation forms. Each takes its pole (and choices) from the view."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.dates import DateField
from app.referrals.models import DECLINE_REASON_LABELS, DECLINE_REASONS, STATUS_LABELS, STATUSES


def int_or_none(value):
    if value in (None, "", "0", 0):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def decline_reason_choices():
    return [("", _l("— motif du refus —"))] + [(r, DECLINE_REASON_LABELS[r]) for r in DECLINE_REASONS]


class ReferralForm(FlaskForm):
    accompaniment_id = SelectField(_l("Dossier d'accompagnement"), coerce=int_or_none, choices=[])
    person_id = SelectField(_l("ou une personne"), coerce=int_or_none, choices=[])
    collective_id = SelectField(_l("ou un collectif"), coerce=int_or_none, choices=[])
    thematics = SelectMultipleField(
        _l("Thématiques"),
        coerce=int,
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("Les partenaires qui les proposent apparaissent en premier (bouton « Filtrer »)."),
    )
    partner_id = SelectField(
        _l("Structure partenaire"), coerce=int_or_none, choices=[], validators=[DataRequired()]
    )
    reason = TextAreaField(_l("Motif de l'orientation"), validators=[Optional(), Length(max=5000)])
    referred_on = DateField(_l("Date de l'orientation"), validators=[DataRequired()])
    consent_to_share = BooleanField(
        _l("La personne accepte que ses coordonnées (e-mail, téléphone) soient transmises au partenaire")
    )
    follow_up_on = DateField(
        _l("Date de relance"),
        validators=[Optional()],
        description=_l("Laissez vide pour la date par défaut du pôle."),
    )
    send_now = BooleanField(_l("Envoyer maintenant au partenaire (statut « envoyée »)"))


class StatusChangeForm(FlaskForm):
    status = SelectField(_l("Nouveau statut"), choices=[], validators=[DataRequired()])
    changed_on = DateField(
        _l("Date du changement"),
        validators=[DataRequired(message=_l("Indiquez la date du changement."))],
        description=_l("Le jour où c'est réellement arrivé (jamais dans le futur)."),
    )
    decline_reason = SelectField(
        _l("Motif du refus"), choices=decline_reason_choices(), validators=[Optional()]
    )
    outcome = TextAreaField(_l("Résultat de l'orientation"), validators=[Optional(), Length(max=5000)])
    comment = TextAreaField(_l("Commentaire"), validators=[Optional(), Length(max=5000)])

    def set_statuses(self, statuses) -> None:
        self.status.choices = [(s, STATUS_LABELS[s]) for s in statuses]


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Commentaire"), validators=[DataRequired(), Length(max=5000)])


class FollowUpForm(FlaskForm):
    follow_up_on = DateField(_l("Prochaine relance"), validators=[DataRequired()])


class InvitePartnerForm(FlaskForm):
    structure_id = SelectField(
        _l("Structure partenaire"), coerce=int_or_none, choices=[], validators=[DataRequired()]
    )
    full_name = StringField(_l("Nom du ou de la référent·e"), validators=[Length(max=200)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ReferralFilterForm(FlaskForm):
    """The list's filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    month = StringField(_l("Mois"), validators=[Optional()], description=_l("AAAA-MM"))
    partner = SelectField(_l("Partenaire"), coerce=int_or_none, choices=[], validate_choice=False)
    thematic = SelectField(_l("Thématique"), coerce=int_or_none, choices=[], validate_choice=False)
    status = SelectField(
        _l("Statut"),
        choices=[("", _l("Tous"))] + [(s, STATUS_LABELS[s]) for s in STATUSES],
        validate_choice=False,
    )
    advisor = SelectField(_l("Accompagnateur·rice"), coerce=int_or_none, choices=[], validate_choice=False)
