"""Intake form for requests, outcome form, and the "open a dossier" form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.accompaniments.services import local_today
from app.collectives.models import Collective
from app.core.dates import DateField
from app.extensions import db
from app.people.models import Person
from app.people.services import person_matches
from app.poles.models import Pole, Thematic
from app.requests.models import CHANNELS, OUTCOMES
from app.structures.models import Structure

CHANNEL_LABELS = {
    "permanence": _l("Permanence"),
    "phone": _l("Téléphone"),
    "email": _l("E-mail"),
    "prescriber": _l("Prescripteur"),
    "event": _l("Événement"),
    "other": _l("Autre"),
}
OUTCOME_LABELS = {
    "pending": _l("En attente"),
    "accompaniment": _l("Dossier ouvert"),
    "oriented": _l("Orienté·e ailleurs"),
    "no_follow_up": _l("Sans suite"),
}
assert set(CHANNEL_LABELS) == set(CHANNELS) and set(OUTCOME_LABELS) == set(OUTCOMES)

PERSON_CHOICES_LIMIT = 50
COLLECTIVE_CHOICES_LIMIT = 500


def optional_int(value):
    """Coerce a select's value to int, '' / None meaning "none chosen"."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(_l("Choix invalide.")) from exc


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (thematics)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def thematic_choices(pole: Pole, selected: list[int] | None = None) -> list[tuple[int, str]]:
    rows = db.session.scalars(
        select(Thematic).where(Thematic.pole_id == pole.id).order_by(Thematic.position, Thematic.name)
    ).all()
    selected = selected or []
    return [(t.id, t.name) for t in rows if t.active or t.id in selected]


def load_thematics(pole: Pole, ids: list[int] | None) -> list[Thematic]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Thematic)
            .where(Thematic.pole_id == pole.id, Thematic.id.in_(ids))
            .order_by(Thematic.position)
        )
    )


def person_choices(pole: Pole, query: str | None, selected: int | None) -> list[tuple]:
    """Persons matching `query` (or the latest ones), always including the selected one."""
    stmt = select(Person).where(Person.pole_id == pole.id, Person.archived.is_(False))
    if query and query.strip():
        stmt = stmt.where(person_matches(query)).order_by(
            Person.last_name, Person.first_name
        )
    else:
        stmt = stmt.order_by(Person.created_at.desc(), Person.id.desc())
    people = list(db.session.scalars(stmt.limit(PERSON_CHOICES_LIMIT)))
    if selected and selected not in {p.id for p in people}:
        chosen = db.session.scalar(select(Person).where(Person.pole_id == pole.id, Person.id == selected))
        if chosen is not None:
            people.insert(0, chosen)
    label = _l("— aucune —")
    return [("", label)] + [
        (p.id, f"{p.last_name.upper()} {p.first_name}" + (f" ({p.email})" if p.email else "")) for p in people
    ]


def collective_choices(pole: Pole, selected: int | None = None) -> list[tuple]:
    rows = db.session.scalars(
        select(Collective)
        .where(Collective.pole_id == pole.id)
        .where((Collective.archived.is_(False)) | (Collective.id == (selected or 0)))
        .order_by(Collective.name)
        .limit(COLLECTIVE_CHOICES_LIMIT)
    ).all()
    return [("", _l("— aucun —"))] + [(c.id, c.name) for c in rows]


def structure_choices(pole: Pole, selected: int | None = None) -> list[tuple]:
    rows = db.session.scalars(
        select(Structure)
        .where(Structure.pole_id == pole.id)
        .where((Structure.archived.is_(False)) | (Structure.id == (selected or 0)))
        .order_by(Structure.name)
    ).all()
    return [("", _l("— aucune —"))] + [(s.id, s.name) for s in rows]


def get_person(pole: Pole, person_id: int | None) -> Person | None:
    if not person_id:
        return None
    return db.session.scalar(select(Person).where(Person.pole_id == pole.id, Person.id == person_id))


def get_collective(pole: Pole, collective_id: int | None) -> Collective | None:
    if not collective_id:
        return None
    return db.session.scalar(
        select(Collective).where(Collective.pole_id == pole.id, Collective.id == collective_id)
    )


class RequestForm(FlaskForm):
    received_on = DateField(_l("Reçue le"), validators=[DataRequired()])
    channel = SelectField(_l("Canal"), choices=list(CHANNEL_LABELS.items()), default="phone")
    contact_text = StringField(
        _l("Qui ? (nom, téléphone… si la personne n'est pas encore connue)"),
        validators=[Optional(), Length(max=300)],
    )
    person_id = SelectField(_l("Personne déjà connue"), coerce=optional_int, validate_choice=False)
    collective_id = SelectField(_l("Ou collectif déjà connu"), coerce=optional_int, validate_choice=False)
    prescriber_id = SelectField(_l("Structure prescriptrice"), coerce=optional_int, validate_choice=False)
    need = TextAreaField(_l("Besoin exprimé"), validators=[Optional(), Length(max=10000)])
    thematics = MultiCheckboxField(_l("Thématiques"), coerce=int, validate_choice=False)

    def __init__(self, pole: Pole, *args, person_query: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pole = pole
        if self.received_on.data is None and not self.is_submitted():
            self.received_on.data = local_today(pole)
        self.person_id.choices = person_choices(pole, person_query, self.person_id.data)
        self.collective_id.choices = collective_choices(pole, self.collective_id.data)
        self.prescriber_id.choices = structure_choices(pole, self.prescriber_id.data)
        self.thematics.choices = thematic_choices(pole, self.thematics.data)

    def validate_received_on(self, field):
        if field.data and field.data > local_today(self.pole):
            raise ValidationError(_l("La date de réception ne peut pas être dans le futur."))

    def validate_person_id(self, field):
        if field.data and get_person(self.pole, field.data) is None:
            raise ValidationError(_l("Choix invalide."))

    def validate_collective_id(self, field):
        if field.data and get_collective(self.pole, field.data) is None:
            raise ValidationError(_l("Choix invalide."))
        if field.data and self.person_id.data:
            raise ValidationError(_l("Choisissez une personne ou un collectif, pas les deux."))

    def validate_prescriber_id(self, field):
        if field.data and field.data not in {v for v, _label in field.choices}:
            raise ValidationError(_l("Choix invalide."))

    def validate_thematics(self, field):
        allowed = {v for v, _label in field.choices}
        if any(t not in allowed for t in field.data or []):
            raise ValidationError(_l("Choix invalide."))

    def validate_contact_text(self, field):
        if not (field.data or "").strip() and not self.person_id.data and not self.collective_id.data:
            raise ValidationError(
                _l("Indiquez qui vous sollicite : une personne ou un collectif connus, ou un nom en clair.")
            )

    def request_data(self) -> dict:
        prescriber = None
        if self.prescriber_id.data:
            prescriber = db.session.scalar(
                select(Structure).where(
                    Structure.pole_id == self.pole.id, Structure.id == self.prescriber_id.data
                )
            )
        return {
            "received_on": self.received_on.data,
            "channel": self.channel.data,
            "contact_text": (self.contact_text.data or "").strip() or None,
            "person": get_person(self.pole, self.person_id.data),
            "collective": get_collective(self.pole, self.collective_id.data),
            "prescriber": prescriber,
            "need": (self.need.data or "").strip() or None,
            "thematics": load_thematics(self.pole, self.thematics.data),
        }


MANUAL_OUTCOMES = ("pending", "oriented", "no_follow_up")


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("Suite donnée"), choices=[(o, OUTCOME_LABELS[o]) for o in MANUAL_OUTCOMES])


class NewPersonFields(FlaskForm):
    """The person to create when the request names nobody already known."""

    first_name = StringField(_l("Prénom"), validators=[Optional(), Length(max=120)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Adresse e-mail (facultatif)"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Téléphone (facultatif)"), validators=[Optional(), Length(max=40)])
