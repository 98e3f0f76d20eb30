"""Portal forms: satisfaction (1–5) and skills self-assessment (1–4 per thematic)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.poles.models import Thematic

SCORE_LABELS = {
    1: _l("Pas du tout satisfait·e"),
    2: _l("Peu satisfait·e"),
    3: _l("Moyennement satisfait·e"),
    4: _l("Satisfait·e"),
    5: _l("Très satisfait·e"),
}
# One sentence per level, shown beside each choice and in the results.
LEVEL_LABELS = {
    1: _l("Je découvre : c'est nouveau pour moi."),
    2: _l("J'ai des bases, mais j'ai besoin d'aide."),
    3: _l("Je me débrouille seul·e."),
    4: _l("Je pourrais l'expliquer à d'autres."),
}
ROUND_LABELS = {
    "start": _l("Début du parcours"),
    "midway": _l("Mi-parcours"),
    "end": _l("Fin du parcours"),
}


class SatisfactionForm(FlaskForm):
    score = RadioField(
        _l("Votre note"),
        choices=[(value, label) for value, label in SCORE_LABELS.items()],
        coerce=int,
        validators=[InputRequired(message=_l("Choisissez une note de 1 à 5."))],
    )
    comment = TextAreaField(_l("Un commentaire ? (facultatif)"), validators=[Optional(), Length(max=2000)])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for one-button actions."""


def skills_form(thematics: list[Thematic], data: dict[int, int] | None = None, **kwargs) -> FlaskForm:
    """A form with one 1–4 choice per thematic of the dossier (fields `t<id>`)."""

    class SkillsForm(FlaskForm):
        pass

    for thematic in thematics:
        setattr(
            SkillsForm,
            f"t{thematic.id}",
            RadioField(
                thematic.name,
                choices=[(level, label) for level, label in LEVEL_LABELS.items()],
                coerce=int,
                validators=[InputRequired(message=_l("Indiquez votre niveau pour cette thématique."))],
            ),
        )
    form = SkillsForm(data={f"t{tid}": level for tid, level in (data or {}).items()}, **kwargs)
    form.thematic_fields = [(thematic, form[f"t{thematic.id}"]) for thematic in thematics]
    return form
