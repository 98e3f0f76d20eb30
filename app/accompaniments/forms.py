"""Dossier forms: the dossier itself, a stage move, a status change."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.accompaniments.models import LEGAL_FORMS, MODALITIES, STATUSES
from app.accompaniments.services import local_today
from app.auth.models import User
from app.core.dates import DateField
from app.core.permissions import STAFF
from app.extensions import db
from app.pathways.models import PathwayTemplate
from app.poles.models import FundingProgramme, Pole
from app.requests.forms import (
    MultiCheckboxField,
    NewPersonFields,
    collective_choices,
    get_collective,
    get_person,
    load_thematics,
    optional_int,
    person_choices,
    thematic_choices,
)

LEGAL_FORM_LABELS = {
    "association": _l("Association"),
    "scop": _l("SCOP"),
    "scic": _l("SCIC"),
    "cae": _l("CAE (coopérative d'activité et d'emploi)"),
    "sas_ess": _l("SAS de l'ESS"),
    "autre": _l("Autre"),
}
MODALITY_LABELS = {
    "formation_complete": _l("Formation complète"),
    "accompagnateur_referent": _l("Accompagnateur·rice référent·e"),
    "aide_ponctuelle": _l("Aide ponctuelle"),
}
STATUS_LABELS = {
    "active": _l("Actif"),
    "suspended": _l("Suspendu"),
    "closed": _l("Clos"),
    "abandoned": _l("Abandonné"),
}
assert set(LEGAL_FORM_LABELS) == set(LEGAL_FORMS) and set(MODALITY_LABELS) == set(MODALITIES)
assert set(STATUS_LABELS) == set(STATUSES)


def staff_users(pole: Pole) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.pole_id == pole.id, User.role.in_(STAFF), User.active.is_(True))
            .order_by(User.full_name, User.email)
        )
    )


class DossierFieldsForm(FlaskForm):
    """The dossier's own fields (the beneficiary is chosen by the subclasses)."""

    title = StringField(
        _l("Titre du projet"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Facultatif : sans titre, le dossier s'appelle « parcours — dossier n° ». "
            "N'y mettez pas le nom de la personne."
        ),
    )
    summary = TextAreaField(_l("Résumé du projet"), validators=[Optional(), Length(max=10000)])
    sector = StringField(_l("Secteur d'activité"), validators=[Optional(), Length(max=120)])
    intended_legal_form = SelectField(
        _l("Forme juridique envisagée"),
        choices=[("", _l("— à définir —"))] + list(LEGAL_FORM_LABELS.items()),
        validators=[Optional()],
    )
    template_id = SelectField(_l("Modèle de parcours"), coerce=optional_int)
    referent_id = SelectField(_l("Accompagnateur·rice référent·e"), coerce=optional_int)
    modality = SelectField(
        _l("Modalité"),
        choices=[("", _l("— à définir —"))] + list(MODALITY_LABELS.items()),
        validators=[Optional()],
    )
    objectives = TextAreaField(_l("Objectifs"), validators=[Optional(), Length(max=10000)])
    started_on = DateField(_l("Date de début"), validators=[DataRequired()])
    funding_programme_id = SelectField(_l("Programme de financement (facultatif)"), coerce=optional_int)
    financing_obtained = BooleanField(_l("Financement obtenu"))
    financing_amount = DecimalField(
        _l("Montant obtenu (€)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, message=_l("Le montant ne peut pas être négatif."))],
    )
    thematics = MultiCheckboxField(_l("Thématiques"), coerce=int, validate_choice=False)

    def __init__(self, pole: Pole, *args, accompaniment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pole = pole
        current_template = accompaniment.template_id if accompaniment is not None else None
        templates = db.session.scalars(
            select(PathwayTemplate)
            .where(PathwayTemplate.pole_id == pole.id)
            .where(PathwayTemplate.active.is_(True) | (PathwayTemplate.id == (current_template or 0)))
            .order_by(PathwayTemplate.id)
        ).all()
        self.template_id.choices = [(t.id, t.name) for t in templates]
        self.referent_id.choices = [("", _l("— aucun·e —"))] + [
            (u.id, u.display_name) for u in staff_users(pole)
        ]
        programmes = db.session.scalars(
            select(FundingProgramme)
            .where(FundingProgramme.pole_id == pole.id)
            .order_by(FundingProgramme.name)
        ).all()
        current_programme = accompaniment.funding_programme_id if accompaniment is not None else None
        self.funding_programme_id.choices = [("", _l("— aucun —"))] + [
            (p.id, p.name) for p in programmes if p.active or p.id == current_programme
        ]
        self.thematics.choices = thematic_choices(pole, self.thematics.data)
        if not self.is_submitted() and accompaniment is None:
            if self.started_on.data is None:
                self.started_on.data = local_today(pole)
            if self.template_id.data is None and templates:
                self.template_id.data = templates[0].id

    def validate_thematics(self, field):
        allowed = {v for v, _label in field.choices}
        if any(t not in allowed for t in field.data or []):
            raise ValidationError(_l("Choix invalide."))

    def validate_financing_amount(self, field):
        if field.data is not None and not self.financing_obtained.data:
            raise ValidationError(_l("Cochez « Financement obtenu » pour indiquer un montant."))

    def dossier_data(self) -> dict:
        template = None
        if self.template_id.data:
            template = db.session.scalar(
                select(PathwayTemplate).where(
                    PathwayTemplate.pole_id == self.pole.id, PathwayTemplate.id == self.template_id.data
                )
            )
        referent = None
        if self.referent_id.data:
            referent = db.session.scalar(
                select(User).where(User.pole_id == self.pole.id, User.id == self.referent_id.data)
            )
        programme = None
        if self.funding_programme_id.data:
            programme = db.session.scalar(
                select(FundingProgramme).where(
                    FundingProgramme.pole_id == self.pole.id,
                    FundingProgramme.id == self.funding_programme_id.data,
                )
            )
        return {
            "title": (self.title.data or "").strip(),
            "summary": (self.summary.data or "").strip() or None,
            "sector": (self.sector.data or "").strip() or None,
            "intended_legal_form": self.intended_legal_form.data or None,
            "template": template,
            "referent": referent,
            "modality": self.modality.data or None,
            "objectives": (self.objectives.data or "").strip() or None,
            "started_on": self.started_on.data,
            "funding_programme": programme,
            "financing_obtained": bool(self.financing_obtained.data),
            "financing_amount": self.financing_amount.data if self.financing_obtained.data else None,
            "thematics": load_thematics(self.pole, self.thematics.data),
        }


class AccompanimentForm(DossierFieldsForm):
    person_id = SelectField(_l("Personne accompagnée"), coerce=optional_int, validate_choice=False)
    collective_id = SelectField(_l("Ou collectif accompagné"), coerce=optional_int, validate_choice=False)

    def __init__(self, pole: Pole, *args, person_query: str | None = None, **kwargs):
        super().__init__(pole, *args, **kwargs)
        self.person_id.choices = person_choices(pole, person_query, self.person_id.data)
        self.collective_id.choices = collective_choices(pole, self.collective_id.data)

    def validate_person_id(self, field):
        if field.data and get_person(self.pole, field.data) is None:
            raise ValidationError(_l("Choix invalide."))

    def validate_collective_id(self, field):
        if field.data and get_collective(self.pole, field.data) is None:
            raise ValidationError(_l("Choix invalide."))
        if bool(field.data) == bool(self.person_id.data):
            raise ValidationError(
                _l("Choisissez la personne ou le collectif accompagné : l'un des deux, pas les deux.")
            )

    def dossier_data(self) -> dict:
        data = super().dossier_data()
        data["person"] = get_person(self.pole, self.person_id.data)
        data["collective"] = get_collective(self.pole, self.collective_id.data)
        return data


class StageMoveForm(FlaskForm):
    stage_id = SelectField(_l("Nouvelle étape"), coerce=optional_int, validators=[DataRequired()])
    on = DateField(_l("Date"), validators=[DataRequired()])
    comment = TextAreaField(_l("Commentaire"), validators=[Optional(), Length(max=5000)])

    def __init__(self, accompaniment, pole: Pole, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accompaniment = accompaniment
        self.today = local_today(pole)
        stages = []
        if accompaniment.template is not None:
            stages = [
                s
                for s in accompaniment.template.stages
                if s.active and s.id != accompaniment.current_stage_id
            ]
        self.stage_id.choices = [(s.id, s.name) for s in stages]
        if not self.is_submitted():
            if self.on.data is None:
                self.on.data = self.today
            current = accompaniment.current_stage
            later = [
                s for s in stages if current is None or (s.position, s.id) > (current.position, current.id)
            ]
            if self.stage_id.data is None and later:
                self.stage_id.data = later[0].id

    def validate_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError(_l("La date ne peut pas être dans le futur."))
        if field.data and field.data < self.accompaniment.started_on:
            raise ValidationError(_l("La date précède l'ouverture du dossier."))


class StatusForm(FlaskForm):
    on = DateField(_l("Date"), validators=[DataRequired()])
    comment = TextAreaField(_l("Commentaire"), validators=[Optional(), Length(max=5000)])

    def __init__(self, accompaniment, pole: Pole, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accompaniment = accompaniment
        self.today = local_today(pole)
        if not self.is_submitted() and self.on.data is None:
            self.on.data = self.today

    def validate_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError(_l("La date ne peut pas être dans le futur."))
        if field.data and field.data < self.accompaniment.started_on:
            raise ValidationError(_l("La date précède l'ouverture du dossier."))


class AbandonForm(StatusForm):
    end_reason = StringField(_l("Motif de l'abandon"), validators=[Optional(), Length(max=200)])


class CloseForm(StatusForm):
    end_reason = StringField(_l("Motif de fin"), validators=[DataRequired(), Length(max=200)])
    end_review = TextAreaField(
        _l("Bilan de l'accompagnement"), validators=[DataRequired(), Length(max=20000)]
    )
    financing_obtained = BooleanField(_l("Financement obtenu"))
    financing_amount = DecimalField(
        _l("Montant obtenu (€)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, message=_l("Le montant ne peut pas être négatif."))],
    )

    def __init__(self, accompaniment, pole: Pole, *args, **kwargs):
        super().__init__(accompaniment, pole, *args, **kwargs)
        if not self.is_submitted():
            self.financing_obtained.data = accompaniment.financing_obtained
            self.financing_amount.data = accompaniment.financing_amount


class OpenDossierForm(DossierFieldsForm):
    """Opening a dossier from a request naming a known person or collective."""


class OpenDossierWithPersonForm(DossierFieldsForm, NewPersonFields):
    """Opening a dossier from a request in free text: the person is created at the same time."""
