"""Collective and membership forms. Choices are scoped to the pole given to the form."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import EmailField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Email, Length, Optional

from app.collectives.models import COLLECTIVE_KINDS, MEMBER_ROLES
from app.core.dates import DateField
from app.extensions import db
from app.poles.models import Pole
from app.structures.models import Structure

KIND_LABELS = {
    "multi_structures": _l("Multi-structures"),
    "habitants": _l("Habitants"),
    "mixte": _l("Mixte"),
}
ROLE_LABELS = {
    "membre": _l("membre"),
    "referent": _l("référent·e"),
    "elu": _l("élu·e"),
    "salarie": _l("salarié·e"),
    "benevole": _l("bénévole"),
    "habitant": _l("habitant·e"),
}
OTHER_ROLE = "autre"


def role_label(role: str | None) -> str:
    """The French label of a role code, or the free text as written."""
    if not role:
        return ""
    return str(ROLE_LABELS.get(role, role))


class CollectiveForm(FlaskForm):
    name = StringField(_l("Nom du collectif"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Type de collectif"), choices=[(k, KIND_LABELS[k]) for k in COLLECTIVE_KINDS])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "kind": self.kind.data,
            "description": (self.description.data or "").strip() or None,
        }


class MembershipFieldsForm(FlaskForm):
    """Structure represented, role and dates; the pole scopes the structure choices."""

    structure_id = SelectField(_l("Structure représentée"), choices=[], validate_choice=False)
    role = SelectField(
        _l("Rôle"),
        choices=[(code, ROLE_LABELS[code]) for code in MEMBER_ROLES] + [(OTHER_ROLE, _l("autre (préciser)"))],
        default="membre",
    )
    role_other = StringField(
        _l("Autre rôle"),
        validators=[Length(max=64)],
        description=_l("Si vous avez choisi « autre » : le rôle tel que vous voulez l'afficher."),
    )
    joined_on = DateField(_l("Arrivée le"), validators=[Optional()], default=date.today)

    def __init__(self, pole: Pole, *args, keep_structure_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pole = pole
        # Active structures, plus the one already represented even if archived since.
        shown = Structure.archived.is_(False)
        if keep_structure_id is not None:
            shown = or_(shown, Structure.id == keep_structure_id)
        structures = db.session.execute(
            select(Structure.id, Structure.name)
            .where(Structure.pole_id == pole.id, shown)
            .order_by(Structure.search_text, Structure.name)
        ).all()
        self.structure_id.choices = [("", _l("— aucune —"))] + [(str(i), n) for i, n in structures]

    def validate_structure_id(self, field):
        if field.data in (None, "", "None"):
            return
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choisissez une structure du pôle."))

    def validate_role_other(self, field):
        if self.role.data == OTHER_ROLE and not (field.data or "").strip():
            raise ValidationError(_l("Précisez le rôle."))

    def set_role(self, role: str) -> None:
        if role in MEMBER_ROLES:
            self.role.data = role
        else:
            self.role.data, self.role_other.data = OTHER_ROLE, role

    def structure(self) -> Structure | None:
        if self.structure_id.data in (None, "", "None"):
            return None
        return db.session.get(Structure, int(self.structure_id.data))

    def membership_data(self) -> dict:
        role = self.role.data
        if role == OTHER_ROLE:
            role = (self.role_other.data or "").strip()
        return {"structure": self.structure(), "role": role, "joined_on": self.joined_on.data}


class AddMemberForm(MembershipFieldsForm):
    """Add an existing person (button `person_id` = its id) or a new one (`person_id` = "new")."""

    person_id = StringField()
    first_name = StringField(_l("Prénom"), validators=[Length(max=120)])
    last_name = StringField(_l("Nom"), validators=[Length(max=120)])
    email = EmailField(_l("Adresse e-mail (facultative)"), validators=[Optional(), Email(), Length(max=254)])

    @property
    def creates_person(self) -> bool:
        return self.person_id.data == "new"

    def validate_person_id(self, field):
        if self.creates_person:
            return
        if (self.first_name.data or "").strip() or (self.last_name.data or "").strip():
            # Enter pressed in the new-person fields submits the first "Ajouter" button.
            raise ValidationError(
                _l("Pour ajouter la nouvelle personne saisie, utilisez le bouton « Créer et ajouter ».")
            )
        if not (field.data or "").isdigit():
            raise ValidationError(_l("Choisissez une personne trouvée ou créez-en une nouvelle."))

    def validate_first_name(self, field):
        if self.creates_person and not (field.data or "").strip():
            raise ValidationError(_l("Le prénom est obligatoire."))

    def validate_last_name(self, field):
        if self.creates_person and not (field.data or "").strip():
            raise ValidationError(_l("Le nom est obligatoire."))

    def person_data(self) -> dict:
        return {
            "first_name": self.first_name.data.strip(),
            "last_name": self.last_name.data.strip(),
            "email": (self.email.data or "").strip() or None,
        }


class EditMembershipForm(MembershipFieldsForm):
    left_on = DateField(_l("Départ le"), validators=[Optional()])

    def membership_data(self) -> dict:
        return {**super().membership_data(), "left_on": self.left_on.data}


class LeaveForm(FlaskForm):
    left_on = DateField(_l("Date de départ"), validators=[DataRequired()], default=date.today)
