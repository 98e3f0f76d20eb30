"""Person forms."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from app.core.dates import DateField
from app.people.models import GENDERS

GENDER_LABELS = {"femme": _l("Femme"), "homme": _l("Homme"), "autre": _l("Autre")}

PRIVACY_NOTICE = _l(
    "La personne a été informée que le pôle enregistre ses coordonnées et le suivi de son "
    "accompagnement, pour l'accompagner et rendre compte anonymement aux financeurs ; "
    "qu'elle peut consulter, corriger, exporter ou faire effacer ses données en le demandant "
    "au pôle ; et que ces données sont anonymisées après trois ans sans contact avec le pôle."
)


class PersonForm(FlaskForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=120)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[Optional(), Email(message=_l("Adresse e-mail invalide.")), Length(max=254)],
    )
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=40)])
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])
    postal_code = StringField(
        _l("Code postal"),
        validators=[
            Optional(),
            Regexp(r"^\s*\d{2}\s?\d{3}\s*$", message=_l("Le code postal compte 5 chiffres.")),
        ],
    )
    gender = SelectField(
        _l("Genre"),
        choices=[("", _l("Non renseigné"))] + [(g, GENDER_LABELS[g]) for g in GENDERS],
        validators=[Optional()],
        description=_l("Facultatif : sert uniquement aux statistiques demandées par les financeurs."),
    )
    birth_year = IntegerField(
        _l("Année de naissance"),
        validators=[
            Optional(),
            NumberRange(min=1900, max=date.today().year, message=_l("Année de naissance invalide.")),
        ],
    )
    situation = StringField(
        _l("Situation"),
        validators=[Optional(), Length(max=200)],
        description=_l("Par exemple : salariée, demandeur d'emploi, bénévole associatif…"),
    )
    first_contact_on = DateField(_l("Date du premier contact"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    privacy_notice = BooleanField(_l("Notice d'information remise"), description=PRIVACY_NOTICE)

    def data_for_model(self) -> dict:
        """The model fields this form sets (the privacy notice is handled apart)."""
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "email": self.email.data,
            "phone": self.phone.data,
            "commune": self.commune.data,
            "postal_code": self.postal_code.data,
            "gender": self.gender.data or None,
            "birth_year": self.birth_year.data,
            "situation": self.situation.data,
            "first_contact_on": self.first_contact_on.data,
            "notes": self.notes.data,
        }


class NewPersonForm(PersonForm):
    create_anyway = BooleanField(_l("Créer quand même"))
