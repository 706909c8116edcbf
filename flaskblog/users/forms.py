"""Forms for accounts: registration, login, the account page and password resets."""

import io

from flask import abort, current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from flaskblog.images import InvalidPicture, make_avatar
from flaskblog.models import User
from flaskblog.users.passwords import not_a_common_password


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _normalize_email(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


def username_field() -> StringField:
    """2 to 20 ASCII letters, digits, '_', '.' or '-'; not only dots (URLs read them as folders)."""
    return StringField(
        "Username",
        filters=[_strip],
        validators=[
            DataRequired(),
            Length(min=2, max=20),
            Regexp(
                r"^(?!\.+$)[A-Za-z0-9_.-]+$",
                message="Use only letters, digits, '_', '.' and '-' (and not only dots).",
            ),
        ],
        render_kw={"autocomplete": "username"},
    )


def email_field() -> EmailField:
    """A syntactically valid address (no DNS look-up), stored lower-case."""
    return EmailField(
        "Email",
        filters=[_normalize_email],
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
        render_kw={"autocomplete": "email"},
    )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password (8 to 128 characters of any kind, not a common one) and its confirmation."""
    # `autocomplete` tells password managers to offer a new password, not fill the old one.
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=8, max=128), not_a_common_password],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def current_password_field(label: str = "Current password") -> PasswordField:
    """The password the user has now, asked again before a sensitive change."""
    return PasswordField(
        label,
        validators=[Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


def check_current_password(user: User, field) -> None:
    """Refuse a missing or wrong current password (a form validator's body)."""
    if field.errors:
        return
    if not field.data:
        raise ValidationError("Enter your current password.")
    if not user.check_password(field.data):
        raise ValidationError("That is not your current password.")


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
            raise ValidationError("That username is taken. Please choose another one.")


class RegistrationForm(UniqueUsername, FlaskForm):
    username = username_field()
    email = email_field()
    password, confirm_password = new_password_fields()
    submit = SubmitField("Sign up")


class LoginForm(FlaskForm):
    # "username" is what password managers look for beside a current password.
    email = EmailField(
        "Email",
        filters=[_normalize_email],
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Remember me")
    submit = SubmitField("Log in")


class UpdateAccountForm(UniqueUsername, FlaskForm):
    username = username_field()
    email = email_field()
    current_password = current_password_field("Current password (to change your email)")
    picture = FileField("Profile picture (JPEG, PNG, WebP or GIF, up to 5 MB)")
    submit = SubmitField("Update")

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, obj=user, **kwargs)
        self.user = user
        self.avatar_image: bytes | None = None

    @property
    def new_email(self) -> str | None:
        """The address asked for, if it is not the user's current one."""
        return self.email.data if self.email.data != self.user.email else None

    def validate_current_password(self, field) -> None:
        # A stolen session alone must not be able to move the account to another address.
        if self.new_email is not None and not self.email.errors:
            check_current_password(self.user, field)

    def validate_picture(self, field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            return
        # MAX_CONTENT_LENGTH leaves room for the other fields, so the picture itself may
        # still be a little over its limit: refuse it with the same 413 page.
        upload.stream.seek(0, io.SEEK_END)
        if upload.stream.tell() > current_app.config["MAX_PICTURE_BYTES"]:
            abort(413)
        upload.stream.seek(0)  # validation can run twice (see commit_unique)
        try:
            self.avatar_image = make_avatar(
                upload.stream, max_pixels=current_app.config["MAX_PICTURE_PIXELS"]
            )
        except InvalidPicture as error:
            raise ValidationError(str(error)) from error


class RequestResetForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Request password reset")


class ResetPasswordForm(FlaskForm):
    password, confirm_password = new_password_fields()
    submit = SubmitField("Reset password")


class ChangePasswordForm(FlaskForm):
    current_password = current_password_field()
    password, confirm_password = new_password_fields()
    submit = SubmitField("Change password")

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current_password(self, field) -> None:
        check_current_password(self.user, field)

    def validate_password(self, field) -> None:
        if not field.errors and self.user.check_password(field.data):
            raise ValidationError("Choose a password different from your current one.")


class DeleteAccountForm(FlaskForm):
    password = current_password_field("Your password")
    submit = SubmitField("Delete my account for good")

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        check_current_password(self.user, field)
