"""Orientation forms. Each takes its pole (and choices) from the view."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
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
    referent_name = StringField(
        _l("Nom du ou de la référent·e chez le partenaire"), validators=[Length(max=200)]
    )
    referent_email = EmailField(
        _l("E-mail du ou de la référent·e"),
        validators=[Optional(), Email(message=_l("Adresse e-mail invalide.")), Length(max=254)],
        description=_l(
            "Reçoit l'orientation et un lien pour y répondre sans compte. "
            "Laissez vide pour l'e-mail de contact de la structure."
        ),
    )


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
    decline_detail = StringField(_l("Précision (motif « Autre »)"), validators=[Optional(), Length(max=500)])
    outcome = TextAreaField(_l("Résultat de l'orientation"), validators=[Optional(), Length(max=5000)])
    comment = TextAreaField(_l("Commentaire"), validators=[Optional(), Length(max=5000)])

    def set_statuses(self, statuses) -> None:
        self.status.choices = [(s, STATUS_LABELS[s]) for s in statuses]


class AnswerForm(FlaskForm):
    """The referent's answer from the e-mailed link (no account)."""

    status = RadioField(
        _l("Votre réponse"), choices=[], validators=[DataRequired(message=_l("Choisissez une réponse."))]
    )
    decline_reason = SelectField(
        _l("Motif du refus"), choices=decline_reason_choices(), validators=[Optional()]
    )
    decline_detail = StringField(_l("Précision (motif « Autre »)"), validators=[Optional(), Length(max=500)])
    comment = TextAreaField(
        _l("Message pour le pôle (facultatif)"), validators=[Optional(), Length(max=2000)]
    )

    def set_statuses(self, statuses) -> None:
        self.status.choices = [(s, ANSWER_LABELS.get(s, STATUS_LABELS[s])) for s in statuses]


# How the referent's choices read on the answer page.
ANSWER_LABELS = {
    "under_review": _l("À l'étude : nous examinons la demande"),
    "accepted": _l("Prise en charge : nous accompagnons la personne"),
    "declined": _l("Refus : nous ne pouvons pas donner suite"),
    "completed": _l("Réalisée : l'accompagnement a eu lieu"),
    "no_follow_up": _l("Non réalisée : l'accompagnement n'a pas eu lieu"),
}


class ResendForm(FlaskForm):
    referent_name = StringField(_l("Nom du ou de la référent·e"), validators=[Length(max=200)])
    referent_email = EmailField(
        _l("E-mail du ou de la référent·e"),
        validators=[Optional(), Email(message=_l("Adresse e-mail invalide.")), Length(max=254)],
        description=_l("Laissez vide pour l'e-mail de contact de la structure."),
    )


class ScorecardForm(FlaskForm):
    """The scorecard's period, read from the query string."""

    class Meta:
        csrf = False

    start = DateField(_l("Du"), validators=[Optional()])
    end = DateField(_l("Au"), validators=[Optional()])


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


def _days(label, description=None):
    return IntegerField(
        label,
        validators=[
            DataRequired(message=_l("Indiquez un nombre de jours.")),
            NumberRange(min=1, max=365, message=_l("Entre 1 et 365 jours.")),
        ],
        description=description,
    )


class ReferralSettingsForm(FlaskForm):
    """The pole's orientation delays (days after sending)."""

    referral_follow_up_days = _days(
        _l("Relance par l'accompagnateur·rice après"), _l("Date de relance proposée à la création.")
    )
    referral_first_reminder_days = _days(_l("Première relance du partenaire après"))
    referral_second_reminder_days = _days(
        _l("Deuxième relance du partenaire après"), _l("L'accompagnateur·rice est en copie.")
    )
    referral_no_answer_days = _days(
        _l("Sans réponse (orientation expirée) après"), _l("Le lien de réponse reste valable 30 jours.")
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        first = self.referral_first_reminder_days.data
        second = self.referral_second_reminder_days.data
        expiry = self.referral_no_answer_days.data
        if not first < second < expiry:
            self.referral_second_reminder_days.errors.append(
                _l("Les délais doivent se suivre : première relance < deuxième relance < expiration.")
            )
            return False
        return True
