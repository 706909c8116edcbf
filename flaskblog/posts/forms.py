"""The editor (writing, editing and previewing a post) and the comment form under a post."""

import re
from datetime import datetime

from flask_babel import LazyString, format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import DateTimeLocalInput

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
from flaskblog.models import MAX_ID, Comment, Image, Post, Tag, utcnow
from flaskblog.spam import SpamTraps
from flaskblog.timezones import from_local

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


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _none_if_empty(value):
    return value or None


class SentCheckbox(BooleanField):
    """A checkbox that tells "unticked" from "not sent at all": the editor sends an empty
    value of the same name after the box (see create_post.html), so a browser always sends
    the field, and only its first value counts. A request without it (an older client, a
    script) leaves the setting as it was: `data` is None."""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] not in self.false_values if valuelist else None

    def _value(self) -> str:
        return "y"  # never the empty value sent beside it


class PostTextForm(HtmlForm):
    """What the editor saves, however it saves it: tags and summary (title and content are
    required by one form and optional for the other)."""

    tags = StringField(
        _l("Tags (up to %(count)d, separated by commas)", count=Post.MAX_TAGS),
        validators=[Length(max=200)],
        render_kw={"placeholder": _l("flask, python, how-to")},
    )
    summary = TextAreaField(
        _l("Summary (optional: plain text for listings and link previews)"),
        filters=[lambda value: _tidy(value), _none_if_empty],
        validators=[
            Length(
                max=Post.SUMMARY_LENGTH,
                message=_l("A summary can be at most %(max)d characters long."),
            )
        ],
    )

    def validate_tags(self, field) -> None:
        names = parse_tags(field.data)
        if len(names) > Post.MAX_TAGS:
            raise ValidationError(_("Use at most %(count)d tags.", count=Post.MAX_TAGS))
        bad = [name for name in names if not TAG_NAME.fullmatch(name)]
        if bad:
            raise ValidationError(
                _(
                    "Tags are 1 to %(max)d letters, digits or hyphens: %(tags)s is not.",
                    max=Tag.NAME_LENGTH,
                    tags=", ".join(bad),
                )
            )

    @property
    def tag_names(self) -> list[str]:
        return parse_tags(self.tags.data)


# The limit written as the reader's language writes numbers ("50,000", "50.000").
CONTENT_TOO_LONG = LazyString(
    lambda: _(
        "A post can be at most %(max)s characters long.", max=format_number(Post.CONTENT_LENGTH)
    )
)
PUBLISH_AT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def parse_local_datetime(text: str) -> datetime | None:
    """A date and time as <input type=datetime-local> sends it ("2026-12-04T09:30"), or None."""
    for pattern in PUBLISH_AT_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


class CoverFields:
    """The editor's cover image: an upload, its description, and a way to take it away.

    Validating runs the upload through the image pipeline and the owner's quota, so a bad
    picture comes back as a field error with the post's text intact; `apply_cover` then
    stores it as the post's cover. The cover belongs to the post's author, and counts
    against their quota even when an admin gives it.
    """

    cover = FileField(_l("Cover image (JPEG, PNG, WebP or GIF, up to 5 MB)"))
    cover_alt = StringField(
        _l("Describe the cover image"), validators=[Length(max=Image.alt.type.length)]
    )
    remove_cover = BooleanField(_l("Remove the cover image"))
    cover_picture: PostPicture | None = None
    # The post's cover when editing, shown above the field (see editing_cover_of).
    current_cover: Image | None = None
    # Whose images a new cover joins: the post's author (see editing_cover_of), else the writer.
    cover_owner = None

    def editing_cover_of(self, post: Post) -> None:
        """Show the post's cover in the editor, its description filled in."""
        self.current_cover, self.cover_owner = post.cover, post.author
        if post.cover is not None and not self.is_submitted():
            self.cover_alt.data = post.cover.alt

    def validate_cover(self, field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", None) or self.remove_cover.data:
            return
        try:
            self.cover_picture = picture_from_upload(upload)
            check_room(self.cover_owner or current_user, self.cover_picture)
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


class PostForm(CoverFields, PostTextForm):
    """The editor. Which buttons it shows depends on the post (see EditorState); the first
    is the one Enter presses, so for a new post or a draft it is "Save draft"."""

    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=Post.TITLE_LENGTH)],
    )
    content = TextAreaField(
        _l("Content (Markdown)"), validators=[DataRequired(), Length(max=Post.CONTENT_LENGTH)]
    )
    # The preview page sends the form back to where it came from: the editor of this post.
    post_id = HiddenField(filters=[_post_id_or_none])
    save_draft = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Publish"))
    unpublish = SubmitField(_l("Unpublish"))
    preview = SubmitField(_l("Preview"))
    # Unticked, the post takes no new comments (those it has stay shown).
    comments_enabled = SentCheckbox(_l("Allow comments"), default=True)
    # Read in the author's time zone (flaskblog.timezones), checked only when scheduling.
    publish_at = StringField(_l("Publish at"), filters=[_strip], widget=DateTimeLocalInput())
    schedule = SubmitField(_l("Schedule"))

    ACTIONS = ("save_draft", "submit", "schedule", "unpublish")

    def __init__(self, *args, author=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.author = author
        self.publish_at_utc: datetime | None = None

    @property
    def action(self) -> str | None:
        """The button pressed ("save_draft", "submit", "schedule", "unpublish"), if any."""
        return next((name for name in self.ACTIONS if self[name].data), None)

    def validate_publish_at(self, field) -> None:
        if self.action != "schedule":
            return
        if not field.data:
            raise ValidationError(_("Choose the date and time to publish at."))
        local = parse_local_datetime(field.data)
        if local is None:
            raise ValidationError(_("Enter a date and time like 2026-12-04 09:30."))
        try:
            when = from_local(local, self.author)
        except (OverflowError, ValueError):
            raise ValidationError(_("Enter a date and time like 2026-12-04 09:30.")) from None
        if when <= utcnow():
            raise ValidationError(_("Choose a time in the future: that one has already passed."))
        self.publish_at_utc = when


class AutosaveForm(PostTextForm):
    """What the editor's script sends every few seconds: nothing is required, as a
    half-written post is what it keeps."""

    id = StringField(filters=[_strip])
    title = StringField(filters=[_strip], validators=[Length(max=Post.TITLE_LENGTH)])
    content = TextAreaField(validators=[Length(max=Post.CONTENT_LENGTH, message=CONTENT_TOO_LONG)])

    def validate_id(self, field) -> None:
        if field.data and not POST_ID.fullmatch(field.data):
            raise ValidationError(_("Not a post id."))

    @property
    def post_id(self) -> int | None:
        return int(self.id.data) if self.id.data else None

    @property
    def is_empty(self) -> bool:
        return not (self.title.data or (self.content.data or "").strip())


def _tidy(value: str | None) -> str | None:
    # Browsers send line breaks as \r\n but count them as one character against maxlength:
    # store them as \n so that the limit here is the one the reader's browser applied.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _comment_id(value) -> int | None:
    # The id of the comment a reply answers; empty for a comment of its own.
    if value in (None, ""):
        return None
    if isinstance(value, int) or (POST_ID.fullmatch(value) and int(value) <= MAX_ID):
        return int(value)
    raise ValueError(str(Comment.NOT_ON_THIS_POST))


class CommentForm(SpamTraps, HtmlForm):
    # Set by the Reply control: the comment this one answers (checked by the view against
    # the post, see Comment.reply_refusal).
    parent_id = HiddenField(filters=[_comment_id])
    body = TextAreaField(
        _l("Your comment"),
        filters=[_tidy],
        validators=[
            DataRequired(message=_l("Write something before posting.")),
            Length(
                max=Comment.MAX_LENGTH,
                message=LazyString(
                    lambda: _(
                        "Comments can be at most %(max)s characters long.",
                        max=format_number(Comment.MAX_LENGTH),
                    )
                ),
            ),
        ],
    )
    submit = SubmitField(_l("Post comment"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # A hidden field has no place on the page for its error: it goes above the form.
        self.form_errors.extend(self.parent_id.errors)
        return valid
