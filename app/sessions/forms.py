"""Séance, funding programme, calendar and public registration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from app.core.dates import DateField
from app.poles.models import Pole
from app.sessions import services
from app.sessions.models import KINDS, PUBLISHABLE_KINDS

KIND_LABELS = {
    "individual": _l("Rendez-vous individuel"),
    "workshop": _l("Atelier collectif"),
    "training": _l("Formation"),
    "governance": _l("Instance de gouvernance"),
    "permanence": _l("Permanence"),
    "network": _l("Événement réseau"),
}
STATUS_LABELS = {
    "invited": _l("Invité·e"),
    "present": _l("Présent·e"),
    "excused": _l("Excusé·e"),
    "absent": _l("Absent·e"),
}


def _coerce_optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class SessionForm(FlaskForm):
    kind = SelectField(_l("Type de séance"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Indiquez une date valide."))])
    start_time = TimeField(
        _l("Heure de début"), validators=[InputRequired(message=_l("Indiquez une heure valide."))]
    )
    duration_minutes = IntegerField(
        _l("Durée (minutes)"),
        default=60,
        validators=[InputRequired(), NumberRange(min=5, max=24 * 60, message=_l("Entre 5 et 1440 minutes."))],
    )
    place = StringField(_l("Lieu"), validators=[Optional(), Length(max=200)])
    remote = BooleanField(_l("À distance"))
    advisors = SelectMultipleField(_l("Accompagnateur·rices"), coerce=int)
    accompaniments = SelectMultipleField(
        _l("Dossiers concernés"),
        coerce=int,
        description=_l("Cochez-les puis « Préremplir les participants » pour ajouter leurs bénéficiaires."),
    )
    thematics = SelectMultipleField(_l("Thématiques"), coerce=int)
    funding_programme_id = SelectField(_l("Programme de financement"), coerce=_coerce_optional_int)
    shared_summary = TextAreaField(
        _l("Compte rendu partagé"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Visible des bénéficiaires concerné·es."),
    )
    next_steps = TextAreaField(_l("Prochaines étapes"), validators=[Optional(), Length(max=20000)])
    private_notes = TextAreaField(
        _l("Notes internes"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Réservées à l'équipe du pôle."),
    )
    is_public = BooleanField(_l("Publier sur l'agenda public du pôle (inscriptions ouvertes)"))
    capacity = IntegerField(
        _l("Nombre de places"),
        validators=[Optional(), NumberRange(min=1, max=10000, message=_l("Au moins une place."))],
    )
    public_description = TextAreaField(_l("Présentation publique"), validators=[Optional(), Length(max=5000)])

    def __init__(
        self,
        pole: Pole,
        *args,
        linked_accompaniment_ids=None,
        linked_thematic_ids=None,
        linked_programme_id=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.pole = pole
        self.advisors.choices = [(u.id, u.display_name) for u in services.staff_users(pole)]
        self.accompaniments.choices = [
            (a.id, a.label)
            for a in services.active_accompaniments(pole, linked_accompaniment_ids)
        ]
        self.thematics.choices = [(t.id, t.name) for t in services.pole_thematics(pole, linked_thematic_ids)]
        self.funding_programme_id.choices = [(None, _l("— Aucun —"))] + [
            (p.id, p.name)
            for p in services.funding_programmes(pole, only_active=True, include_id=linked_programme_id)
        ]

    def validate_is_public(self, field):
        if field.data and self.kind.data not in PUBLISHABLE_KINDS:
            raise ValidationError(
                _l("Seuls les ateliers collectifs, formations et événements réseau peuvent être publiés.")
            )

    def scalar_data(self) -> dict:
        return {
            "kind": self.kind.data,
            "title": self.title.data.strip(),
            "starts_at": services.local_to_utc(self.pole, self.day.data, self.start_time.data),
            "duration_minutes": self.duration_minutes.data,
            "place": (self.place.data or "").strip() or None,
            "remote": bool(self.remote.data),
            "funding_programme_id": self.funding_programme_id.data,
            "shared_summary": self.shared_summary.data or None,
            "next_steps": self.next_steps.data or None,
            "private_notes": self.private_notes.data or None,
            "is_public": bool(self.is_public.data),
            "capacity": self.capacity.data,
            "public_description": self.public_description.data or None,
        }


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Nom du programme"), validators=[DataRequired(), Length(max=200)])


class PublicRegistrationForm(FlaskForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=120)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    # Honeypot: hidden by CSS, labelled « ne pas remplir » for screen readers; scripts fill it.
    # No length limit: whatever a script writes there gets the same answer as everyone.
    website = StringField(_l("Ne pas remplir ce champ"), validators=[Optional()])
    privacy = BooleanField(
        _l("J'ai lu la notice d'information sur mes données personnelles et j'accepte leur traitement."),
        validators=[
            DataRequired(message=_l("Vous devez accepter la notice d'information pour vous inscrire."))
        ],
    )


class ConfirmRegistrationForm(FlaskForm):
    """The button of the confirmation page (the CSRF token is its only field)."""
