"""Forms for the passkeys page: naming a new passkey, and renaming one."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from flaskblog.forms import HtmlForm
from flaskblog.models import Passkey
from flaskblog.user_fields import current_password_field


def name_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(), Length(max=Passkey.NAME_LENGTH)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"maxlength": Passkey.NAME_LENGTH, "autocomplete": "off"},
    )


class AddPasskeyForm(HtmlForm):
    """Names the passkey, with the password (a stolen session must not add a way back in
    that outlives a new password); passkeys.js makes the passkey and sends it as JSON."""

    name = name_field(_l("Name for the new passkey (e.g. the device it is on)"))
    current_password = current_password_field()
    submit = SubmitField(_l("Add a passkey"))


class RenamePasskeyForm(HtmlForm):
    """One per passkey on the page, told apart by a prefix naming the passkey."""

    name = name_field(_l("New name"))
    submit = SubmitField(_l("Rename"))
