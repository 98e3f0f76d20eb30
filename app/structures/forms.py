"""Structure forms, scoped to the pole (its active thematics)."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.extensions import db
from app.poles.models import Pole, Thematic
from app.structures.models import PROJECT_STAGES, STRUCTURE_KINDS
from app.structures.services import PARTNER_FIELDS, siret_problem

KIND_LABELS = {
    "association": _l("Association"),
    "scop": _l("SCOP"),
    "scic": _l("SCIC"),
    "cae": _l("Coopérative d'activité et d'emploi (CAE)"),
    "collectivite": _l("Collectivité"),
    "entreprise": _l("Entreprise"),
    "reseau": _l("Réseau ou fédération"),
    "autre": _l("Autre"),
}
STAGE_LABELS = {
    "emergence": _l("Émergence"),
    "creation": _l("Création"),
    "consolidation": _l("Consolidation"),
    "changement_echelle": _l("Changement d'échelle"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _with_scheme(value: str | None) -> str | None:
    """'www.asso.fr' -> 'https://www.asso.fr' (people rarely type the scheme)."""
    value = (value or "").strip()
    if value and "://" not in value:
        return "https://" + value
    return value or None


_WEBSITE = re.compile(r"^https?://[^\s/?#.]+(\.[^\s/?#.]+)+(?:[/?#]\S*)?$", re.IGNORECASE)


def _valid_website(form, field):
    if field.data and not _WEBSITE.match(field.data):
        raise ValidationError(_l("Adresse web invalide."))


def _valid_siret(form, field):
    problem = siret_problem(field.data)
    if problem:
        raise ValidationError(problem)


def thematic_choices(pole: Pole, keep_ids=()) -> list[tuple[int, str]]:
    """The pole's active thematics, plus inactive ones already chosen (so they are not lost)."""
    keep = set(keep_ids)
    rows = db.session.scalars(
        select(Thematic).where(Thematic.pole_id == pole.id).order_by(Thematic.position, Thematic.id)
    ).all()
    return [(t.id, t.name) for t in rows if t.active or t.id in keep]


class StructureForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Type de structure"), choices=[(k, KIND_LABELS[k]) for k in STRUCTURE_KINDS])
    siret = StringField(
        _l("SIRET"),
        validators=[Optional(), Length(max=30), _valid_siret],
        description=_l("14 chiffres, espaces acceptés."),
    )
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])
    postal_code = StringField(
        _l("Code postal"),
        validators=[
            Optional(),
            Regexp(r"^\s*\d{2}\s?\d{3}\s*$", message=_l("Le code postal compte 5 chiffres.")),
        ],
    )
    website = URLField(
        _l("Site web"),
        filters=[_with_scheme],
        validators=[
            Optional(),
            Length(max=300),
            _valid_website,
        ],
    )
    is_partner = BooleanField(
        _l("Structure partenaire (apparaît dans l'annuaire)"),
        description=_l("Une ressource d'accompagnement vers laquelle le pôle oriente."),
    )
    thematics = MultiCheckboxField(_l("Thématiques traitées"), coerce=int, validators=[Optional()])
    partner_stages = MultiCheckboxField(
        _l("Étapes du projet accompagnées"),
        choices=[(s, STAGE_LABELS[s]) for s in PROJECT_STAGES],
        validators=[Optional()],
    )
    territory = StringField(
        _l("Territoire couvert"),
        validators=[Optional(), Length(max=300)],
        description=_l("Par exemple : Ille-et-Vilaine, Bretagne, Redon Agglomération."),
    )
    contact_name = StringField(_l("Contact : nom"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(
        _l("Contact : e-mail"),
        validators=[Optional(), Email(message=_l("Adresse e-mail invalide.")), Length(max=254)],
    )
    contact_phone = StringField(_l("Contact : téléphone"), validators=[Optional(), Length(max=40)])
    offer_description = TextAreaField(_l("Offre d'accompagnement"), validators=[Optional(), Length(max=5000)])
    how_to_refer = TextAreaField(
        _l("Comment orienter une personne"), validators=[Optional(), Length(max=5000)]
    )

    def __init__(self, pole: Pole, *args, with_partner_fields: bool = True, keep_thematic_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.has_partner_fields = with_partner_fields
        if with_partner_fields:
            self.thematics.choices = thematic_choices(pole, keep_thematic_ids)
        else:
            for name in (*PARTNER_FIELDS, "thematics"):
                delattr(self, name)

    def data_for_model(self) -> dict:
        data = {
            "name": self.name.data,
            "kind": self.kind.data,
            "siret": self.siret.data,
            "commune": self.commune.data,
            "postal_code": self.postal_code.data,
            "website": self.website.data,
        }
        if self.has_partner_fields:
            data.update(
                is_partner=bool(self.is_partner.data),
                partner_stages=list(self.partner_stages.data or []),
                territory=self.territory.data,
                contact_name=self.contact_name.data,
                contact_email=self.contact_email.data,
                contact_phone=self.contact_phone.data,
                offer_description=self.offer_description.data,
                how_to_refer=self.how_to_refer.data,
            )
        return data

    def thematic_ids(self) -> list[int] | None:
        """The chosen thematics, or None when this form does not edit them."""
        return list(self.thematics.data or []) if self.has_partner_fields else None
