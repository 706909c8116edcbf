"""Forms for the account pages: name, address and picture; password; two-factor login;
deletion."""

import io

from flask import abort, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from flaskblog.forms import HtmlForm
from flaskblog.images import InvalidPicture, make_avatar
from flaskblog.models import User
from flaskblog.models.profile import is_web_address, timezone_names
from flaskblog.models.two_factor import CODE_MAX_LENGTH
from flaskblog.user_fields import (
    UniqueUsername,
    check_current_password,
    current_password_field,
    email_field,
    new_password_fields,
    strip_text,
    username_field,
)


class UpdateAccountForm(UniqueUsername, HtmlForm):
    username = username_field()
    email = email_field()
    current_password = current_password_field(_l("Current password (to change your email)"))
    picture = FileField(_l("Profile picture (JPEG, PNG, WebP or GIF, up to 5 MB)"))
    about_me = TextAreaField(
        _l(
            "About you (optional: plain text, up to %(count)d characters)",
            count=User.ABOUT_ME_LENGTH,
        ),
        filters=[strip_text],
        validators=[
            Length(
                max=User.ABOUT_ME_LENGTH,
                message=_l("Say it in at most %(max)d characters."),
            )
        ],
    )
    website = URLField(
        _l("Website (optional)"),
        filters=[strip_text],
        validators=[Length(max=User.WEBSITE_LENGTH)],
        render_kw={"autocomplete": "url", "placeholder": _l("https://example.com")},
    )
    timezone = SelectField(_l("Time zone (dates are shown in it)"), validate_choice=False)
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in User.LANGUAGES.items()],
        validate_choice=False,
    )
    submit = SubmitField(_l("Update"))

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, obj=user, **kwargs)
        self.user = user
        self.avatar_image: bytes | None = None
        self.timezone.choices = timezone_names()

    @property
    def profile(self) -> dict[str, str | None]:
        """The profile fields, as User.set_profile takes them."""
        return {name: self[name].data for name in ("timezone", "language", "about_me", "website")}

    # The choices are checked here, so that a name not offered gets a message of its own.
    def validate_timezone(self, field) -> None:
        if field.data not in timezone_names():
            raise ValidationError(_("Choose a time zone from the list."))

    def validate_language(self, field) -> None:
        if field.data not in User.LANGUAGES:
            raise ValidationError(_("Choose a language from the list."))

    def validate_website(self, field) -> None:
        if field.data and not field.errors and not is_web_address(field.data):
            raise ValidationError(_("Enter a web address that starts with http:// or https://."))

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


class OwnAccountForm(HtmlForm):
    """A form about the user's own account, whose checks need to know whose it is."""

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


class ChangePasswordForm(OwnAccountForm):
    current_password = current_password_field()
    password, confirm_password = new_password_fields()
    submit = SubmitField(_l("Change password"))

    def validate_current_password(self, field) -> None:
        check_current_password(self.user, field)

    def validate_password(self, field) -> None:
        if not field.errors and self.user.check_password(field.data):
            raise ValidationError(_("Choose a password different from your current one."))


class DeleteAccountForm(OwnAccountForm):
    password = current_password_field(_l("Your password"))
    submit = SubmitField(_l("Delete my account for good"))

    def validate_password(self, field) -> None:
        check_current_password(self.user, field)


def code_field(label: str) -> StringField:
    """A code from the authenticator app (or, where said, a recovery code)."""
    return StringField(
        label,
        validators=[DataRequired(), Length(max=CODE_MAX_LENGTH)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class EnableTwoFactorForm(HtmlForm):
    code = code_field(_l("The 6-digit code your app shows now"))
    submit = SubmitField(_l("Turn on two-factor login"))


class DisableTwoFactorForm(OwnAccountForm):
    password = current_password_field(_l("Your password"))
    code = code_field(_l("Code from your authenticator app, or a recovery code"))
    submit = SubmitField(_l("Turn off two-factor login"))

    def validate_password(self, field) -> None:
        check_current_password(self.user, field)


class NewRecoveryCodesForm(HtmlForm):
    code = code_field(_l("Code from your authenticator app, or a recovery code"))
    submit = SubmitField(_l("Make new recovery codes"))


class ImportForm(HtmlForm):
    """A file to import: a WordPress export, a zip of Markdown files, or one Markdown file."""

    file = FileField(
        _l("WordPress export (.xml, or a .zip with its uploads folder), or Markdown (.md or .zip)"),
        validators=[FileRequired(_l("Choose a file to import."))],
    )
    submit = SubmitField(_l("Import"))


class ThemeForm(HtmlForm):
    """The header's theme toggle: each of its buttons sends the theme it names, or
    AUTOMATIC to follow the device's preference again."""

    AUTOMATIC = "automatic"
    theme = RadioField(_l("Theme"), choices=(*User.THEMES, AUTOMATIC), validators=[DataRequired()])
