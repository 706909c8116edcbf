"""The form for writing and editing a post."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class PostForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(), Length(max=100)],
    )
    content = TextAreaField("Content", validators=[DataRequired(), Length(max=50_000)])
    submit = SubmitField("Post")
