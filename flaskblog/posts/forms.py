"""The editor (writing, editing and previewing a post) and the comment form under a post."""

import re

from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from flaskblog.forms import HtmlForm
from flaskblog.models import MAX_ID, Comment, Post, Tag

TAG_NAME = re.compile(Tag.NAME_PATTERN)
POST_ID = re.compile(rf"[0-9]{{1,{len(str(MAX_ID))}}}")


def parse_tags(text: str | None) -> list[str]:
    """Comma-separated tag names, lower-cased, without blanks or repeats, in order."""
    names = (name.strip().lower() for name in (text or "").split(","))
    return list(dict.fromkeys(name for name in names if name))


def _post_id_or_none(value) -> str | None:
    # The preview page builds the form's action from it: a forged value must not break that.
    value = "" if value is None else str(value)
    return value if POST_ID.fullmatch(value) else None


class PostForm(HtmlForm):
    title = StringField(
        "Title",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(), Length(max=Post.TITLE_LENGTH)],
    )
    content = TextAreaField(
        "Content (Markdown)", validators=[DataRequired(), Length(max=Post.CONTENT_LENGTH)]
    )
    tags = StringField(
        f"Tags (up to {Post.MAX_TAGS}, separated by commas)",
        validators=[Length(max=200)],
        render_kw={"placeholder": "flask, python, how-to"},
    )
    # The preview page sends the form back to where it came from: the editor of this post.
    post_id = HiddenField(filters=[_post_id_or_none])
    submit = SubmitField("Publish")
    save_draft = SubmitField("Save draft")
    preview = SubmitField("Preview")

    def validate_tags(self, field) -> None:
        names = parse_tags(field.data)
        if len(names) > Post.MAX_TAGS:
            raise ValidationError(f"Use at most {Post.MAX_TAGS} tags.")
        bad = [name for name in names if not TAG_NAME.fullmatch(name)]
        if bad:
            raise ValidationError(
                f"Tags are 1 to {Tag.NAME_LENGTH} letters, digits or hyphens: "
                f"{', '.join(bad)} is not."
            )

    @property
    def tag_names(self) -> list[str]:
        return parse_tags(self.tags.data)

    @property
    def is_draft(self) -> bool:
        """Whether the author pressed "Save draft" rather than "Publish"."""
        return bool(self.save_draft.data)


def _tidy(value: str | None) -> str | None:
    # Browsers send line breaks as \r\n but count them as one character against maxlength:
    # store them as \n so that the limit here is the one the reader's browser applied.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class CommentForm(HtmlForm):
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
