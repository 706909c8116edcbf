"""Every body the API reads or writes, declared once: webargs validates requests with these,
responses are serialised through them, and apispec builds /api/v1/openapi.json from them."""

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from flaskblog import urls
from flaskblog.api.fields import (
    ComputedDateTime,
    ComputedNested,
    ComputedUrl,
    StrictBoolean,
    Text,
)
from flaskblog.models import MAX_ID, Post, Revision, Tag

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10


def no_repeats(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Name each tag once.")


# --- Errors -----------------------------------------------------------------------------------


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "not_found"})
    message = fields.String(required=True)
    details = fields.Dict(
        required=True,
        metadata={"description": "Per field, the reasons it was refused (422); else {}."},
    )


class ErrorSchema(Schema):
    """Every error under /api."""

    error = fields.Nested(ErrorBodySchema, required=True)


# --- Tokens -----------------------------------------------------------------------------------


class TokenSchema(Schema):
    token = fields.String(
        required=True, metadata={"description": "Send as `Authorization: Bearer <token>`."}
    )
    expires_at = fields.AwareDateTime(required=True)


# --- Users ------------------------------------------------------------------------------------


class UserLinksSchema(Schema):
    self = fields.Url(required=True)
    posts = fields.Url(required=True)
    html = fields.Url(required=True, metadata={"description": "The author's page on the site."})


class UserSchema(Schema):
    """A public profile."""

    username = fields.String(required=True)
    avatar_url = ComputedUrl(required=True, build=lambda user: urls.avatar_url(user, external=True))
    post_count = fields.Integer(required=True, metadata={"description": "Published posts."})
    joined = fields.AwareDateTime(required=True, attribute="created_at")
    about_me = fields.String(
        required=True, allow_none=True, metadata={"description": "Plain text, or null."}
    )
    website = fields.String(
        required=True, allow_none=True, metadata={"description": "An http(s) URL, or null."}
    )
    links = ComputedNested(UserLinksSchema, required=True, build=lambda user: user_links(user))


def user_links(user) -> dict:
    return {
        "self": url_for("api.get_user", username=user.username, _external=True),
        "posts": url_for("api.list_user_posts", username=user.username, _external=True),
        "html": url_for("users.user_posts", username=user.username, _external=True),
    }


class MeSchema(UserSchema):
    """The token owner's own profile."""

    email = fields.Email(required=True)
    confirmed = fields.Boolean(required=True, attribute="is_confirmed")
    is_admin = fields.Boolean(required=True)


# --- Posts ------------------------------------------------------------------------------------


class AuthorSchema(Schema):
    username = fields.String(required=True)
    url = ComputedUrl(
        required=True,
        build=lambda user: url_for("api.get_user", username=user.username, _external=True),
    )


class PostLinksSchema(Schema):
    self = fields.Url(required=True)
    html = fields.Url(required=True, metadata={"description": "The post's page on the site."})
    author = fields.Url(required=True)


TAG_PATTERN = f"^{Tag.NAME_PATTERN}$"
TagName = fields.String(
    validate=validate.Regexp(TAG_PATTERN, error=f"Tags are {Tag.NAME_RULE}."),
    metadata={"pattern": TAG_PATTERN, "example": "flask"},
)


def tag_list(**kwargs) -> fields.List:
    """A post's tags: at most Post.MAX_TAGS, each named once."""
    return fields.List(
        TagName,
        validate=[
            validate.Length(max=Post.MAX_TAGS, error=f"Use at most {Post.MAX_TAGS} tags."),
            no_repeats,
        ],
        metadata={"uniqueItems": True},
        **kwargs,
    )


class TagSchema(Schema):
    name = fields.String(required=True)


class PostSchema(Schema):
    """A post as the API shows it."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    slug = fields.String(required=True)
    content = fields.String(required=True, metadata={"description": "Markdown source."})
    content_html = fields.String(
        required=True,
        metadata={"description": "The Markdown rendered and sanitised, as on the site."},
    )
    summary = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The writer's own plain-text summary, or null."},
    )
    published = fields.Boolean(
        required=True,
        attribute="is_published",
        metadata={"description": "true for a public post, and for a scheduled one too."},
    )
    publish_at = ComputedDateTime(
        required=True,
        allow_none=True,
        build=lambda post: post.published_at if post.is_scheduled else None,
        metadata={
            "description": "When a scheduled post appears (seen only by its author "
            "until then); null for any other post."
        },
    )
    tags = fields.Pluck(TagSchema, "name", many=True, required=True)
    comments_enabled = fields.Boolean(
        required=True, metadata={"description": "false: the post takes no new comments."}
    )
    author = fields.Nested(AuthorSchema, required=True)
    created_at = fields.AwareDateTime(required=True, attribute="date_posted")
    published_at = fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "null for a never-published draft."},
    )
    updated_at = fields.AwareDateTime(required=True, allow_none=True)
    comment_count = fields.Integer(required=True)
    links = ComputedNested(PostLinksSchema, required=True, build=lambda post: post_links(post))


def post_links(post: Post) -> dict:
    return {
        "self": url_for("api.get_post", post_id=post.id, _external=True),
        "html": urls.post_url(post, external=True),
        "author": url_for("api.get_user", username=post.author.username, _external=True),
    }


class PostInputSchema(Schema):
    """What a client writes; PATCH takes any subset of it."""

    title = Text(required=True, validate=validate.Length(min=1, max=Post.TITLE_LENGTH))
    content = Text(
        required=True,
        validate=validate.Length(min=1, max=Post.CONTENT_LENGTH),
        metadata={"description": "Markdown."},
    )
    summary = Text(
        allow_none=True,
        validate=validate.Length(max=Post.SUMMARY_LENGTH),
        metadata={
            "description": f"Plain text for listings, feeds and link previews, at most "
            f"{Post.SUMMARY_LENGTH} characters; null or blank for none."
        },
    )
    tags = tag_list(load_default=list)
    published = StrictBoolean(
        load_default=True, metadata={"description": "false saves (or takes back to) a draft."}
    )
    comments_enabled = StrictBoolean(
        load_default=True,
        metadata={"description": "false closes the post to new comments (those it has stay)."},
    )
    publish_at = Text(
        metadata={
            "format": "date-time",
            "description": "Schedule the post: it stays the author's alone until this time "
            "(ISO 8601; UTC when no offset is given), then appears by itself. It must lie "
            "in the future (else 400), and the post must not be public already (else 409); "
            'not with `"published": false`.',
        },
    )

    @pre_load
    def strip_title(self, data, **_kwargs):
        # As the site's editor does: a title (or summary) of spaces is none.
        for name in ("title", "summary"):
            if isinstance(data, dict) and isinstance(data.get(name), str):
                data = {**data, name: data[name].strip()}
        return data


class PostUpdateSchema(PostInputSchema):
    """A partial update: only the fields sent change."""

    title = Text(validate=validate.Length(min=1, max=Post.TITLE_LENGTH))
    content = Text(validate=validate.Length(min=1, max=Post.CONTENT_LENGTH))
    tags = tag_list()
    published = StrictBoolean()
    comments_enabled = StrictBoolean()


# --- Pages ------------------------------------------------------------------------------------


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_ID))
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )


class PageLinksSchema(Schema):
    self = fields.Url(required=True)
    next = fields.Url(required=True, allow_none=True)
    prev = fields.Url(required=True, allow_none=True)


class PageSchema(Schema):
    """What every page of a list says besides its items: where it is, and the way on."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total = fields.Integer(required=True)
    links = fields.Nested(PageLinksSchema, required=True)


class PostPageSchema(PageSchema):
    """One page of posts, newest first."""

    items = fields.List(fields.Nested(PostSchema), required=True)


# --- Images -----------------------------------------------------------------------------------


class ImageUploadSchema(Schema):
    image = Upload(
        required=True,
        metadata={"description": "A JPEG, PNG, WebP or GIF image of at most 5 MB."},
    )
    alt = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "What the image shows, for those who cannot see it."},
    )


class ImageSchema(Schema):
    """An uploaded image, ready to show in a post."""

    id = fields.Integer(required=True)
    url = fields.Url(required=True, metadata={"description": "Where the image is served."})
    markdown = fields.String(
        required=True,
        metadata={"example": "![A red square](https://example.com/image/1/0123456789abcdef.webp)"},
    )
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


# --- Revisions --------------------------------------------------------------------------------


def revision_links(revision) -> dict:
    return {
        "self": url_for(
            "api.get_revision", post_id=revision.post_id, revision_id=revision.id, _external=True
        ),
        "post": url_for("api.get_post", post_id=revision.post_id, _external=True),
    }


class RevisionLinksSchema(Schema):
    self = fields.Url(required=True)
    post = fields.Url(required=True)


class RevisionSummarySchema(Schema):
    """A revision in its post's history, without its text."""

    id = fields.Integer(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(Revision.KINDS),
        metadata={"enum": list(Revision.KINDS)},
    )
    pending = fields.Boolean(
        required=True,
        attribute="is_pending",
        metadata={"description": "The editor's text of a published post, not live yet."},
    )
    title = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    author = fields.Nested(
        AuthorSchema,
        required=True,
        allow_none=True,
        metadata={"description": "null once the account is deleted."},
    )
    links = ComputedNested(RevisionLinksSchema, required=True, build=revision_links)


class RevisionSchema(RevisionSummarySchema):
    """A revision with its title, content, tags and summary as they were."""

    content = fields.String(required=True, metadata={"description": "Markdown source."})
    tags = fields.List(fields.String(), required=True, attribute="tag_names")
    summary = fields.String(required=True, allow_none=True)


class RevisionPageSchema(PageSchema):
    """One page of a post's revisions, newest first (the pending one, if any, first of all)."""

    items = fields.List(fields.Nested(RevisionSummarySchema), required=True)
