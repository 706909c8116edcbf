"""The form under a post for writing a comment."""

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from flaskblog.models import Comment


def _tidy(value: str | None) -> str | None:
    # Browsers send line breaks as \r\n but count them as one character against maxlength:
    # store them as \n so that the limit here is the one the reader's browser applied.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Your comment",
        filters=[_tidy],
        validators=[
            DataRequired(message="Write something before posting."),
            Length(
                max=Comment.MAX_LENGTH,
                message=f"Comments can be at most {Comment.MAX_LENGTH:,} characters long.",
            ),
        ],
    )
    submit = SubmitField("Post comment")
