"""Login and account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.auth.passwords import password_problem
from app.core.permissions import ADMIN, ADVISOR, HOLDER, PARTNER


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=1024)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])


def _check_policy(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(), _check_policy],
        description=_l("Au moins 12 caractères. Une phrase de passe facile à retenir est idéale."),
    )
    confirm = PasswordField(
        _l("Confirmer le mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Les deux mots de passe ne correspondent pas.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()])


ROLE_LABELS = {
    ADMIN: _l("Chargé·e de mission (administration)"),
    ADVISOR: _l("Accompagnateur·rice"),
    HOLDER: _l("Porteur·euse de projet"),
    PARTNER: _l("Structure partenaire"),
}


class InviteUserForm(FlaskForm):
    full_name = StringField(_l("Nom complet"), validators=[Length(max=200)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        _l("Rôle"),
        choices=[(ADVISOR, ROLE_LABELS[ADVISOR]), (ADMIN, ROLE_LABELS[ADMIN])],
    )


class MfaCodeForm(FlaskForm):
    code = StringField(
        _l("Code de vérification"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Le code à 6 chiffres de votre application, ou un code de secours."),
    )


class MfaConfirmForm(FlaskForm):
    code = StringField(
        _l("Code affiché par l'application"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("6 chiffres, renouvelés toutes les 30 secondes."),
    )


class PasswordConfirmForm(FlaskForm):
    """The current password, asked again before a sensitive change (MFA off, new recovery codes)."""

    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=1024)])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token (one-button actions)."""
