"""The form that sends a private message."""

from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from flaskblog.forms import HtmlForm
from flaskblog.models import Message


def _tidy(value: str | None) -> str | None:
    """Line breaks as one character, no blank lines around the text."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class MessageForm(HtmlForm):
    body = TextAreaField(
        _l("Your message"),
        filters=[_tidy],
        validators=[
            DataRequired(message=_l("Write something before sending.")),
            Length(
                max=Message.MAX_LENGTH,
                # The limit written as the reader writes numbers (5,000 or 5.000).
                message=_l(
                    "Messages can be at most %(count)s characters long.",
                    count=LazyString(format_number, Message.MAX_LENGTH),
                ),
            ),
        ],
    )
    submit = SubmitField(_l("Send"))
