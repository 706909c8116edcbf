"""The editor (writing, editing and previewing a post) and the comment form under a post."""

import re

from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from flaskblog.extensions import db
from flaskblog.forms import HtmlForm
from flaskblog.images import InvalidPicture, PostPicture
from flaskblog.media import (
    QuotaFull,
    UploadTooLarge,
    alt_text,
    check_room,
    picture_from_upload,
    store_image,
)
from flaskblog.models import MAX_ID, Comment, Image, Post, Tag

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


class CoverFields:
    """The editor's cover image: an upload, its description, and a way to take it away.

    Validating runs the upload through the image pipeline and the owner's quota, so a bad
    picture comes back as a field error with the post's text intact; `apply_cover` then
    stores it as the post's cover. The cover belongs to the post's author.
    """

    cover = FileField("Cover image (JPEG, PNG, WebP or GIF, up to 5 MB)")
    cover_alt = StringField(
        "Describe the cover image", validators=[Length(max=Image.alt.type.length)]
    )
    remove_cover = BooleanField("Remove the cover image")
    cover_picture: PostPicture | None = None
    # The post's cover when editing, shown above the field (see editing_cover_of).
    current_cover: Image | None = None

    def editing_cover_of(self, post: Post) -> None:
        """Show the post's cover in the editor, its description filled in."""
        self.current_cover = post.cover
        if post.cover is not None and not self.is_submitted():
            self.cover_alt.data = post.cover.alt

    def validate_cover(self, field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", None) or self.remove_cover.data:
            return
        try:
            self.cover_picture = picture_from_upload(upload)
            check_room(current_user, self.cover_picture)
        except (InvalidPicture, UploadTooLarge, QuotaFull) as error:
            raise ValidationError(str(error)) from error

    def apply_cover(self, post: Post) -> None:
        """Give the post the uploaded cover, take it away, or change its description."""
        alt = alt_text(self.cover_alt.data)
        if self.remove_cover.data:
            post.cover = None
        elif self.cover_picture is not None:
            # The post may be new and not yet in the session: nothing to flush before it is.
            with db.session.no_autoflush:
                post.cover = store_image(post.author, self.cover_picture, alt)
        if post.cover is not None:
            post.cover.alt = alt


class PostForm(CoverFields, HtmlForm):
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
