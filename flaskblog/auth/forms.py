"""Forms for signing up, logging in (with a second factor) and resetting a forgotten password."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from flaskblog.forms import HtmlForm
from flaskblog.models import User
from flaskblog.models.two_factor import CODE_MAX_LENGTH
from flaskblog.spam import SpamTraps
from flaskblog.user_fields import (
    NewAccountFields,
    email_field,
    new_password_fields,
    normalize_email,
)


class RegistrationForm(SpamTraps, NewAccountFields):
    submit = SubmitField(_l("Sign up"))


class LoginForm(HtmlForm):
    # "username" is what password managers look for beside a current password.
    email = EmailField(
        _l("Email"),
        filters=[normalize_email],
        validators=[DataRequired(), Length(max=User.EMAIL_LENGTH)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=User.PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Log in"))


class SecondFactorForm(HtmlForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=CODE_MAX_LENGTH)],
        # No autofocus, as on the login form: the page has one field, and a moved focus is
        # what screen reader users do not expect on arrival.
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Verify"))


class RequestResetForm(HtmlForm):
    email = email_field()
    submit = SubmitField(_l("Request password reset"))


class ResendConfirmationForm(HtmlForm):
    email = email_field()
    submit = SubmitField(_l("Send the link again"))


class ResetPasswordForm(HtmlForm):
    password, confirm_password = new_password_fields()
    submit = SubmitField(_l("Reset password"))
