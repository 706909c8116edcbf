"""The form that sends a private message."""

from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from flaskblog.forms import HtmlForm
from flaskblog.models import Message


def _tidy(value: str | None) -> str | None:
    """Line breaks as one character, no blank lines around the text."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class MessageForm(HtmlForm):
    body = TextAreaField(
        "Your message",
        filters=[_tidy],
        validators=[
            DataRequired(message="Write something before sending."),
            Length(
                max=Message.MAX_LENGTH,
                message=f"Messages can be at most {Message.MAX_LENGTH:,} characters long.",
            ),
        ],
    )
    submit = SubmitField("Send")
