"""The fields an account's forms share: username, email and passwords, with their rules.

Signing up, resetting a password and the account pages (auth and account blueprints), and
the `flask users` commands, all build their fields from here.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from flaskblog.forms import HtmlForm
from flaskblog.models import User
from flaskblog.passwords import not_a_common_password


def strip_text(value: str | None) -> str | None:
    """A field filter: the text without surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


def normalize_email(value: str | None) -> str | None:
    """A field filter: the address without surrounding whitespace, in lower case."""
    return value.strip().lower() if isinstance(value, str) else value


def username_field() -> StringField:
    """A name of the length and the characters User allows: ASCII letters, digits, '_', '.' or
    '-', and not only dots (URLs read them as folders)."""
    return StringField(
        _l("Username"),
        filters=[strip_text],
        validators=[
            DataRequired(),
            Length(min=User.USERNAME_MIN_LENGTH, max=User.USERNAME_LENGTH),
            Regexp(
                User.USERNAME_PATTERN,
                message=_l("Use only letters, digits, '_', '.' and '-' (and not only dots)."),
            ),
        ],
        render_kw={"autocomplete": "username"},
    )


def email_field() -> EmailField:
    """A syntactically valid address (no DNS look-up), stored lower-case."""
    return EmailField(
        _l("Email"),
        filters=[normalize_email],
        validators=[
            DataRequired(),
            Length(max=User.EMAIL_LENGTH),
            Email(check_deliverability=False),
        ],
        render_kw={"autocomplete": "email"},
    )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password (characters of any kind, as long as User allows, not a common one) and
    its confirmation."""
    # `autocomplete` tells password managers to offer a new password, not fill the old one.
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(),
            Length(min=User.PASSWORD_MIN_LENGTH, max=User.PASSWORD_MAX_LENGTH),
            not_a_common_password,
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirm password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def current_password_field(label: str | None = None) -> PasswordField:
    """The password the user has now, asked again before a sensitive change."""
    return PasswordField(
        label or _l("Current password"),
        validators=[Length(max=User.PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


def check_current_password(user: User, field) -> None:
    """Refuse a missing or wrong current password (a form validator's body)."""
    if field.errors:
        return
    if not field.data:
        raise ValidationError(_("Enter your current password."))
    if not user.check_password(field.data):
        raise ValidationError(_("That is not your current password."))


class UniqueUsername:
    """Refuses a username that belongs to another user.

    Only the name: whether an email address has an account is never said on a page (see
    `register` and `send_email_change_emails`). The database's unique indexes settle races;
    this check gives the message.
    """

    user: User | None = None

    def validate_username(self, field) -> None:
        found = None if field.errors else User.by_username(field.data)
        if found is not None and (self.user is None or found.id != self.user.id):
            raise ValidationError(_("That username is taken. Please choose another one."))


class NewAccountFields(UniqueUsername, HtmlForm):
    """What a new account is made of, with the rules it must follow: the sign-up page and
    `flask users create-admin` both check with these."""

    username = username_field()
    email = email_field()
    password, confirm_password = new_password_fields()
