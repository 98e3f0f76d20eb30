"""Upload and confirmation forms of the import pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import DataRequired, Regexp

from app.imports.base import importers

UUID_RE = r"^[0-9a-f]{32}$"


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, str(cls.label)) for kind, cls in importers().items()]


class UploadForm(FlaskForm):
    kind = SelectField(_l("Type de données"), validators=[DataRequired()])
    file = FileField(
        _l("Fichier CSV"),
        validators=[FileRequired(_l("Choisissez un fichier."))],
        description=_l(
            "Export de tableur en CSV (séparateur « ; » ou « , », UTF-8 ou Windows-1252), 5 Mo au plus."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(UUID_RE)])
    kind = HiddenField(validators=[DataRequired()])
    skip_invalid = BooleanField(_l("Ignorer les lignes invalides (importer seulement les lignes valides)"))


class CancelForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(UUID_RE)])
